#include "ops/cli/export.h"

#include <cerrno>
#include <cstring>

#include "events/hash_chain.h"
#include "events/json.h"
#include "events/log_scan.h"

namespace ledger {

Result<ExportSummary> ExportJsonl(EventLog& log, std::FILE* out) {
  ExportSummary summary;
  ChainVerifier chains;
  std::string line;
  Status s = ScanLog(log, [&](const LogRecord& rec, const DecodedRecord& d) -> Status {
    LEDGER_RETURN_IF_ERROR(chains.Add(d));
    line = ExportLine(d.event, rec.partition, rec.offset);
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size())
      return Unavailable(std::string("cannot write the export: ") + std::strerror(errno));
    ++summary.events;
    return OkStatus();
  });
  LEDGER_RETURN_IF_ERROR(s);
  if (std::fflush(out) != 0)
    return Unavailable(std::string("cannot write the export: ") + std::strerror(errno));
  summary.streams = chains.streams();
  return summary;
}

}  // namespace ledger
