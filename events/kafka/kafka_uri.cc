// ParseKafkaUri: the `--log kafka://…` form of KafkaLogOptions.
//
//   kafka://host:port[,host:port…][?topic=NAME&partitions=N&replication=R]
//
// host: a DNS name or IPv4 address ([A-Za-z0-9._-]+), or an IPv6 address in
// brackets ("[::1]:9092"); port: 1..65535. Query keys may appear once each.
#include <cctype>
#include <charconv>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "events/kafka/kafka_client.h"
#include "events/kafka/kafka_event_log.h"

namespace ledger {

const char kKafkaUriShape[] = "kafka://host:port[,host:port…][?topic=NAME&partitions=N&replication=R]";

namespace {

constexpr std::string_view kScheme = "kafka://";
const std::string_view kShape = kKafkaUriShape;  // not constexpr: clang cannot read the array at compile time

// A decimal integer in [lo, hi], nullopt otherwise.
std::optional<int64_t> Number(std::string_view text, int64_t lo, int64_t hi) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
    return std::nullopt;
  return v;
}

bool HostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

Status CheckBroker(std::string_view uri, std::string_view broker) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument(std::string(uri) + ": broker '" + std::string(broker) + "' " + why +
                           " (expected " + std::string(kShape) + ")");
  };
  if (broker.empty()) return bad("is empty");
  size_t colon;
  if (broker.front() == '[') {  // [IPv6]:port
    size_t close = broker.find(']');
    if (close == std::string_view::npos || close == 1) return bad("has an unclosed IPv6 bracket");
    for (char c : broker.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'))
        return bad("is not a valid IPv6 address");
    if (close + 1 >= broker.size() || broker[close + 1] != ':') return bad("has no :port");
    colon = close + 1;
  } else {
    colon = broker.rfind(':');
    if (colon == std::string_view::npos) return bad("has no :port");
    std::string_view host = broker.substr(0, colon);
    if (host.empty()) return bad("has no host");
    for (char c : host)
      if (!HostChar(c)) return bad("has an invalid host name");
  }
  std::string_view port = broker.substr(colon + 1);
  if (!Number(port, 1, 65535))
    return bad("has port '" + std::string(port) + "', not a number in 1..65535");
  return OkStatus();
}

}  // namespace

Result<KafkaLogOptions> ParseKafkaUri(std::string_view uri) {
  if (uri.substr(0, kScheme.size()) != kScheme)
    return InvalidArgument("'" + std::string(uri) + "' is not a Kafka URI: expected " +
                           std::string(kShape));
  std::string_view rest = uri.substr(kScheme.size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.empty())
    return InvalidArgument(std::string(uri) + ": no broker given (expected " + std::string(kShape) +
                           ")");
  KafkaLogOptions options;
  for (size_t start = 0;;) {
    size_t comma = rest.find(',', start);
    std::string_view broker = rest.substr(start, comma - start);
    LEDGER_RETURN_IF_ERROR(CheckBroker(uri, broker));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  options.brokers = std::string(rest);

  std::set<std::string, std::less<>> seen;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos)
      return InvalidArgument(std::string(uri) + ": query parameter '" + std::string(pair) +
                             "' has no value (expected name=value)");
    std::string_view name = pair.substr(0, eq);
    std::string_view value = pair.substr(eq + 1);
    if (!seen.insert(std::string(name)).second)
      return InvalidArgument(std::string(uri) + ": query parameter '" + std::string(name) +
                             "' given twice");
    if (name == "topic") {
      Status s = kafka::CheckTopicName(value);
      if (!s.ok()) return s.WithContext(uri);
      options.topic = std::string(value);
    } else if (name == "partitions") {
      std::optional<int64_t> n = Number(value, 1, 100000);
      if (!n)
        return InvalidArgument(std::string(uri) + ": partitions '" + std::string(value) +
                               "' is not a number in 1..100000");
      options.partitions = static_cast<int32_t>(*n);
      options.partitions_given = true;
    } else if (name == "replication") {
      std::optional<int64_t> n = Number(value, 1, 32767);
      if (!n)
        return InvalidArgument(std::string(uri) + ": replication '" + std::string(value) +
                               "' is not a number in 1..32767");
      options.replication_factor = static_cast<int16_t>(*n);
    } else {
      return InvalidArgument(std::string(uri) + ": unknown query parameter '" + std::string(name) +
                             "' (known: topic, partitions, replication)");
    }
  }
  return options;
}

}  // namespace ledger
