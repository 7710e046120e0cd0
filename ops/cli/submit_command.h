// `ledger submit FILE.jsonl`: commands as JSON (aggregates/command_json.h),
// one per line, through the write path — the same JSON and the same results
// as POST /v1/commands.
//
// The whole file is read and checked first: a malformed line stops it with
// FILE:LINE and the field, before anything is appended. Then the commands go
// in order, in group commits of `batch`: locally through the command handler
// (refused while ledgerd serves --data, naming it), or with --server through
// ledgerd's API (token from $LEDGER_TOKEN or --token-file; a 503 is retried:
// resubmitting is idempotent). One result per command is printed as a JSON
// line on stdout (or -o FILE), a summary on stderr. Refusals do not stop the
// others; the exit code is 1 if any command was refused.
#pragma once

#include <cstdio>
#include <string>

#include "aggregates/command_handler.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

struct SubmitRequest {
  std::string file;
  std::string server;      // http://HOST:PORT; empty: write locally
  std::string token_file;  // with server; else $LEDGER_TOKEN
  std::string output;      // results file; empty or "-": stdout
  size_t batch = 500;
};

// OK when every command was appended or replayed; FailedPrecondition
// counting the refusals otherwise (their results are printed).
Status RunSubmit(const LogFlags& flags, const SubmitRequest& req, const Clock& clock);

// The same for commands already parsed (`lines`: their JSON, one each, for --server).
Status SubmitCommands(const LogFlags& flags, const SubmitRequest& req, const std::vector<Command>& cmds,
                      const std::vector<std::string>& lines, const Clock& clock);

}  // namespace ledger
