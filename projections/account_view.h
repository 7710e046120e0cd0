// The read models of one stream, as pure folds (ARCHITECTURE.md §6).
//
// AccountView: what a dashboard or an assistance agent needs of an account —
// its state (created → notified → activated, or closed), reset-pending flag,
// login, where a pupil is schooled, how it was activated, when things
// happened. Guardians also carry their links (LinkView), including removed
// ones, so that `ledger links diagnose` can tell an erroneous link's story.
//
// ApplyToView folds one event of the view's own stream; events arrive in seq
// order (the projector quarantines anything else before calling it).
// Pure; value types.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "events/event.h"

namespace ledger {

enum class ViewState : uint8_t { kCreated, kNotified, kActivated, kClosed };
std::string_view Name(ViewState s);

enum class LinkViewStatus : uint8_t { kUnconfirmed, kConfirmed, kDisputed, kRemoved };
std::string_view Name(LinkViewStatus s);

// "staff:staff-cpe-01 (0350033W, accounts_admin)", "system:siecle" — no names.
std::string DescribeActor(const Actor& a);

struct LinkView {
  std::string guardian;
  std::string pupil;
  Placement placement;  // the pupil's establishment as the link knows it (no class)
  LinkRank rank = LinkRank::kLegal1;
  std::string relationship;
  SourceSystem source_system = SourceSystem::kManual;
  std::string source_ids;
  std::string source_file;
  LinkViewStatus status = LinkViewStatus::kUnconfirmed;
  std::string removed_reason;  // UnlinkReason name when removed
  Timestamp linked_at;
  std::string linked_by;
  Timestamp changed_at;   // last change of any kind
  std::string changed_by;
  std::string last_change;  // "linked", "confirmed", "disputed", "moved", "removed:<reason>"

  bool active() const { return status != LinkViewStatus::kRemoved; }
  friend bool operator==(const LinkView&, const LinkView&) = default;
};

struct AccountView {
  std::string id;
  AccountKind kind = AccountKind::kPupil;
  ViewState state = ViewState::kCreated;
  bool reset_pending = false;
  std::string login;   // schema 1; empty in schema 2 (see `sealed`)
  // Schema 2: the account's sealed personal fields (AccountCreated::sealed),
  // opened at read time with the key store (ops/query), never here.
  std::string sealed;
  PersonalData personal = PersonalData::kClear;  // not stored: kSealed when `sealed` is set
  SourceSystem source_system = SourceSystem::kManual;
  Placement placement;  // pupils
  std::optional<ActivationMethod> activation_method;
  bool has_mobile = false;  // contact details on file (AccountCreated, ContactUpdated): flags only
  bool has_email = false;
  std::optional<NotifyChannel> notified_by;  // the last notification's channel
  Timestamp notice_expires_at;               // … and its expiry (a letter: 3 months)
  Timestamp created_at, notified_at, activated_at, closed_at, updated_at;
  std::string closed_reason;
  uint64_t seq = 0;                      // events folded
  Hash last_hash{};                      // of the last event folded: the stream's chain head
  std::map<std::string, LinkView> links;  // guardians: pupil id -> link, removed ones kept

  bool exists() const { return seq > 0; }
  // Created and not closed: it counts in the statistics (stats.h), belongs to
  // its establishments' index and can need attention (ops/query/attention.h).
  bool open() const { return exists() && state != ViewState::kClosed; }
  friend bool operator==(const AccountView&, const AccountView&) = default;
};

void ApplyToView(AccountView& v, const Event& e);

}  // namespace ledger
