#include "ops/cli/export.h"

#include <cerrno>
#include <cstring>

#include "events/hash_chain.h"
#include "events/json.h"
#include "events/log_scan.h"

namespace ledger {

Result<ExportSummary> ExportJsonl(EventLog& log, std::FILE* out, PersonalDataVault* vault) {
  ExportSummary summary;
  ChainVerifier chains;
  std::string line;
  Status s = ScanLog(log, [&](const LogRecord& rec, const DecodedRecord& d) -> Status {
    LEDGER_RETURN_IF_ERROR(chains.Add(d));
    const auto* created = std::get_if<AccountCreated>(&d.event.payload);
    if (vault != nullptr && created != nullptr && created->personal == PersonalData::kSealed) {
      Event opened = d.event;
      LEDGER_RETURN_IF_ERROR(vault->Open(opened.stream, std::get<AccountCreated>(opened.payload)));
      summary.opened += std::get<AccountCreated>(opened.payload).personal == PersonalData::kClear;
      line = ExportLine(opened, rec.partition, rec.offset);
    } else {
      line = ExportLine(d.event, rec.partition, rec.offset);
    }
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
