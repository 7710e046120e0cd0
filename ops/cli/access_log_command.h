// `ledger access-log [--account ID] [--who NAME] [--format text|json]`: the
// access journal (docs/ACCESS_JOURNAL.md), its whole chain verified on every
// run whatever the filters.
//
// Lists the entries of one account (entries for every account, "*", of a
// whole export included) and/or of one reader, oldest first; then says that
// the chain holds over all N entries and prints its head (seq and hash: keep
// it elsewhere to detect later removals of the last entries). When a line
// breaks the chain nothing is listed: DataLoss naming the line and why (exit 1).
// --format text: a table (ops/console/table.h); json: {"journal","verified",
// "entries_total","head":{"seq","hash"},"torn_tail","entries":[lines as objects]}.
// --journal FILE reads an archived journal instead of --data's.
// Reading the journal is not itself journalled (it holds no person's data).
#pragma once

#include <cstdio>
#include <string>

#include "events/status.h"
#include "ops/cli/queries.h"
#include "ops/datadir/log_flags.h"

namespace CLI {
class App;
}

namespace ledger {

struct AccessLogRequest {
  std::string account;  // "" for every account
  std::string who;      // "" for every reader
  std::string
      journal;  // a journal file to read instead of DATA/access-journal.jsonl (an archived one)
  OutputFormat format = OutputFormat::kText;
};
Status RunAccessLog(const LogFlags& flags, const AccessLogRequest& req, std::FILE* out);

// Registers `access-log` and its flags on `app`; the caller runs RunAccessLog when it was given.
CLI::App* AddAccessLogCommand(CLI::App& app, LogFlags& flags, AccessLogRequest& req);

}  // namespace ledger
