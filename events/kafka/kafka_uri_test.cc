// `--log kafka://…`: what is accepted, and errors naming the bad part.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "events/kafka/kafka_event_log.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;

TEST(ParseKafkaUriTest, AcceptsBrokerListsAndQueryParameters) {
  auto one = ParseKafkaUri("kafka://localhost:9092");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->brokers, "localhost:9092");
  EXPECT_EQ(one->topic, "ledger.account-events");
  EXPECT_EQ(one->partitions, 12);

  auto many = ParseKafkaUri("kafka://b1.example.org:9092,10.0.0.2:9093,[::1]:9094");
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  EXPECT_EQ(many->brokers, "b1.example.org:9092,10.0.0.2:9093,[::1]:9094");

  auto query =
      ParseKafkaUri("kafka://k:9092?topic=ledger.staging_events&partitions=48&replication=3");
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  EXPECT_EQ(query->brokers, "k:9092");
  EXPECT_EQ(query->topic, "ledger.staging_events");
  EXPECT_EQ(query->partitions, 48);
  EXPECT_EQ(query->replication_factor, 3);
}

TEST(ParseKafkaUriTest, RefusesNamingTheBadPart) {
  const struct {
    const char* uri;
    const char* names;
  } cases[] = {
      {"embedded", "not a Kafka URI"},
      {"http://k:9092", "not a Kafka URI"},
      {"kafka://", "no broker"},
      {"kafka://k", "broker 'k' has no :port"},
      {"kafka://k:", "port ''"},
      {"kafka://k:x", "port 'x'"},
      {"kafka://k:0", "port '0'"},
      {"kafka://k:65536", "port '65536'"},
      {"kafka://k:9092,", "broker '' is empty"},
      {"kafka://k:9092,,j:9092", "broker '' is empty"},
      {"kafka://:9092", "has no host"},
      {"kafka://k k:9092", "invalid host name"},
      {"kafka://[::1:9092", "unclosed IPv6 bracket"},
      {"kafka://k:9092?topic=", "1 to 249 characters"},
      {"kafka://k:9092?topic=a/b", "'a/b'"},
      {"kafka://k:9092?partitions=0", "partitions '0'"},
      {"kafka://k:9092?partitions=twelve", "partitions 'twelve'"},
      {"kafka://k:9092?replication=-1", "replication '-1'"},
      {"kafka://k:9092?colour=blue", "unknown query parameter 'colour'"},
      {"kafka://k:9092?topic", "'topic' has no value"},
      {"kafka://k:9092?topic=a&topic=b", "'topic' given twice"},
  };
  for (const auto& c : cases) {
    auto r = ParseKafkaUri(c.uri);
    ASSERT_FALSE(r.ok()) << c.uri;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.uri;
    EXPECT_THAT(r.status().message(), HasSubstr(c.names)) << c.uri;
  }
}

}  // namespace
}  // namespace ledger
