#include "ops/cli/export.h"

#include <sodium.h>

#include <cerrno>
#include <cstring>

#include "events/hash_chain.h"
#include "events/json.h"
#include "events/log_scan.h"

namespace ledger {
namespace {

std::string Base64(std::string_view bytes) {
  std::string b64(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(b64.size() - 1);  // the terminating NUL
  return b64;
}

// The export line with "body" last (ExportLine's rendering otherwise).
std::string LineWithBody(const DecodedRecord& d, int32_t partition, int64_t offset) {
  Json j = EventToJson(d.event, partition, offset);
  j["body"] = Base64(d.body);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

Result<ExportSummary> ExportJsonl(EventLog& log, std::FILE* out, const ExportOptions& options) {
  ExportSummary summary;
  ChainVerifier chains;
  std::string line;
  Status s = ScanLog(log, [&](const LogRecord& rec, const DecodedRecord& d) -> Status {
    LEDGER_RETURN_IF_ERROR(chains.Add(d));
    const auto* created = std::get_if<AccountCreated>(&d.event.payload);
    if (options.vault != nullptr && created != nullptr && created->personal == PersonalData::kSealed) {
      DecodedRecord opened = d;
      LEDGER_RETURN_IF_ERROR(options.vault->Open(opened.event.stream, std::get<AccountCreated>(opened.event.payload)));
      summary.opened += std::get<AccountCreated>(opened.event.payload).personal == PersonalData::kClear;
      line = options.with_body ? LineWithBody(opened, rec.partition, rec.offset)
                               : ExportLine(opened.event, rec.partition, rec.offset);
    } else {
      line = options.with_body ? LineWithBody(d, rec.partition, rec.offset)
                               : ExportLine(d.event, rec.partition, rec.offset);
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
