// ParseCommandBatch (aggregates/command_json.h): the body of POST
// /v1/commands and a line of `ledger submit`. Checks: never throws (a
// nlohmann exception escaping would be a 500 or a dead CLI); a refusal is
// InvalidArgument; every accepted command, rendered by CommandToJson, dumps
// to text (valid UTF-8), parses back (as a batch of one, from that text) and
// renders to the same JSON: nothing is lost or changed on the way.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aggregates/command_json.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ledger::Result<std::vector<ledger::Command>> batch = ledger::ParseCommandBatch(input, 16);
  if (!batch.ok()) {
    FUZZ_CHECK(batch.status().code() == ledger::StatusCode::kInvalidArgument, "a refusal is InvalidArgument");
    FUZZ_CHECK(!batch.status().message().empty(), "a refusal says why");
    return 0;
  }
  FUZZ_CHECK(!batch->empty() && batch->size() <= 16, "accepted an empty or oversized batch");
  for (const ledger::Command& c : *batch) {
    const ledger::Json j = ledger::CommandToJson(c);
    const std::string text = j.dump();  // throws on invalid UTF-8: a crash here is a finding
    ledger::Result<std::vector<ledger::Command>> again = ledger::ParseCommandBatch(text, 1);
    FUZZ_CHECK(again.ok(), "CommandToJson's text of an accepted command is refused");
    FUZZ_CHECK(again->size() == 1, "one command became several");
    FUZZ_CHECK(ledger::CommandToJson(again->front()) == j, "a command changed on its way through JSON");
  }
  return 0;
}
