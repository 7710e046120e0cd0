// Two GroupProjectors in one consumer group on librdkafka's mock cluster:
// they split the partitions; one is killed mid-run (no commit, no leave); the
// other takes its partitions over from the offsets stored with the
// projection. The final store equals the projection of the same records from
// an in-memory log, entry for entry, and every event was committed once.
#include "consumers/kafka/group_projector.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <thread>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

constexpr const char* kTopic = "ledger.account-events";

// A 3-broker mock cluster with the ledger topic, filled with `log`'s records
// partition for partition.
class MockTopic {
 public:
  explicit MockTopic(MemoryEventLog& log) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "3", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    mock_ = rd_kafka_handle_mock_cluster(rk_);
    rd_kafka_mock_topic_create(mock_, kTopic, log.partition_count(), 3);
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(mock_);
    for (int32_t p = 0; p < log.partition_count(); ++p)
      for (const LogRecord& r : log.records(p)) {
        rd_kafka_resp_err_t e;
        do {
          e = rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_PARTITION(p),
                                RD_KAFKA_V_KEY(r.key.data(), r.key.size()),
                                RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
          if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(rk_, 10);
        } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
        EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR);
      }
    EXPECT_EQ(rd_kafka_flush(rk_, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ~MockTopic() { rd_kafka_destroy(rk_); }
  const std::string& bootstraps() const { return bootstraps_; }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
  std::string bootstraps_;
};

TEST(GroupProjectorTest, TwoMembersSplitPartitionsOneIsKilledTheOtherTakesOverExactly) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, [] { return Timestamp{1'790'000'000'000'000}; });
  ASSERT_TRUE(h.ok());
  for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({800, 5, "k"}))) ASSERT_TRUE(r.ok());
  int64_t total = 0;
  for (int32_t p = 0; p < log.partition_count(); ++p) total += static_cast<int64_t>(log.records(p).size());

  MockTopic topic(log);
  testing::TempDir tmp("group-projector");
  auto db = ProjectionDb::Open(tmp.path() / "db", {});
  ASSERT_TRUE(db.ok());
  auto done = [&] {
    for (int32_t p = 0; p < log.partition_count(); ++p)
      if ((*db)->NextOffset(p)->value_or(0) < static_cast<int64_t>(log.records(p).size())) return false;
    return true;
  };

  GroupProjectorOptions o;
  o.brokers = topic.bootstraps();
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
    bool stop = (both_assigned && done()) || std::chrono::steady_clock::now() > deadline;
    return stop ? GroupProjector::Control::kStop : GroupProjector::Control::kContinue;
  });
  ta.join();
  ASSERT_TRUE(sb.ok()) << sb.ToString();
  ASSERT_TRUE(both_assigned) << "the two members never split the partitions";
  EXPECT_FALSE(a_parts.empty());
  EXPECT_FALSE(b_parts.empty());
  for (int32_t p : a_parts) EXPECT_EQ(b_parts.count(p), 0u) << "partition " << p << " owned twice";
  ASSERT_TRUE(done()) << "the survivor did not finish within 60 s";
  EXPECT_EQ((*b)->assignment().size(), static_cast<size_t>(log.partition_count()))
      << "the survivor took over every partition";
  // Every event committed exactly once across the two members…
  EXPECT_EQ((*a)->progress().applied + (*b)->progress().applied, total);
  // …and the store is exactly the projection of the log.
  testing::TempDir ref_dir("group-projector-ref");
  auto ref = ProjectionDb::Open(ref_dir.path() / "db", {});
  ASSERT_TRUE(Projector(log, **ref).CatchUp().ok());
  EXPECT_EQ(*(*db)->Dump(true), *(*ref)->Dump(true));
}

}  // namespace
}  // namespace ledger
