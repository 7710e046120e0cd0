// ParseKafkaUri (events/kafka/kafka_event_log.h), the `--log kafka://…` flag.
// Checks: never throws; a refusal is InvalidArgument with a message; a URI
// it accepts, written back from the options it gave, parses to the same
// options (brokers, topic, partitions, replication).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "events/kafka/kafka_event_log.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using ledger::KafkaLogOptions;

std::string Uri(const KafkaLogOptions& o) {
  std::string uri = "kafka://" + o.brokers + "?topic=" + o.topic;
  if (o.partitions_given) uri += "&partitions=" + std::to_string(o.partitions);
  if (o.replication_factor != 0) uri += "&replication=" + std::to_string(o.replication_factor);
  return uri;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ledger::Result<KafkaLogOptions> parsed = ledger::ParseKafkaUri(input);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == ledger::StatusCode::kInvalidArgument, "a refusal is InvalidArgument");
    FUZZ_CHECK(!parsed.status().message().empty(), "a refusal says why");
    return 0;
  }
  FUZZ_CHECK(input.substr(0, 8) == "kafka://", "accepted without the scheme");
  FUZZ_CHECK(!parsed->brokers.empty(), "accepted without a broker");
  FUZZ_CHECK(parsed->partitions >= 1 && parsed->partitions <= 100000, "partitions out of 1..100000");
  FUZZ_CHECK(parsed->replication_factor >= 0, "negative replication");
  ledger::Result<KafkaLogOptions> again = ledger::ParseKafkaUri(Uri(*parsed));
  FUZZ_CHECK(again.ok(), "the URI written back from accepted options is refused");
  FUZZ_CHECK(again->brokers == parsed->brokers && again->topic == parsed->topic &&
                 again->partitions == parsed->partitions && again->partitions_given == parsed->partitions_given &&
                 again->replication_factor == parsed->replication_factor,
             "the URI written back parses to other options");
  return 0;
}
