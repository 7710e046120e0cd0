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
#include "events/personal_data.h"

namespace ledger {

struct ExportSummary {
  int64_t events = 0;
  size_t streams = 0;
  int64_t opened = 0;  // AccountCreated events whose personal fields were opened
};

// Personal fields (ARCHITECTURE §9): without `vault` a sealed AccountCreated
// shows them absent ("personal_data": "encrypted"); with it (`ledger export
// --with-personal-data`) opened, or "[erased]" once the person's key is gone.
struct ExportOptions {
  bool with_body = false;
  PersonalDataVault* vault = nullptr;
};

Result<ExportSummary> ExportJsonl(EventLog& log, std::FILE* out, const ExportOptions& options = {});

}  // namespace ledger
