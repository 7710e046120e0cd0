#include "events/log_scan.h"

#include <string>
#include <vector>

namespace ledger {

std::string LogPosition(int32_t partition, int64_t offset) {
  return "log partition " + std::to_string(partition) + " offset " + std::to_string(offset);
}

Result<DecodedRecord> DecodeLogRecord(const LogRecord& rec) { return DecodeLogRecord(rec.key, rec.value); }

Result<DecodedRecord> DecodeLogRecord(std::string_view key, std::string_view value) {
  DecodedRecord out;
  LEDGER_RETURN_IF_ERROR(DecodeLogRecordInto(key, value, out));
  return out;
}

Status DecodeLogRecordInto(std::string_view key, std::string_view value, DecodedRecord& out) {
  LEDGER_RETURN_IF_ERROR(DecodeRecordInto(value, out));
  if (out.event.stream.str() != key)
    return DataLoss("record key '" + std::string(key) + "' differs from its event's stream '" +
                    out.event.stream.str() + "'");
  return OkStatus();
}

Status ScanLog(EventLog& log, const RecordVisitor& visit) {
  return ScanLog(log, std::vector<int64_t>(log.partition_count(), 0), visit);
}

Status ScanLog(EventLog& log, std::span<const int64_t> from, const RecordVisitor& visit) {
  for (int32_t p = 0; p < log.partition_count(); ++p) {
    LEDGER_ASSIGN_OR_RETURN(auto reader, log.OpenReader(p, from[p]));
    while (true) {
      LEDGER_ASSIGN_OR_RETURN(std::optional<LogRecord> rec, reader->Next());
      if (!rec) break;
      Result<DecodedRecord> d = DecodeLogRecord(*rec);
      Status s = d.ok() ? visit(*rec, *d) : d.status();
      if (!s.ok()) return s.WithContext(LogPosition(p, rec->offset));
    }
  }
  return OkStatus();
}

}  // namespace ledger
