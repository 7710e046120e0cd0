// The read verbs of `ledger`: history, links diagnose, stats, search,
// quarantine list, and rebuild.
//
// Each read opens the projections through OpenForReading: brought up to date
// with the log (catch-up, progress bar on a terminal) — or, while `ledgerd`
// holds the store, read read-only (as ledgerd had committed them at opening,
// within a second of the log). The answer comes from ops/query, the library
// ledgerd answers from too: --format json (and csv) print the very bytes the
// API serves; text is for terminals and fits 120 columns (--format json shows
// what a table had to cut). Errors come back as Status (exit 1).
//
// Access journal: history, links diagnose and search record who read which
// account (ops/cli/access_journal.h) after computing the answer and before
// printing it; a read the journal cannot record is refused (exit 1).
//
// Privacy: no person's name is printed. History shows ids, event types, actors
// (staff ids, the delegation used) and payload fields minus names, birth date
// and INE; the full record is the auditor's `ledger export`.
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "events/status.h"
#include "events/types.h"
#include "ops/datadir/log_flags.h"
#include "ops/journal/entry.h"
#include "projections/search_key.h"
#include "projections/stats.h"

namespace ledger {

enum class OutputFormat { kText, kJson, kCsv };

struct HistoryRequest {
  std::string account;
  std::optional<Date> as_of;
  bool verify = false;
  OutputFormat format = OutputFormat::kText;
  journal::AccessContext access;  // --who, --reason (access_journal.h)
};
Status RunHistory(const LogFlags& flags, const HistoryRequest& req, std::FILE* out);

Status RunLinksDiagnose(const LogFlags& flags, const std::string& account, OutputFormat format,
                        std::FILE* out, const journal::AccessContext& access = {});

struct StatsRequest {
  Scope by = Scope::kDepartment;
  std::optional<Date> as_of;
  OutputFormat format = OutputFormat::kText;
};
Status RunStats(const LogFlags& flags, const StatsRequest& req, std::FILE* out);

// The statistics table behind `ledger stats`, for programs (the demo).
Result<StatTable> QueryStats(const LogFlags& flags, Scope scope, std::optional<Date> as_of);

struct SearchRequest {
  SearchIndex index = SearchIndex::kLogin;
  std::string value;
  OutputFormat format = OutputFormat::kText;
  journal::AccessContext access;  // --who, --reason (access_journal.h): one entry per account found
};
Status RunSearch(const LogFlags& flags, const SearchRequest& req, std::FILE* out);

Status RunQuarantineList(const LogFlags& flags, OutputFormat format, std::FILE* out);

// Projects the whole log from offset 0 into a fresh store, then swaps it in
// place of the current one (which stays untouched until the swap).
// FailedPrecondition naming ledgerd's pid while ledgerd serves this ledger.
// `runs_parent` (`--sort-dir`; empty: beside the new store): where the
// sort's runs go, in a folder of their own named after the store
// (bulk_rebuild.h MakeRunsFolder: emptied first and removed at the end;
// the folder given is left as it was).
Status RunRebuild(const LogFlags& flags, const std::filesystem::path& runs_parent, std::FILE* out);

}  // namespace ledger
