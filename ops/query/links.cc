#include "ops/query/links.h"

#include <map>

#include <fmt/core.h>

#include "ops/query/accounts.h"
#include "ops/query/history.h"
#include "projections/view_codec.h"

namespace ledger::query {
namespace {

// What an assistance agent should look at, link by link.
std::vector<std::string> Findings(const AccountView& view, const std::vector<LinkView>& links) {
  std::vector<std::string> findings;
  std::map<std::string, int> rank_count;
  for (const LinkView& l : links) {
    const std::string name = l.guardian + " → " + l.pupil;
    if (l.status == LinkViewStatus::kDisputed)
      findings.push_back(name + ": disputed by the guardian on " + When(l.changed_at) +
                         "; if it is wrong, academy support removes it (reason erroneous_link_fixed)"
                         " and corrects the source file " + l.source_file);
    if (l.status == LinkViewStatus::kRemoved)
      findings.push_back(name + ": removed on " + When(l.changed_at) + " by " + l.changed_by +
                         " (" + l.removed_reason + ")");
    if (l.active()) {
      ++rank_count[l.pupil + "/" + std::string(Name(l.rank))];
      if (view.kind == AccountKind::kPupil && l.placement.uai != view.placement.uai)
        findings.push_back(name + ": the link still places the pupil in " + l.placement.uai.str() +
                           " but the pupil is now in " + view.placement.uai.str() +
                           " (the link update after the transfer is missing)");
    }
  }
  for (const auto& [k, n] : rank_count)
    if (n > 1 && k.find("/en_charge") == std::string::npos)
      findings.push_back(fmt::format("{} guardians hold the same rank for {}: one link is probably "
                                     "erroneous; check the source ids",
                                     n, k));
  return findings;
}

}  // namespace

std::string When(Timestamp t) {
  if (t.micros == 0) return "";
  std::string s = FormatRfc3339(t);
  return s.substr(0, 10) + " " + s.substr(11, 8);
}

Result<AccountLinks> ReadLinks(const ProjectionDb& db, const std::string& account, PersonalDataVault* vault) {
  LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> view, db.View(account));
  if (!view) return NoSuchAccount(account);
  LEDGER_RETURN_IF_ERROR(OpenView(*view, vault));
  AccountLinks out;
  out.account = account;
  out.view = std::move(*view);
  if (out.view.kind == AccountKind::kGuardian) {
    for (const auto& [_, l] : out.view.links) out.links.push_back(l);
  } else {
    LEDGER_ASSIGN_OR_RETURN(out.links, db.LinksOfPupil(account));
  }
  out.findings = Findings(out.view, out.links);
  return out;
}

Json LinksToJson(const AccountLinks& l) {
  Json arr = Json::array();
  for (const LinkView& link : l.links) arr.push_back(LinkToJson(link));
  return Json{{"account", l.account}, {"kind", Name(l.view.kind)}, {"links", arr}, {"findings", l.findings}};
}

}  // namespace ledger::query
