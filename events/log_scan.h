// ScanLog: every record of a log, decoded, partition by partition in offset
// order — the one loop shared by the command handler's load, `ledger export`
// and the projectors' rebuild.
//
// For each record: decode it (verifier on), check that its key is its event's
// stream, then call `visit`. The first failure stops the scan and is returned
// with the context "log partition P offset O: …" (a reader's own error already
// names the file). Hash chains are the visitor's business (ChainVerifier).
#pragma once

#include <functional>
#include <span>

#include "events/codec.h"
#include "events/event_log.h"

namespace ledger {

using RecordVisitor = std::function<Status(const LogRecord& rec, const DecodedRecord& decoded)>;

Status ScanLog(EventLog& log, const RecordVisitor& visit);
// The same from `from[p]` in each partition p (one offset per partition).
Status ScanLog(EventLog& log, std::span<const int64_t> from, const RecordVisitor& visit);

// Decodes `rec` and checks its key against the event's stream (DataLoss if they differ).
Result<DecodedRecord> DecodeLogRecord(const LogRecord& rec);
// The same for a record's key and value held elsewhere.
Result<DecodedRecord> DecodeLogRecord(std::string_view key, std::string_view value);
// The same into `out` (codec.h DecodeRecordInto).
Status DecodeLogRecordInto(std::string_view key, std::string_view value, DecodedRecord& out);

// "log partition 3 offset 17"
std::string LogPosition(int32_t partition, int64_t offset);

}  // namespace ledger
