// `ledger export --format jsonl` (ARCHITECTURE.md §7): one JSON object per
// event, partition 0 first, each partition in offset order.
//
// Every record is decoded with the verifier and every stream's hash chain is
// checked while exporting; the first failure stops the export with an error
// naming the partition and offset (and the file, for the embedded log). Lines
// already written stay written: the caller reports the error and exits ≠ 0.
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
// `personal_accounts` (when given) counts the accounts whose fields were opened.
Result<ExportSummary> ExportJsonl(EventLog& log, std::FILE* out, PersonalDataVault* vault = nullptr);

}  // namespace ledger
