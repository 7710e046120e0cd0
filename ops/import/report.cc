#include "ops/import/report.h"

#include <map>

#include <fmt/core.h>

namespace ledger::import {

namespace {

struct SummaryRow {
  const char* key;    // JSON key
  const char* label;  // printed
  int n;
};

std::vector<SummaryRow> SummaryRows(const PlanSummary& s) {
  return {{"pupils_read", "pupils read", s.pupils_read},
          {"adults_read", "adults read", s.guardians_read},
          {"relations_read", "relations read", s.links_read},
          {"pupil_accounts_created", "pupil accounts created", s.pupils_created},
          {"guardian_accounts_created", "guardian accounts created", s.guardians_created},
          {"guardians_matched", "guardians matched to an existing account", s.guardians_matched},
          {"pupils_transferred", "pupils transferred", s.transfers},
          {"class_changes", "class changes", s.class_changes},
          {"leavers_closed", "pupils who left (accounts closed)", s.leavers},
          {"contacts_updated", "guardian contacts updated", s.contacts_updated},
          {"links_added", "links added", s.links_added},
          {"links_moved", "links moved with their pupil", s.links_moved},
          {"links_removed", "links removed (no longer in the export)", s.links_removed}};
}

}  // namespace

nlohmann::json ReportJson(const ImportPlan& plan) {
  nlohmann::json summary = nlohmann::json::object();
  for (const SummaryRow& r : SummaryRows(plan.summary)) summary[r.key] = r.n;
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
  for (const SummaryRow& r : SummaryRows(plan.summary))
    if (r.n > 0) fmt::print(out, "  {:>7}  {}\n", r.n, r.label);
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
