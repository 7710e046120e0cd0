// The data-quality report of an import: printed for the operator, and written
// as JSON with --report FILE.json. Finding kinds (ops/import/README.md):
//   pupil_without_ine, invalid_ine, pupil_without_birth_date, duplicate_in_file,
//   homonym, guardian_without_mobile, ambiguous_guardian, pupil_in_two_exports,
//   closed_account_reappears, en_charge_in_primary, uai_mismatch.
// No person's name appears: files, lines and the exports' own ids only.
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "ops/import/import_plan.h"

namespace ledger::import {

// {"summary": {"pupils_read", "adults_read", "relations_read",
//   "pupil_accounts_created", "guardian_accounts_created", "guardians_matched",
//   "pupils_transferred", "class_changes", "leavers_closed", "contacts_updated",
//   "links_added", "links_moved", "links_removed": n, ...}, "findings": [{"kind","file","line","source_id","detail"}...],
//  "counts": {"kind": n, ...}}
nlohmann::json ReportJson(const ImportPlan& plan);

// What the plan does (one line per kind of change), then each kind of finding
// with its count and up to `max_lines` of its file:line entries.
void PrintReport(const ImportPlan& plan, std::FILE* out, size_t max_lines = 10);

}  // namespace ledger::import
