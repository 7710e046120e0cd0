#include "ops/cli/academy_demo.h"

#include <fmt/core.h>

#include "ops/cli/access_journal.h"
#include "ops/cli/queries.h"
#include "ops/cli/simulate_command.h"
#include "ops/console/table.h"

namespace ledger {
namespace {

double Rate(const StatTable& t, Scope scope, const std::string& id, AccountKind profile, StatLevel level) {
  auto it = t.find(StatCell{scope, id, profile, level});
  if (it == t.end() || it->second.accounts == 0) return -1;
  return 100.0 * static_cast<double>(it->second.activated) / static_cast<double>(it->second.accounts);
}

std::string Show(const Figure& f) {
  const std::string sim = f.simulated < 0 ? "-" : fmt::format("{:.1f}", f.simulated);
  const std::string pub = f.published < 0 ? "-" : fmt::format("{:g}", f.published);
  return sim + " | " + pub;
}

}  // namespace

Result<std::vector<ComparisonRow>> CompareWithPublished(const LogFlags& flags,
                                                        const sim::Profile& profile) {
  LEDGER_ASSIGN_OR_RETURN(StatTable dept2, QueryStats(flags, Scope::kDepartment, profile.second_date));
  LEDGER_ASSIGN_OR_RETURN(StatTable dept1, QueryStats(flags, Scope::kDepartment, profile.first_date));
  LEDGER_ASSIGN_OR_RETURN(StatTable acad2, QueryStats(flags, Scope::kAcademy, profile.second_date));
  LEDGER_ASSIGN_OR_RETURN(StatTable acad1, QueryStats(flags, Scope::kAcademy, profile.first_date));
  auto row = [](const StatTable& second, const StatTable& first, Scope scope, const std::string& id,
                const std::string& name, const sim::Published& pub) {
    ComparisonRow r;
    r.code = id;
    r.name = name;
    r.pupils = {Rate(second, scope, id, AccountKind::kPupil, StatLevel::kAll), pub.pupils};
    r.college = {Rate(second, scope, id, AccountKind::kPupil, StatLevel::kCollege), pub.college};
    r.lycee = {Rate(second, scope, id, AccountKind::kPupil, StatLevel::kLycee), pub.lycee};
    r.guardians = {Rate(second, scope, id, AccountKind::kGuardian, StatLevel::kAll), pub.guardians};
    r.pupils_first_date = {Rate(first, scope, id, AccountKind::kPupil, StatLevel::kAll),
                           pub.pupils_first_date};
    return r;
  };
  std::vector<ComparisonRow> rows;
  for (const sim::Department& d : profile.departments)
    rows.push_back(row(dept2, dept1, Scope::kDepartment, d.code, d.name, d.published));
  rows.push_back(row(acad2, acad1, Scope::kAcademy, profile.academy, "Académie", profile.academy_published));
  return rows;
}

void PrintComparison(const std::vector<ComparisonRow>& rows, const sim::Profile& profile,
                     std::FILE* out) {
  fmt::print(out, "% of accounts activated as of {} — simulated | published\n",
             FormatIsoDate(profile.second_date));
  TextTable t({"department", "pupils", "in collèges", "in lycées", "guardians"},
              {false, true, true, true, true});
  for (const ComparisonRow& r : rows)
    t.Add({r.code + " " + r.name, Show(r.pupils), Show(r.college), Show(r.lycee), Show(r.guardians)});
  t.Print(out);
  fmt::print(out, "\n% of pupil accounts activated — simulated | published\n");
  TextTable s({"department", "as of " + FormatIsoDate(profile.first_date),
               "as of " + FormatIsoDate(profile.second_date)},
              {false, true, true});
  for (const ComparisonRow& r : rows)
    s.Add({r.code + " " + r.name, Show(r.pupils_first_date), Show(r.pupils)});
  s.Print(out);
}

Status RunAcademyDemo(const LogFlags& flags, const AcademyDemoOptions& options, std::FILE* out) {
  fmt::print(out,
             "ledger demo: the académie de Toulouse's school year 2022-23, simulated at scale {} "
             "through the write path ({} log in {})\n\n",
             options.scale, flags.log, flags.data);
  LEDGER_ASSIGN_OR_RETURN(sim::SimulateSummary sum,
                          sim::RunSimulate(flags, {"toulouse-2022", options.seed, options.scale}, out));
  fmt::print(out, "\n== Dashboard: the académie's published tables (seeds/000_8f794ce1f2bc6b52.txt) "
                  "next to the ledger's ==\n");
  LEDGER_ASSIGN_OR_RETURN(std::vector<ComparisonRow> rows, CompareWithPublished(flags, sum.profile));
  PrintComparison(rows, sum.profile, out);
  if (!sum.facts.audited_pupil.str().empty()) {
    fmt::print(out, "\n== Auditor: the verified history of {} ==\n", sum.facts.audited_pupil.str());
    LEDGER_RETURN_IF_ERROR(RunHistory(
        flags, HistoryRequest{sum.facts.audited_pupil.str(), {}, true, OutputFormat::kText, DemoAccess()}, out));
  }
  if (!sum.facts.disputed_guardian.str().empty()) {
    fmt::print(out, "\n== Assistance: a guardian who reported an erroneous link, {} ==\n",
               sum.facts.disputed_guardian.str());
    LEDGER_RETURN_IF_ERROR(
        RunLinksDiagnose(flags, sum.facts.disputed_guardian.str(), OutputFormat::kText, out, DemoAccess()));
  }
  fmt::print(out,
             "\nNext: ledger stats --by establishment --as-of 2022-09-05 --data {0}\n"
             "      ledger export --format jsonl --data {0}   (every event, chains verified)\n"
             "      ledger demo --rules --data OTHER_DIR   (the rules, refusals and their reasons)\n",
             flags.data);
  return OkStatus();
}

}  // namespace ledger
