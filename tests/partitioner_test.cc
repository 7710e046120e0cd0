// Our murmur2 partitioner must place every key exactly where librdkafka's
// murmur2 partitioner (the Java client's placement) does, or the embedded log
// and Kafka would disagree on which partition holds a stream.
#include <librdkafka/rdkafka.h>

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "events/identifiers.h"

namespace ledger {
namespace {

int32_t Librdkafka(const std::string& key, int32_t partitions) {
  return rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partitions, nullptr,
                                         nullptr);
}

TEST(PartitionerTest, AgreesWithLibrdkafkaOnStreamIds) {
  for (int32_t n : {1, 3, 12, 48, 100}) {
    for (int i = 0; i < 5000; ++i) {
      std::string account = "acc-" + std::to_string(i * 7919);
      EXPECT_EQ(PartitionForKey(account, n), Librdkafka(account, n)) << account << " / " << n;
    }
    for (std::string uai : {"uai:0350033W", "uai:0350031U", "uai:0350122T", "uai:0940389M"})
      EXPECT_EQ(PartitionForKey(uai, n), Librdkafka(uai, n)) << uai;
  }
}

TEST(PartitionerTest, AgreesWithLibrdkafkaOnArbitraryBytes) {
  std::mt19937 rng(20261123);
  for (int i = 0; i < 20000; ++i) {
    std::string key(rng() % 64, '\0');
    for (char& c : key) c = static_cast<char>(rng());  // high bytes exercise sign handling
    int32_t n = 1 + static_cast<int32_t>(rng() % 64);
    ASSERT_EQ(PartitionForKey(key, n), Librdkafka(key, n)) << "key length " << key.size();
  }
}

}  // namespace
}  // namespace ledger
