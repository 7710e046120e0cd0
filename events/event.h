// The event catalogue (ARCHITECTURE.md §4) as C++ values.
//
// An Event is an envelope (identity, stream position, time, actor, causing
// command, hash chain) around one payload from the catalogue. These types are
// the domain's view; codec.h maps them to and from the FlatBuffers wire form
// (event.fbs) and json.h renders them for `ledger export`.
//
// Schema evolution is append-only: a new payload goes at the END of Payload
// (and of the fbs union, in the same position); existing fields never change
// meaning. Value types; thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "events/types.h"

namespace ledger {

enum class AccountKind : uint8_t { kPupil, kGuardian };
enum class Level : uint8_t { kEcole, kCollege, kLycee, kOther };
enum class SourceSystem : uint8_t { kSiecle, kOnde, kManual };
enum class NotifyChannel : uint8_t { kLetter, kEmail };
enum class ActivationMethod : uint8_t { kFranceConnect, kSelfRegistration, kProvisionalPassword };
enum class ResetChannel : uint8_t { kSms, kEmail, kStaff };
// RESP_LEGAL 1 or 2, or "personne en charge" (NIVEAU_RESPONSABILITE 2, secondary only).
enum class LinkRank : uint8_t { kLegal1, kLegal2, kEnCharge };
enum class UnlinkReason : uint8_t { kSourceUpdate, kErroneousLinkFixed, kPupilLeft };
// The two delegable modules of an establishment.
enum class Module : uint8_t { kAccountsAdmin, kPupilSupport };
enum class ActorKind : uint8_t {
  kSystem,             // an import from SIECLE/ONDE, or the ledger itself
  kPupil,              // the account's owner, a pupil
  kGuardian,           // the account's owner, a guardian
  kStaff,              // establishment staff acting through a delegation (module)
  kEstablishmentHead,  // "personnel de direction": accounts_admin by default
  kAcademySupport,     // the academy's support desk
};

// snake_case names used in the JSON export and the CLI ("pupil", "college", …).
std::string_view Name(AccountKind v);
std::string_view Name(Level v);
std::string_view Name(SourceSystem v);
std::string_view Name(NotifyChannel v);
std::string_view Name(ActivationMethod v);
std::string_view Name(ResetChannel v);
std::string_view Name(LinkRank v);
std::string_view Name(UnlinkReason v);
std::string_view Name(Module v);
std::string_view Name(ActorKind v);

// Who did it. For staff: the establishment acted in and the delegated module
// used; strong_auth = OTP key or administrative network.
struct Actor {
  ActorKind kind = ActorKind::kSystem;
  std::string id;  // staff id, account id, or the import's name ("siecle")
  Uai uai;
  std::optional<Module> module;
  bool strong_auth = false;
  friend bool operator==(const Actor&, const Actor&) = default;
};

// Where a pupil is schooled; denormalised into guardian links so that every
// projection is a fold over single streams.
struct Placement {
  Uai uai;
  std::string department;  // "031"
  std::string academy;     // "toulouse"
  Level level = Level::kOther;
  std::string class_name;  // "3E2"; empty in links
  friend bool operator==(const Placement&, const Placement&) = default;
};

// What an AccountCreated in hand holds of the person's fields: in clear
// (schema 1, or opened with the person's key), still sealed (read without the
// key store), or erased (the key was destroyed: `ledger erase`).
enum class PersonalData : uint8_t { kClear, kSealed, kErased };

struct AccountCreated {
  AccountKind kind = AccountKind::kPupil;
  std::string login;  // "p.martin12", unique nationally
  SourceSystem source_system = SourceSystem::kManual;
  std::string source_id;    // ELEVE_ID / PERSONNE_ID
  std::string source_file;  // the export it came from
  Placement placement;      // pupils only
  Ine ine;                  // pupils only
  std::optional<Date> birth_date;  // pupils: confirmed at activation
  std::string last_name;
  std::string first_name;
  bool has_mobile = false;  // a mobile number is on file (self-registration, SMS reset)
  bool has_email = false;   // an e-mail is on file (e-mail reset)
  // Guardians: pseudonymous keys the importers match adults with across
  // establishments (hex BLAKE2b digests of normalised name + first name +
  // mobile, or + e-mail; never the values themselves). Empty for pupils.
  std::vector<std::string> match_keys;
  // Schema 2 (events/privacy/README.md): the personal fields above — login,
  // ine, birth_date, last_name, first_name, source_id — are written to the log
  // only inside `sealed`, encrypted under the person's own key; the clear
  // fields are then empty on the wire. `personal` says what a reader holds.
  std::string sealed;     // nonce ‖ XChaCha20-Poly1305 ciphertext; empty: schema 1, all in clear
  std::string login_key;  // keyed BLAKE2b of the login (search index), hex; empty in schema 1
  std::string ine_key;    // … of the INE (pupils: search, re-import matching)
  PersonalData personal = PersonalData::kClear;  // not on the wire
  friend bool operator==(const AccountCreated&, const AccountCreated&) = default;
};
struct AccountNotified {
  NotifyChannel channel = NotifyChannel::kLetter;
  bool password_reset = false;  // a new provisional password was issued
  Timestamp expires_at;         // a letter is valid 3 months
  bool forced = false;          // staff overrode the "activated guardian" warning
  friend bool operator==(const AccountNotified&, const AccountNotified&) = default;
};
struct AccountActivated {
  ActivationMethod method = ActivationMethod::kProvisionalPassword;
  friend bool operator==(const AccountActivated&, const AccountActivated&) = default;
};
struct PasswordReset {
  ResetChannel channel = ResetChannel::kSms;
  friend bool operator==(const PasswordReset&, const PasswordReset&) = default;
};
struct GuardianLinked {
  AccountId pupil;
  Placement pupil_placement;  // class_name unused
  LinkRank rank = LinkRank::kLegal1;
  std::string relationship;  // CODE_PARENTE
  SourceSystem source_system = SourceSystem::kManual;
  std::string source_ids;  // "ELEVE_ID=…;PERSONNE_ID=…"
  std::string source_file;
  friend bool operator==(const GuardianLinked&, const GuardianLinked&) = default;
};
struct GuardianLinkUpdated {
  AccountId pupil;
  Placement pupil_placement;
  friend bool operator==(const GuardianLinkUpdated&, const GuardianLinkUpdated&) = default;
};
struct GuardianUnlinked {
  AccountId pupil;
  UnlinkReason reason = UnlinkReason::kSourceUpdate;
  friend bool operator==(const GuardianUnlinked&, const GuardianUnlinked&) = default;
};
struct LinkConfirmed {
  AccountId pupil;
  friend bool operator==(const LinkConfirmed&, const LinkConfirmed&) = default;
};
struct LinkDisputed {
  AccountId pupil;
  friend bool operator==(const LinkDisputed&, const LinkDisputed&) = default;
};
struct PupilTransferred {
  Placement to;
  friend bool operator==(const PupilTransferred&, const PupilTransferred&) = default;
};
struct AccountClosed {
  std::string reason;  // "left", "merged_into:<account id>", "erased"
  std::string note;    // erasure: the request's reference (`ledger erase --reason`); never a name
  friend bool operator==(const AccountClosed&, const AccountClosed&) = default;
};
struct RightsDelegated {
  StaffId delegate;
  Module module = Module::kAccountsAdmin;
  StaffId granted_by;
  Timestamp valid_until;  // 31 August of the school year at the latest
  std::string reason;
  friend bool operator==(const RightsDelegated&, const RightsDelegated&) = default;
};
struct DelegationRevoked {
  StaffId delegate;
  Module module = Module::kAccountsAdmin;
  StaffId revoked_by;
  std::string reason;
  friend bool operator==(const DelegationRevoked&, const DelegationRevoked&) = default;
};
// Extensions to the §4 catalogue (documented in events/README.md):
// the owner set their own password after a staff reset or a re-notification.
struct PasswordResetCompleted {
  friend bool operator==(const PasswordResetCompleted&, const PasswordResetCompleted&) = default;
};
// The contact details on file changed (a re-import).
struct ContactUpdated {
  bool has_mobile = false;
  bool has_email = false;
  std::vector<std::string> match_keys;  // the guardian's keys now (AccountCreated)
  friend bool operator==(const ContactUpdated&, const ContactUpdated&) = default;
};
// A pupil changed class within the same establishment.
struct ClassChanged {
  std::string class_name;
  friend bool operator==(const ClassChanged&, const ClassChanged&) = default;
};

// Order = wire order (fbs union index - 1). Append only.
using Payload = std::variant<AccountCreated, AccountNotified, AccountActivated, PasswordReset,
                             GuardianLinked, GuardianLinkUpdated, GuardianUnlinked, LinkConfirmed,
                             LinkDisputed, PupilTransferred, AccountClosed, RightsDelegated,
                             DelegationRevoked, PasswordResetCompleted, ContactUpdated, ClassChanged>;

// "AccountCreated", … (the catalogue's names; the export's "type").
std::string_view EventTypeName(const Payload& p);
std::string_view EventTypeName(size_t payload_index);
constexpr size_t kEventTypeCount = std::variant_size_v<Payload>;

using Hash = std::array<uint8_t, 32>;
std::string HexOf(const Hash& h);

inline constexpr uint16_t kSchemaVersion = 1;
// An AccountCreated whose personal fields are sealed (AccountCreated::sealed).
inline constexpr uint16_t kSealedSchemaVersion = 2;

struct Event {
  EventId event_id;
  StreamId stream;
  uint64_t seq = 0;  // 1, 2, 3… per stream, no gaps
  Timestamp occurred_at;
  Timestamp recorded_at;
  Actor actor;
  CommandId command_id;
  uint16_t schema_version = kSchemaVersion;
  Hash prev_hash{};  // all zero for seq 1
  Hash hash{};       // BLAKE2b-256(prev_hash ‖ body bytes), see hash_chain.h
  Payload payload;
  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace ledger
