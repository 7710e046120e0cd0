// `ledger checkpoint` and `ledger verify --checkpoint` on Kafka (librdkafka's
// mock cluster, a real Kafka-protocol server): a checkpoint of the embedded
// log holds for its copy made by `ledger migrate` (same partitions, offsets,
// chains), and a checkpoint taken on the topic states exactly what the
// embedded one does. The demo's log stays far below the mock's ~5 MiB per
// partition.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>

#include "events/kafka/testing/mock_cluster.h"
#include "events/testing/temp_dir.h"
#include "tests/ledger_runner.h"

namespace {

namespace fs = std::filesystem;
using ledger::testing::CliRun;
using ledger::testing::RunLedger;
using ledger::testing::FileBytes;

// The lines of a checkpoint that depend on the log alone (not on when it
// was taken nor by which key).
std::string StatedLog(const std::string& checkpoint) {
  std::istringstream in(checkpoint);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("partition ") || line.starts_with("root ")) out += line + "\n";
  return out;
}

TEST(CheckpointKafkaTest, TheEmbeddedLogsCheckpointHoldsForItsKafkaCopy) {
  ledger::testing::TempDir tmp("ckpt-kafka");
  const std::string data = (tmp.path() / "data").string();
  const fs::path embedded_ckpt = tmp.path() / "embedded.ckpt",
                 kafka_ckpt = tmp.path() / "kafka.ckpt";
  CliRun demo = RunLedger({"demo", "--scale", "0.005", "--data", data}, tmp.path());
  ASSERT_EQ(demo.code, 0) << demo.err;
  CliRun taken =
      RunLedger({"checkpoint", "-o", embedded_ckpt.string(), "--data", data}, tmp.path());
  ASSERT_EQ(taken.code, 0) << taken.err;

  ledger::testing::MockKafkaCluster cluster;
  ASSERT_TRUE(
      cluster.CreateTopic("ledger.account-events", 12, 3).ok());  // the mock cannot create topics
  ASSERT_TRUE(cluster.CreateTopic("ledger.account-events.keys", 3, 3).ok());  // migrate copies the keys
  const std::string uri = "kafka://" + cluster.bootstrap_servers();
  CliRun migrate = RunLedger({"migrate", "--data", data, "--to", uri}, tmp.path());
  ASSERT_EQ(migrate.code, 0) << migrate.err;

  CliRun verified = RunLedger(
      {"verify", "--checkpoint", embedded_ckpt.string(), "--data", data, "--log", uri}, tmp.path());
  ASSERT_EQ(verified.code, 0) << verified.err;
  EXPECT_TRUE(verified.out.starts_with("checkpoint " + embedded_ckpt.string() +
                                       " verified: the log extends it — 12 partitions, "))
      << verified.out;
  EXPECT_NE(
      verified.out.find(" records up to its end offsets and 0 appended since, every chain of "),
      std::string::npos)
      << verified.out;

  CliRun on_kafka = RunLedger(
      {"checkpoint", "-o", kafka_ckpt.string(), "--data", data, "--log", uri}, tmp.path());
  ASSERT_EQ(on_kafka.code, 0) << on_kafka.err;
  EXPECT_EQ(on_kafka.err, "") << "the key of --data, created by the first checkpoint";
  EXPECT_EQ(StatedLog(FileBytes(kafka_ckpt)), StatedLog(FileBytes(embedded_ckpt)));
  const std::string stated = StatedLog(FileBytes(kafka_ckpt));
  EXPECT_EQ(std::count(stated.begin(), stated.end(), '\n'), 13)
      << "12 partition lines and the root";
}

}  // namespace
