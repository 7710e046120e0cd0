// The group-projector takeover scenario, on any Kafka cluster (test-only):
// librdkafka's mock (consumers/kafka/group_projector_test.cc) and a real
// cluster (tests/kafka_real). Two GroupProjectors in one consumer group split
// the partitions; one is killed mid-run (no commit, no leave); the other
// takes its partitions over from the offsets stored with the projection. The
// topic is written through the real write path (CommandHandler on
// KafkaEventLog); the final store equals the projection of the same workload
// run on the embedded log, entry for entry (statistics included), and every
// event was committed once.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "consumers/kafka/group_projector.h"
#include "events/embedded/embedded_event_log.h"
#include "events/kafka/kafka_event_log.h"
#include "events/testing/log_contents.h"

namespace ledger::testing {

// Runs `commands` through a CommandHandler on `log`, 64 per group commit.
inline void SubmitInGroupCommits(EventLog& log, const std::vector<Command>& commands) {
  auto h = CommandHandler::Open(log, [] { return Timestamp{1'790'000'000'000'000}; });
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  for (size_t i = 0; i < commands.size(); i += 64) {
    std::span<const Command> batch(commands.data() + i, std::min<size_t>(64, commands.size() - i));
    for (const auto& r : (*h)->HandleBatch(batch)) ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

// The scenario on the topic `log_options` names (created with 12 partitions
// when missing), consumer group `group_id`, scratch files under `dir`.
inline void CheckGroupTakeover(KafkaLogOptions log_options, const std::string& group_id,
                               const std::filesystem::path& dir) {
  constexpr int32_t kPartitions = 12;
  const std::vector<Command> commands = GenerateWorkload({800, 5, "k"});

  // The reference: the embedded run, projected by the plain Projector.
  EmbeddedLogOptions eo;
  eo.create_if_missing = true;
  eo.partitions = kPartitions;
  auto embedded = EmbeddedEventLog::Open(dir / "log", eo);
  ASSERT_TRUE(embedded.ok()) << embedded.status().ToString();
  ASSERT_NO_FATAL_FAILURE(SubmitInGroupCommits(**embedded, commands));
  auto ref = ProjectionDb::Open(dir / "ref", {});
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(Projector(**embedded, **ref).CatchUp().ok());

  // The same workload on Kafka.
  log_options.partitions = kPartitions;
  std::vector<int64_t> ends;
  {
    auto kafka = KafkaEventLog::Open(log_options);
    ASSERT_TRUE(kafka.ok()) << kafka.status().ToString();
    ASSERT_NO_FATAL_FAILURE(SubmitInGroupCommits(**kafka, commands));
    ends = EndOffsets(**kafka);
    ASSERT_EQ(ends, EndOffsets(**embedded));
  }
  int64_t total = 0;
  for (int64_t e : ends) total += e;
  ASSERT_GT(total, 8000);

  auto db = ProjectionDb::Open(dir / "db", {});
  ASSERT_TRUE(db.ok());
  auto done = [&] {
    for (int32_t p = 0; p < kPartitions; ++p)
      if ((*db)->NextOffset(p)->value_or(0) < ends[p]) return false;
    return true;
  };

  GroupProjectorOptions o;
  o.brokers = log_options.brokers;
  o.topic = log_options.topic;
  o.group_id = group_id;
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

}  // namespace ledger::testing
