// Commands: what people and imports ask of the ledger (imperative names).
//
// A Command is an envelope (id for idempotency, time, actor) around one body.
// Each body targets exactly one stream (TargetStream): an account, or an
// establishment's `uai:<UAI>` stream for delegations. Time and ids arrive in
// the command: the domain reads no clock and draws no random numbers.
// Value types.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "events/event.h"

namespace ledger {

// Creation carries the whole AccountCreated payload (the import fills it).
struct CreateAccount {
  AccountId account;
  AccountCreated data;
};
struct NotifyAccount {
  AccountId account;
  NotifyChannel channel = NotifyChannel::kLetter;
  // Must be given explicitly when the account is already activated.
  std::optional<bool> reset_password;
  bool force = false;  // override the "activated guardian" refusal
};
struct ActivateAccount {
  AccountId account;
  ActivationMethod method = ActivationMethod::kProvisionalPassword;
  std::optional<Date> birth_date;  // pupils confirm it
};
struct ResetPassword {
  AccountId account;
  ResetChannel channel = ResetChannel::kSms;
};
struct CompletePasswordReset {
  AccountId account;
};
struct UpdateContact {
  AccountId account;
  bool has_mobile = false;
  bool has_email = false;
  std::vector<std::string> match_keys;  // guardians: the keys now (AccountCreated)
};
// The pupil's placement is taken from the pupil's own state by the handler.
struct LinkGuardian {
  AccountId guardian;
  AccountId pupil;
  LinkRank rank = LinkRank::kLegal1;
  std::string relationship;
  SourceSystem source_system = SourceSystem::kManual;
  std::string source_ids;
  std::string source_file;
};
struct UpdateGuardianLink {
  AccountId guardian;
  AccountId pupil;
};
struct UnlinkGuardian {
  AccountId guardian;
  AccountId pupil;
  UnlinkReason reason = UnlinkReason::kSourceUpdate;
};
struct ConfirmLink {
  AccountId guardian;
  AccountId pupil;
};
struct DisputeLink {
  AccountId guardian;
  AccountId pupil;
};
struct TransferPupil {
  AccountId pupil;
  Placement to;
};
struct ChangeClass {
  AccountId pupil;
  std::string class_name;
};
enum class CloseReason : uint8_t { kLeft, kMergedInto, kErased };
struct CloseAccount {
  AccountId account;
  CloseReason reason = CloseReason::kLeft;
  AccountId merged_into;  // with kMergedInto
  std::string note;       // kErased: the request's reference (a ticket, never a name); required
};
struct DelegateRights {
  Uai uai;
  StaffId delegate;
  Module module = Module::kAccountsAdmin;
  Timestamp valid_until;
  std::string reason;
};
struct RevokeDelegation {
  Uai uai;
  StaffId delegate;
  Module module = Module::kAccountsAdmin;
  std::string reason;
};

using CommandBody =
    std::variant<CreateAccount, NotifyAccount, ActivateAccount, ResetPassword,
                 CompletePasswordReset, UpdateContact, LinkGuardian, UpdateGuardianLink,
                 UnlinkGuardian, ConfirmLink, DisputeLink, TransferPupil, ChangeClass, CloseAccount,
                 DelegateRights, RevokeDelegation>;

struct Command {
  CommandId id;
  Timestamp at;  // when it happens (becomes the events' occurred_at)
  Actor actor;
  CommandBody body;
};

// The stream the command's events go to.
StreamId TargetStream(const CommandBody& body);
// "ActivateAccount", … for messages.
std::string_view CommandName(const CommandBody& body);
// Every command name, in CommandBody order.
std::span<const std::string_view> CommandNames();

}  // namespace ledger
