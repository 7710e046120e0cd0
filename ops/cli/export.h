// `ledger export --format jsonl` (ARCHITECTURE.md §7): one JSON object per
// event, partition 0 first, each partition in offset order.
//
// Every record is decoded with the verifier and every stream's hash chain is
// checked while exporting; the first failure stops the export with an error
// naming the partition and offset (and the file, for the embedded log). Lines
// already written stay written: the caller reports the error and exits ≠ 0.
//
// with_body (opt-in, `--with-body`) adds a last key "body": the event's stored
// body bytes in base64 (RFC 4648, padded), so that anyone can recompute
// hash = BLAKE2b-256(prev_hash ‖ body) without the ledger. The default lines
// are unchanged byte for byte.
#pragma once

#include <cstdio>

#include "events/event_log.h"

namespace ledger {

struct ExportSummary {
  int64_t events = 0;
  size_t streams = 0;
};

struct ExportOptions {
  bool with_body = false;
};

Result<ExportSummary> ExportJsonl(EventLog& log, std::FILE* out, const ExportOptions& options = {});

}  // namespace ledger
