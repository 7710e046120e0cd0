// The live projector follows a log a writer appends to on another thread: it
// projects only what the writer declared durable, wakes on each publish, and
// ends equal to a clean rebuild of the same log.
#include "consumers/live_projector.h"

#include <thread>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "consumers/projector.h"
#include "events/embedded/embedded_event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

class CountingProbe final : public ProjectorProbe {
 public:
  void BatchCommitted(int32_t, int64_t records, int64_t, double) override { records_ += records; }
  std::atomic<int64_t> records_{0};
};

class LiveProjectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedLogOptions o;
    o.create_if_missing = true;
    o.sync_on_flush = false;
    auto log = EmbeddedEventLog::Open(tmp_.path() / "log", o);
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
    auto db = ProjectionDb::Open(tmp_.path() / "live", {});
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
  }
  std::vector<int64_t> Ends() {
    std::vector<int64_t> e;
    for (int32_t p = 0; p < log_->partition_count(); ++p) e.push_back(*log_->EndOffset(p));
    return e;
  }
  testing::TempDir tmp_{"live-projector"};
  std::unique_ptr<EmbeddedEventLog> log_;
  std::unique_ptr<ProjectionDb> db_;
};

TEST_F(LiveProjectorTest, FollowsAWriterAndEndsEqualToACleanRebuild) {
  DurableEnds ends(Ends());
  CountingProbe probe;
  LiveProjector live(*log_, *db_, ends, probe, {.batch_records = 256});
  Status run_status;
  std::thread runner([&] { run_status = live.Run(); });

  auto h = CommandHandler::Open(*log_, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  std::vector<Command> cmds = testing::GenerateWorkload({600, 9, "l"});
  uint64_t seen = live.version();
  for (size_t i = 0; i < cmds.size(); i += 97) {
    std::span<const Command> group(cmds.data() + i, std::min<size_t>(97, cmds.size() - i));
    std::vector<Result<Outcome>> results = (*h)->HandleBatch(group);
    for (const auto& r : results) {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (r->count > 0) ends.Publish(r->partition, r->first_offset + static_cast<int64_t>(r->count));
    }
    if (i == 97 * 10) {  // an appended event is visible soon after its publish
      seen = live.WaitForVersion(seen, std::chrono::seconds(5));
      EXPECT_GT(seen, 0u);
    }
  }
  live.Stop();
  runner.join();
  ASSERT_TRUE(run_status.ok()) << run_status.ToString();
  EXPECT_EQ(live.lag(), 0);
  EXPECT_TRUE(live.caught_up());
  EXPECT_EQ(live.projected(), Ends());
  EXPECT_EQ(probe.records_.load(), static_cast<int64_t>((*h)->event_count()));

  auto clean = ProjectionDb::Open(tmp_.path() / "clean", {});
  ASSERT_TRUE(clean.ok());
  Projector rebuild(*log_, **clean);
  ASSERT_TRUE(rebuild.CatchUp().ok());
  EXPECT_EQ(*db_->Dump(true), *(*clean)->Dump(true));
}

TEST_F(LiveProjectorTest, NeverProjectsWhatTheWriterHasNotDeclaredDurable) {
  auto h = CommandHandler::Open(*log_, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  std::vector<Command> cmds = testing::GenerateWorkload({20, 4, "n"});
  for (const auto& r : (*h)->HandleBatch(cmds)) ASSERT_TRUE(r.ok());
  DurableEnds ends(std::vector<int64_t>(static_cast<size_t>(log_->partition_count()), 0));
  ProjectorProbe probe;
  LiveProjector live(*log_, *db_, ends, probe);
  std::thread runner([&] { ASSERT_TRUE(live.Run().ok()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(live.version(), 0u) << "records in the log but not published stay unprojected";
  EXPECT_EQ(*db_->NextOffset(0), std::nullopt);
  const std::vector<int64_t> all = Ends();
  ends.Publish(0, all[0]);
  live.WaitForVersion(0, std::chrono::seconds(5));
  EXPECT_EQ(live.projected()[0], all[0]);
  EXPECT_EQ(live.projected()[1], 0);
  live.Stop();
  runner.join();
  EXPECT_EQ(live.lag(), 0) << "the lag counts what is durable and unprojected only";
  EXPECT_EQ(live.projected()[1], 0);
}

}  // namespace
}  // namespace ledger
