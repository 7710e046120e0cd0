// Two GroupProjectors in one consumer group on librdkafka's mock cluster:
// they split the partitions; one is killed mid-run (no commit, no leave); the
// other takes its partitions over from the offsets stored with the
// projection. The topic is written through the real write path
// (CommandHandler on KafkaEventLog); the final store equals the projection of
// the same workload run on the embedded log, entry for entry (statistics
// included), and every event was committed once.
#include "consumers/kafka/group_projector.h"

#include <thread>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "events/embedded/embedded_event_log.h"
#include "events/kafka/kafka_event_log.h"
#include "events/kafka/testing/mock_cluster.h"
#include "events/testing/log_contents.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

constexpr const char* kTopic = "ledger.account-events";
constexpr int32_t kPartitions = 12;

// Runs `commands` through a CommandHandler on `log`, 64 per group commit.
void Submit(EventLog& log, const std::vector<Command>& commands) {
  auto h = CommandHandler::Open(log, [] { return Timestamp{1'790'000'000'000'000}; });
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  for (size_t i = 0; i < commands.size(); i += 64) {
    std::span<const Command> batch(commands.data() + i, std::min<size_t>(64, commands.size() - i));
    for (const auto& r : (*h)->HandleBatch(batch)) ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

TEST(GroupProjectorTest, TwoMembersSplitPartitionsOneIsKilledTheOtherTakesOverExactly) {
  const std::vector<Command> commands = testing::GenerateWorkload({800, 5, "k"});
  testing::TempDir tmp("group-projector");

  // The reference: the embedded run, projected by the plain Projector.
  EmbeddedLogOptions eo;
  eo.create_if_missing = true;
  eo.partitions = kPartitions;
  auto embedded = EmbeddedEventLog::Open(tmp.path() / "log", eo);
  ASSERT_TRUE(embedded.ok()) << embedded.status().ToString();
  ASSERT_NO_FATAL_FAILURE(Submit(**embedded, commands));
  auto ref = ProjectionDb::Open(tmp.path() / "ref", {});
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(Projector(**embedded, **ref).CatchUp().ok());

  // The same workload on Kafka.
  testing::MockKafkaCluster cluster(3);
  ASSERT_TRUE(cluster.CreateTopic(kTopic, kPartitions, 3).ok());
  std::vector<int64_t> ends;
  {
    auto kafka = KafkaEventLog::Open(cluster.LogOptions(kTopic));
    ASSERT_TRUE(kafka.ok()) << kafka.status().ToString();
    ASSERT_NO_FATAL_FAILURE(Submit(**kafka, commands));
    ends = testing::EndOffsets(**kafka);
    ASSERT_EQ(ends, testing::EndOffsets(**embedded));
  }
  int64_t total = 0;
  for (int64_t e : ends) total += e;
  ASSERT_GT(total, 8000);

  auto db = ProjectionDb::Open(tmp.path() / "db", {});
  ASSERT_TRUE(db.ok());
  auto done = [&] {
    for (int32_t p = 0; p < kPartitions; ++p)
      if ((*db)->NextOffset(p)->value_or(0) < ends[p]) return false;
    return true;
  };

  GroupProjectorOptions o;
  o.brokers = cluster.bootstrap_servers();
  o.batch_records = 100;
  o.extra_config = {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "300"}};
  auto a = GroupProjector::Open(**db, o);
  auto b = GroupProjector::Open(**db, o);
  ASSERT_TRUE(a.ok() && b.ok());

  std::atomic<bool> both_assigned{false};
  std::set<int32_t> a_parts, b_parts;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::thread ta([&] {
    Status s = (*a)->Run([&] {
      if (!(*a)->assignment().empty() && !(*b)->assignment().empty() && !both_assigned) {
        both_assigned = true;
        a_parts = (*a)->assignment();
        b_parts = (*b)->assignment();
      }
      // Killed once it has committed some batches, while it still holds partitions.
      return both_assigned && (*a)->progress().done >= 400 ? GroupProjector::Control::kCrash
                                                             : GroupProjector::Control::kContinue;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    (*a)->Abandon();
  });
  Status sb = (*b)->Run([&] {
    // Done, and the killed member's partitions taken over (under load, the
    // killed member may have projected all of its own before it died).
    bool stop = (both_assigned && done() && (*b)->assignment().size() == static_cast<size_t>(kPartitions)) ||
                std::chrono::steady_clock::now() > deadline;
    return stop ? GroupProjector::Control::kStop : GroupProjector::Control::kContinue;
  });
  ta.join();
  ASSERT_TRUE(sb.ok()) << sb.ToString();
  ASSERT_TRUE(both_assigned) << "the two members never split the partitions";
  EXPECT_FALSE(a_parts.empty());
  EXPECT_FALSE(b_parts.empty());
  for (int32_t p : a_parts) EXPECT_EQ(b_parts.count(p), 0u) << "partition " << p << " owned twice";
  ASSERT_TRUE(done()) << "the survivor did not finish within 60 s";
  EXPECT_EQ((*b)->assignment().size(), static_cast<size_t>(kPartitions))
      << "the survivor took over every partition";
  // Every event committed exactly once across the two members…
  EXPECT_EQ((*a)->progress().applied + (*b)->progress().applied, total);
  // …and the store is exactly the embedded run's projection.
  EXPECT_EQ(*(*db)->Dump(true), *(*ref)->Dump(true));
}

}  // namespace
}  // namespace ledger
