// DecodeRecord (events/codec.h): the bytes of a log record, as a reader
// meets them on any log (the embedded segments, a Kafka topic, a migration's
// source). Checks: never throws or crashes (the FlatBuffers verifier runs
// first); a refusal is InvalidArgument; a record it accepts re-encodes
// (EncodeBody + EncodeRecord) into a record that decodes to the same Event,
// whose body is EncodeBody's again (the canonical form is a fixed point); the
// export renders it (ExportLine) without throwing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "events/codec.h"
#include "events/json.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ledger::Result<ledger::DecodedRecord> decoded = ledger::DecodeRecord(input);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.status().code() == ledger::StatusCode::kInvalidArgument, "a refusal is InvalidArgument");
    return 0;
  }
  const ledger::Event& event = decoded->event;
  FUZZ_CHECK(event.seq >= 1, "accepted a record with seq 0");
  const std::string body = ledger::EncodeBody(event);
  ledger::Result<ledger::DecodedRecord> again = ledger::DecodeRecord(ledger::EncodeRecord(body, event.hash));
  FUZZ_CHECK(again.ok(), "a re-encoded record is refused");
  FUZZ_CHECK(again->event == event, "a re-encoded record decodes to another event");
  FUZZ_CHECK(again->body == body, "the decoder does not give back the stored body");
  FUZZ_CHECK(ledger::EncodeBody(again->event) == body, "EncodeBody is not a fixed point");
  FUZZ_CHECK(!ledger::ExportLine(event, 0, 0).empty(), "empty export line");
  return 0;
}
