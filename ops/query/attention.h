// Comptes à surveiller: the accounts of one establishment that need someone
// to act (seed 000, "Accorder son attention aux comptes suivants") — the query
// behind `GET /v1/attention?uai=` and the dashboard's attention panel.
//
// Cases, judged on the accounts' current state at `now` (an account may be in
// several; letter_expired and not_activated exclude each other):
//   letter_expired   notified by a letter that expired (3 months) and still not
//                    activated                      → renotify: a new letter
//   not_activated    notified more than `weeks` weeks ago, not activated, the
//                    notice still valid             → remind: contact the family
//   no_mobile        a guardian not activated with no mobile number on file: no
//                    self-registration is possible  → record_mobile in the
//                                                     source system, then re-import
//   disputed_link    a guardian's link the guardian disputed, awaiting academy
//                    support                        → academy_support_review
//   link_left_behind a guardian's link that still places the pupil in another
//                    establishment than the pupil's (a transfer whose link update
//                    is missing) — listed at both   → update_link (re-import)
//   reset_pending    an activated account whose password was reset and not yet
//                    set again by its owner          → follow_up_reset
// Accounts are those of the establishment index (projection_db.h "e|"): its
// pupils and the guardians linked to one of them; closed accounts never.
// Items carry ids, states, dates and codes only: no name, INE, login or contact.
// Pure functions (CasesOf) and reads of the store; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "events/json.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger::query {

enum class AttentionCase : uint8_t {
  kLetterExpired, kNotActivated, kNoMobile, kDisputedLink, kLinkLeftBehind, kResetPending
};
inline constexpr AttentionCase kAttentionCases[] = {
    AttentionCase::kLetterExpired, AttentionCase::kNotActivated, AttentionCase::kNoMobile,
    AttentionCase::kDisputedLink, AttentionCase::kLinkLeftBehind, AttentionCase::kResetPending};
std::string_view Name(AttentionCase c);    // "letter_expired"…
std::string_view Action(AttentionCase c);  // "renotify"…

struct AttentionItem {
  std::string account;
  AccountKind kind = AccountKind::kPupil;
  ViewState state = ViewState::kCreated;
  AttentionCase why = AttentionCase::kLetterExpired;
  Timestamp since;    // when the case began: the notice, its expiry, the dispute…
  std::string pupil;  // the link's pupil, for the link cases
  friend bool operator==(const AttentionItem&, const AttentionItem&) = default;
};

// Where a pupil is schooled now (nullopt: unknown or closed).
using PupilUai = std::function<std::optional<std::string>(const std::string& pupil)>;

// The cases of one account of establishment `uai`.
std::vector<AttentionItem> CasesOf(const AccountView& v, const std::string& uai, Timestamp now, int weeks,
                                   const PupilUai& pupil_uai);

struct AttentionReport {
  std::string uai;
  Timestamp now;
  int weeks = 4;
  size_t accounts = 0;  // accounts of the establishment looked at
  std::vector<AttentionItem> items;  // by case, then account
};

// InvalidArgument for a malformed UAI or weeks outside 1..52.
Result<AttentionReport> ReadAttention(const ProjectionDb& db, const std::string& uai, Timestamp now, int weeks);

// {"uai","at","weeks","accounts_examined","counts":[{"case","action","profile","count"} for every
// case × profile], and with `with_accounts`: "accounts":[{"account","profile","state","case",
// "action","since","pupil"?}, … at most `max_accounts`], "truncated":bool}
Json AttentionToJson(const AttentionReport& r, bool with_accounts, size_t max_accounts);

}  // namespace ledger::query
