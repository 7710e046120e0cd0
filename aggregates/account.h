// The Account aggregate: one pupil or guardian account (its stream is the
// account id). State is a fold of the account's own events (Apply); DecideAccount
// turns a command into new events or a rejection a person can act on.
//
// Lifecycle: created -> notified -> activated, or closed from any state. An
// activated account stays activated through later resets (reset_pending).
// The rules enforced are those of ARCHITECTURE.md §5; account_test.cc shows
// each rule's accepted and rejected case.
// Pure: no I/O, no clock. Thread-compatible.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aggregates/command.h"
#include "aggregates/establishment.h"
#include "aggregates/stream_state.h"
#include "events/status.h"

namespace ledger {

enum class AccountLifecycle : uint8_t { kCreated, kNotified, kActivated, kClosed };
std::string_view Name(AccountLifecycle v);

enum class LinkStatus : uint8_t { kUnconfirmed, kConfirmed, kDisputed };

struct LinkState {
  Placement pupil_placement;
  LinkRank rank = LinkRank::kLegal1;
  LinkStatus status = LinkStatus::kUnconfirmed;
};

struct AccountState {
  StreamPosition position;
  AccountKind kind = AccountKind::kPupil;
  AccountLifecycle lifecycle = AccountLifecycle::kCreated;
  std::string login;
  Placement placement;  // pupils
  std::optional<Date> birth_date;
  bool has_mobile = false;
  bool has_email = false;
  std::vector<std::string> match_keys;  // guardians (AccountCreated / ContactUpdated)
  std::optional<Timestamp> letter_expires_at;  // the last provisional password's expiry
  bool has_ledger_password = false;  // false for a FranceConnect-only guardian
  std::optional<ActivationMethod> activation_method;
  bool reset_pending = false;
  std::map<std::string, LinkState> links;  // guardians: pupil account id -> link
  std::string closed_reason;
  // Where the account's AccountCreated is in the log (its partition is the
  // stream's), when the state was folded from the log: without a state store
  // the write path reads it back to open a sealed birth date. (A creation
  // decided by the running handler keeps its birth date in clear in memory.)
  int64_t created_offset = -1;
  // With a state store and sealed personal data, for a pupil (whose
  // activation checks the birth date): the AccountCreated's sealed fields
  // (ciphertext, as in the log), opened instead of reading the log. Empty for
  // a guardian: nothing of theirs is ever opened by the write path.
  std::string sealed_creation;

  bool exists() const { return position.seq > 0; }
  bool closed() const { return lifecycle == AccountLifecycle::kClosed; }
  bool is_pupil() const { return kind == AccountKind::kPupil; }
};

void Apply(AccountState& s, const Event& e);

// Read-only state of other aggregates a decision needs; the handler fills what
// the command names. Null = that aggregate does not exist (yet).
struct DecideContext {
  const AccountState* pupil = nullptr;          // link commands: the pupil
  const AccountState* merge_target = nullptr;   // CloseAccount(kMergedInto)
  // Staff actions: the establishment the actor acts in (its delegations).
  const EstablishmentState* establishment = nullptr;
};

// Decides every account command (all but DelegateRights/RevokeDelegation).
// Returns the payloads to append to the account's stream, or: InvalidArgument
// (malformed command), PermissionDenied (wrong actor), FailedPrecondition
// (a domain rule), AlreadyExists (create of an existing account).
Result<std::vector<Payload>> DecideAccount(const AccountState& s, const Command& c,
                                           const DecideContext& ctx);

// How long a notification letter's provisional password stays valid.
inline constexpr int kLetterValidityMonths = 3;

}  // namespace ledger
