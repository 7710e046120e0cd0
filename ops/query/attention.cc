#include "ops/query/attention.h"

#include <algorithm>
#include <tuple>

#include "events/identifiers.h"

namespace ledger::query {

std::string_view Name(AttentionCase c) {
  switch (c) {
    case AttentionCase::kLetterExpired: return "letter_expired";
    case AttentionCase::kNotActivated: return "not_activated";
    case AttentionCase::kNoMobile: return "no_mobile";
    case AttentionCase::kDisputedLink: return "disputed_link";
    case AttentionCase::kLinkLeftBehind: return "link_left_behind";
    case AttentionCase::kResetPending: return "reset_pending";
  }
  return "letter_expired";
}

std::string_view Action(AttentionCase c) {
  switch (c) {
    case AttentionCase::kLetterExpired: return "renotify";
    case AttentionCase::kNotActivated: return "remind";
    case AttentionCase::kNoMobile: return "record_mobile";
    case AttentionCase::kDisputedLink: return "academy_support_review";
    case AttentionCase::kLinkLeftBehind: return "update_link";
    case AttentionCase::kResetPending: return "follow_up_reset";
  }
  return "renotify";
}

std::vector<AttentionItem> CasesOf(const AccountView& v, const std::string& uai, Timestamp now, int weeks,
                                   const PupilUai& pupil_uai) {
  std::vector<AttentionItem> out;
  if (!v.open()) return out;
  auto add = [&](AttentionCase why, Timestamp since, std::string pupil = {}) {
    out.push_back(AttentionItem{v.id, v.kind, v.state, why, since, std::move(pupil)});
  };
  if (v.state == ViewState::kNotified) {
    const bool letter = v.notified_by == NotifyChannel::kLetter;
    if (letter && v.notice_expires_at.micros != 0 && v.notice_expires_at < now)
      add(AttentionCase::kLetterExpired, v.notice_expires_at);
    else if (v.notified_at < AddDays(now, -7 * weeks))
      add(AttentionCase::kNotActivated, v.notified_at);
  }
  if (v.kind == AccountKind::kGuardian && v.state != ViewState::kActivated && !v.has_mobile)
    add(AttentionCase::kNoMobile, v.created_at);
  if (v.state == ViewState::kActivated && v.reset_pending) add(AttentionCase::kResetPending, v.updated_at);
  if (v.kind != AccountKind::kGuardian) return out;
  for (const auto& [pupil, l] : v.links) {
    if (!l.active()) continue;
    const bool here = l.placement.uai.str() == uai;
    if (here && l.status == LinkViewStatus::kDisputed) add(AttentionCase::kDisputedLink, l.changed_at, pupil);
    // Left behind: the link says `uai` and the pupil is elsewhere, or the
    // pupil is here and the link says elsewhere.
    const std::optional<std::string> now_at = pupil_uai(pupil);
    if (!now_at) continue;
    if ((here && *now_at != uai) || (!here && *now_at == uai))
      add(AttentionCase::kLinkLeftBehind, l.changed_at, pupil);
  }
  return out;
}

Result<AttentionReport> ReadAttention(const ProjectionDb& db, const std::string& uai, Timestamp now, int weeks) {
  if (Status s = ValidateUai(uai); !s.ok()) return InvalidArgument("uai: " + s.message());
  if (weeks < 1 || weeks > 52) return InvalidArgument("weeks: expected 1 to 52");
  AttentionReport r{uai, now, weeks, 0, {}};
  LEDGER_ASSIGN_OR_RETURN(std::vector<std::string> members, db.MembersOf(uai));
  Status failed;
  auto pupil_uai = [&](const std::string& pupil) -> std::optional<std::string> {
    Result<std::optional<AccountView>> p = db.View(pupil);
    if (!p.ok()) failed = p.status();
    if (!p.ok() || !*p || (*p)->state == ViewState::kClosed) return std::nullopt;
    return (*p)->placement.uai.str();
  };
  std::vector<std::string> guardians_of_pupils;  // guardians whose links place a pupil of here elsewhere
  for (const std::string& id : members) {
    LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> v, db.View(id));
    if (!v) continue;
    ++r.accounts;
    for (AttentionItem& item : CasesOf(*v, uai, now, weeks, pupil_uai)) r.items.push_back(std::move(item));
    if (v->kind != AccountKind::kPupil) continue;
    LEDGER_ASSIGN_OR_RETURN(std::vector<LinkView> links, db.LinksOfPupil(id));
    for (const LinkView& l : links)
      if (l.active() && l.placement.uai.str() != uai) guardians_of_pupils.push_back(l.guardian);
  }
  // A guardian whose only link to a pupil of here still says elsewhere is not
  // in this establishment's index: its left-behind links are found from the pupils.
  std::sort(guardians_of_pupils.begin(), guardians_of_pupils.end());
  guardians_of_pupils.erase(std::unique(guardians_of_pupils.begin(), guardians_of_pupils.end()),
                            guardians_of_pupils.end());
  for (const std::string& g : guardians_of_pupils) {
    if (std::binary_search(members.begin(), members.end(), g)) continue;  // already judged
    LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> v, db.View(g));
    if (!v) continue;
    for (AttentionItem& item : CasesOf(*v, uai, now, weeks, pupil_uai))
      if (item.why == AttentionCase::kLinkLeftBehind) r.items.push_back(std::move(item));
  }
  LEDGER_RETURN_IF_ERROR(failed);
  std::sort(r.items.begin(), r.items.end(), [](const AttentionItem& a, const AttentionItem& b) {
    return std::tie(a.why, a.account, a.pupil) < std::tie(b.why, b.account, b.pupil);
  });
  return r;
}

Json AttentionToJson(const AttentionReport& r, bool with_accounts, size_t max_accounts) {
  Json counts = Json::array();
  for (AttentionCase c : kAttentionCases)
    for (AccountKind k : {AccountKind::kPupil, AccountKind::kGuardian}) {
      const auto n = std::count_if(r.items.begin(), r.items.end(),
                                   [&](const AttentionItem& i) { return i.why == c && i.kind == k; });
      counts.push_back(Json{{"case", Name(c)}, {"action", Action(c)}, {"profile", Name(k)}, {"count", n}});
    }
  Json j{{"uai", r.uai},
         {"at", FormatRfc3339(r.now)},
         {"weeks", r.weeks},
         {"accounts_examined", r.accounts},
         {"counts", counts}};
  if (!with_accounts) return j;
  Json items = Json::array();
  for (const AttentionItem& i : r.items) {
    if (items.size() >= max_accounts) break;
    Json item{{"account", i.account}, {"profile", Name(i.kind)}, {"state", Name(i.state)},
              {"case", Name(i.why)},  {"action", Action(i.why)}, {"since", FormatRfc3339(i.since)}};
    if (!i.pupil.empty()) item["pupil"] = i.pupil;
    items.push_back(std::move(item));
  }
  j["accounts"] = items;
  j["truncated"] = r.items.size() > items.size();
  return j;
}

}  // namespace ledger::query
