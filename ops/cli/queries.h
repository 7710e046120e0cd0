// The read side of the CLI: `ledger history`, `ledger links diagnose`,
// `ledger stats`, `ledger quarantine list` and `ledger rebuild`.
//
// Each query first brings the projections up to date with the log (catch-up,
// with a progress bar on a terminal), then answers from the projection store
// in <data>/projections. Output goes to `out`; errors come back as Status
// (the caller prints them and exits 1).
//
// Privacy: no person's name is printed. History shows ids, event types, actors
// (staff ids, the delegation used) and payload fields minus names, birth date
// and INE; the full record is the auditor's `ledger export`.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "events/status.h"
#include "events/types.h"
#include "ops/datadir/log_flags.h"
#include "projections/stats.h"

namespace ledger {

enum class OutputFormat { kText, kJson, kCsv };

struct HistoryRequest {
  std::string account;
  std::optional<Date> as_of;
  bool verify = false;
  OutputFormat format = OutputFormat::kText;
};
Status RunHistory(const LogFlags& flags, const HistoryRequest& req, std::FILE* out);

Status RunLinksDiagnose(const LogFlags& flags, const std::string& account, OutputFormat format,
                        std::FILE* out);

struct StatsRequest {
  std::string by = "department";  // academy | department | establishment | class | national
  std::optional<Date> as_of;
  OutputFormat format = OutputFormat::kText;
};
Status RunStats(const LogFlags& flags, const StatsRequest& req, std::FILE* out);

// The statistics table behind `ledger stats`, for programs (the demo).
Result<StatTable> QueryStats(const LogFlags& flags, Scope scope, std::optional<Date> as_of);

Status RunQuarantineList(const LogFlags& flags, OutputFormat format, std::FILE* out);

// Projects the whole log from offset 0 into a fresh store, then swaps it in
// place of the current one (which stays untouched until the swap).
Status RunRebuild(const LogFlags& flags, std::FILE* out);

}  // namespace ledger
