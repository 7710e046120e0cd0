#include "ops/import/report.h"

#include <map>

#include <fmt/core.h>

namespace ledger::import {

namespace {

std::vector<std::pair<std::string, int>> SummaryRows(const PlanSummary& s) {
  return {{"pupils read", s.pupils_read},
          {"adults read", s.guardians_read},
          {"relations read", s.links_read},
          {"pupil accounts created", s.pupils_created},
          {"guardian accounts created", s.guardians_created},
          {"guardians matched to an existing account", s.guardians_matched},
          {"pupils transferred", s.transfers},
          {"class changes", s.class_changes},
          {"pupils who left (accounts closed)", s.leavers},
          {"guardian contacts updated", s.contacts_updated},
          {"links added", s.links_added},
          {"links moved with their pupil", s.links_moved},
          {"links removed (no longer in the export)", s.links_removed}};
}

}  // namespace

nlohmann::json ReportJson(const ImportPlan& plan) {
  nlohmann::json summary = nlohmann::json::object();
  for (const auto& [what, n] : SummaryRows(plan.summary)) summary[what] = n;
  nlohmann::json findings = nlohmann::json::array();
  std::map<std::string, int> counts;
  for (const Finding& f : plan.findings) {
    findings.push_back({{"kind", f.kind},
                        {"file", f.file},
                        {"line", f.line},
                        {"source_id", f.source_id},
                        {"detail", f.detail}});
    ++counts[f.kind];
  }
  return {{"summary", summary}, {"counts", counts}, {"findings", findings}};
}

void PrintReport(const ImportPlan& plan, std::FILE* out, size_t max_lines) {
  for (const auto& [what, n] : SummaryRows(plan.summary))
    if (n > 0) fmt::print(out, "  {:>7}  {}\n", n, what);
  if (plan.findings.empty()) {
    fmt::print(out, "data quality: nothing to report\n");
    return;
  }
  std::map<std::string, std::vector<const Finding*>> by_kind;
  for (const Finding& f : plan.findings) by_kind[f.kind].push_back(&f);
  fmt::print(out, "data quality: {} findings\n", plan.findings.size());
  for (const auto& [kind, list] : by_kind) {
    fmt::print(out, "  {} ({})\n", kind, list.size());
    for (size_t i = 0; i < list.size() && i < max_lines; ++i) {
      const Finding& f = *list[i];
      fmt::print(out, "    {}{} [{}] {}\n", f.file, f.line > 0 ? ":" + std::to_string(f.line) : "",
                 f.source_id, f.detail);
    }
    if (list.size() > max_lines)
      fmt::print(out, "    … {} more (--report FILE.json lists them all)\n", list.size() - max_lines);
  }
}

}  // namespace ledger::import
