// The live projector follows a log a writer appends to on another thread: it
// projects only what the writer declared durable, wakes on each publish, and
// ends equal to a clean rebuild of the same log.
#include "consumers/live_projector.h"

#include <array>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "consumers/projector.h"
#include "events/embedded/embedded_event_log.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

class CountingProbe final : public ProjectorProbe {
 public:
  void BatchCommitted(int32_t, int64_t records, int64_t, double) override { records_ += records; }
  void Folded(int64_t records, int64_t, double) override { records_ += records; }
  std::atomic<int64_t> records_{0};
};

// A log whose offsets are not dense, like a transactional Kafka topic: after
// every second record of a partition an offset holds a commit marker that
// readers skip; a reader at the end moves past a trailing marker.
class MarkedLog final : public EventLog {
 public:
  explicit MarkedLog(MemoryEventLog& dense) : partitions_(dense.partition_count()) {
    for (int32_t p = 0; p < dense.partition_count(); ++p) {
      int64_t offset = 0;
      for (LogRecord r : dense.records(p)) {
        r.offset = offset++;
        partitions_[p].records.push_back(r);
        if (r.offset % 3 == 1) ++offset;  // the marker after every second record
      }
      partitions_[p].end = offset;
    }
  }
  int32_t partition_count() const override { return static_cast<int32_t>(partitions_.size()); }
  Result<int64_t> Append(std::string_view, std::span<const std::string>) override { return Internal("read only"); }
  Status Flush() override { return OkStatus(); }
  Result<int64_t> EndOffset(int32_t p) override { return partitions_[p].end; }
  Result<std::unique_ptr<LogReader>> OpenReader(int32_t p, int64_t from) override {
    return std::unique_ptr<LogReader>(std::make_unique<Reader>(partitions_[p], from));
  }

 private:
  struct Partition {
    std::vector<LogRecord> records;
    int64_t end = 0;
  };
  class Reader final : public LogReader {
   public:
    Reader(const Partition& p, int64_t from) : p_(p), next_(from) {}
    Result<std::optional<LogRecord>> Next() override {
      for (const LogRecord& r : p_.records)
        if (r.offset >= next_) {
          next_ = r.offset + 1;
          return std::optional<LogRecord>(r);
        }
      next_ = std::max(next_, p_.end);  // the partition's end: past a trailing marker
      return std::optional<LogRecord>();
    }
    int64_t next_offset() const override { return next_; }

   private:
    const Partition& p_;
    int64_t next_;
  };
  std::vector<Partition> partitions_;
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
  // After a stop and Run's return: nothing left behind, every record reported
  // to the probe once, and the store equal to a clean rebuild of the log.
  void ExpectWholeAndEqualToACleanRebuild(const LiveProjector& live, int64_t reported, size_t events) {
    EXPECT_EQ(live.lag(), 0);
    EXPECT_TRUE(live.caught_up());
    EXPECT_EQ(live.projected(), Ends());
    EXPECT_EQ(reported, static_cast<int64_t>(events));
    auto clean = ProjectionDb::Open(tmp_.path() / "clean", {});
    ASSERT_TRUE(clean.ok());
    ASSERT_TRUE(Projector(*log_, **clean).CatchUp().ok());
    EXPECT_EQ(*db_->Dump(true), *(*clean)->Dump(true));
  }
  // Runs `live` on a thread of its own while `cmds` are appended through `h`
  // in groups of `group`, each group's records then published as durable;
  // stops it once all are, and returns what Run() returned (or the first
  // refused command, after stopping it all the same).
  Status RunWhileAppending(LiveProjector& live, DurableEnds& ends, CommandHandler& h, std::span<const Command> cmds,
                           size_t group) {
    Status run_status, appended;
    std::thread runner([&] { run_status = live.Run(); });
    for (size_t i = 0; i < cmds.size() && appended.ok(); i += group) {
      for (const auto& r : h.HandleBatch(cmds.subspan(i, std::min(group, cmds.size() - i)))) {
        if (!r.ok()) {
          appended = r.status();
          break;
        }
        if (r->count > 0) ends.Publish(r->partition, r->first_offset + static_cast<int64_t>(r->count));
      }
    }
    live.Stop();
    runner.join();
    return appended.ok() ? run_status : appended;
  }
  // Half of a workload (600 streams named from `prefix`) appended before
  // the projector runs, the other half while it runs (RunWhileAppending, in
  // groups of 211); then the store checked whole and equal to a clean
  // rebuild. `probe` counts the records reported to it in `total`.
  template <typename Probe>
  void RunFarBehindWhileAppending(const std::string& prefix, Probe& probe, const LiveProjector::Options& options) {
    auto h = CommandHandler::Open(*log_, [] { return Timestamp{1}; });
    ASSERT_TRUE(h.ok());
    std::vector<Command> cmds = testing::GenerateWorkload({600, 10, prefix});
    const size_t half = cmds.size() / 2;
    for (const auto& r : (*h)->HandleBatch(std::span<const Command>(cmds.data(), half))) ASSERT_TRUE(r.ok());
    DurableEnds ends(Ends());
    LiveProjector live(*log_, *db_, ends, probe, options);
    Status run_status = RunWhileAppending(live, ends, **h, std::span<const Command>(cmds).subspan(half), 211);
    ASSERT_TRUE(run_status.ok()) << run_status.ToString();
    ExpectWholeAndEqualToACleanRebuild(live, probe.total.load(), (*h)->event_count());
  }
  testing::TempDir tmp_{"live-projector"};
  std::unique_ptr<EmbeddedEventLog> log_;
  std::unique_ptr<ProjectionDb> db_;
};

// On 1, 2 (the default) and 5 threads: each thread owns some partitions.
class LiveProjectorThreadsTest : public LiveProjectorTest, public ::testing::WithParamInterface<int> {};
INSTANTIATE_TEST_SUITE_P(Threads, LiveProjectorThreadsTest, ::testing::Values(1, 2, 5));

TEST_P(LiveProjectorThreadsTest, FollowsAWriterAndEndsEqualToACleanRebuild) {
  DurableEnds ends(Ends());
  CountingProbe probe;
  LiveProjector live(*log_, *db_, ends, probe, {.batch_records = 256, .threads = GetParam()});
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
  ExpectWholeAndEqualToACleanRebuild(live, probe.records_.load(), (*h)->event_count());
}

// Far behind, it folds in key order (fold_from): a log half written before it
// starts, the rest appended while it runs, folds and batches taking turns;
// it ends equal to a clean rebuild, every record reported once.
TEST_P(LiveProjectorThreadsTest, FarBehindItFoldsInKeyOrderAndEndsEqualToACleanRebuild) {
  struct FoldProbe final : ProjectorProbe {
    void BatchCommitted(int32_t, int64_t records, int64_t, double) override {
      total += records;
      EXPECT_LE(records, 16);
    }
    void Folded(int64_t records, int64_t, double) override {
      total += records;
      ++folds;
    }
    std::atomic<int64_t> total{0}, folds{0};
  } probe;
  ASSERT_NO_FATAL_FAILURE(RunFarBehindWhileAppending(
      "k", probe,
      {.batch_records = 16, .threads = GetParam(), .fold_from = 400, .fold_records = 1500,
       .fold_dir = tmp_.path() / "fold", .fold_memory = 64 << 10}));
  EXPECT_GT(probe.folds.load(), 0) << "the first half must be folded";
}

// Without a cache of views, a fold reads the views of the accounts it
// touches through its cursor, and reports what that read to its probe
// (FoldReadViews, just before Folded): every fold asks at least one view.
// It reports its wait for compactions too (FoldAwaitedCompactions): none
// here, level 0 never holds the limit's 240 files.
TEST_F(LiveProjectorTest, WithoutACacheOfViewsEachFoldReportsTheViewsItsCursorRead) {
  struct FoldProbe final : ProjectorProbe {
    void BatchCommitted(int32_t, int64_t records, int64_t, double) override { total += records; }
    void FoldReadViews(int64_t views, int64_t steps, int64_t seeks) override {
      std::lock_guard<std::mutex> lock(mu);
      reads.push_back({views, steps, seeks});
    }
    void FoldAwaitedCompactions(double seconds) override {
      std::lock_guard<std::mutex> lock(mu);
      awaited.push_back(seconds);
    }
    void Folded(int64_t records, int64_t, double) override {
      total += records;
      std::lock_guard<std::mutex> lock(mu);
      ++folds;
    }
    std::atomic<int64_t> total{0};
    std::mutex mu;
    std::vector<std::array<int64_t, 3>> reads;
    std::vector<double> awaited;
    size_t folds = 0;
  } probe;
  ASSERT_NO_FATAL_FAILURE(RunFarBehindWhileAppending(
      "r", probe,
      {.batch_records = 16, .fold_from = 400, .fold_records = 1500, .fold_dir = tmp_.path() / "fold",
       .fold_memory = 64 << 10, .view_cache_bytes = 0}));
  std::lock_guard<std::mutex> lock(probe.mu);
  ASSERT_GT(probe.folds, 0u) << "the first half must be folded";
  ASSERT_EQ(probe.reads.size(), probe.folds) << "one report of its reads per fold";
  ASSERT_EQ(probe.awaited.size(), probe.folds) << "one report of its wait per fold";
  for (double seconds : probe.awaited) EXPECT_EQ(seconds, 0.0) << "level 0 stays under 240 files";
  int64_t steps_in_all = 0;
  for (const auto& [views, steps, seeks] : probe.reads) {
    EXPECT_GT(views, 0) << "a fold touches accounts; no cache gives their views";
    EXPECT_GE(seeks, 1) << "the cursor's first view is a seek";
    steps_in_all += steps;
  }
  EXPECT_GT(steps_in_all, 0) << "folds onto a store holding views step from one to the next";
}

// Once folding, a fold waits for fold_from records (up to fold_gather)
// rather than folding the few that came during the last: half the log is
// folded, a tenth more is published during that fold and another tenth
// shortly after it — the second fold takes both tenths at once. (fold_from
// is both tenths: the second is published a partition at a time, and the
// fold must not start before the last.)
TEST_F(LiveProjectorTest, OnceFoldingTheNextFoldGathersFoldFromRecordsRatherThanFoldingAFew) {
  auto h = CommandHandler::Open(*log_, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({600, 10, "g"}))) ASSERT_TRUE(r.ok());
  const std::vector<int64_t> all = Ends();
  auto share = [&](double f) {
    std::vector<int64_t> e;
    for (int64_t end : all) e.push_back(static_cast<int64_t>(static_cast<double>(end) * f));
    return e;
  };
  auto records = [](const std::vector<int64_t>& from, const std::vector<int64_t>& to) {
    int64_t n = 0;
    for (size_t p = 0; p < to.size(); ++p) n += to[p] - from[p];
    return n;
  };
  const std::vector<int64_t> half = share(0.5), six = share(0.6), seven = share(0.7);
  const int64_t tenths = records(half, seven);
  DurableEnds ends(half);
  struct FoldProbe final : ProjectorProbe {
    void BatchCommitted(int32_t, int64_t records, int64_t, double) override { total += records; }
    void Folded(int64_t records, int64_t, double) override {
      total += records;
      std::lock_guard<std::mutex> lock(mu);
      folds.push_back(records);
    }
    std::vector<int64_t> Folds() {
      std::lock_guard<std::mutex> lock(mu);
      return folds;
    }
    std::atomic<int64_t> total{0};
    std::mutex mu;
    std::vector<int64_t> folds;
  } probe;
  std::atomic<int> folding{0};
  LiveProjector::Options options{.batch_records = 16, .fold_from = tenths,
                                 .fold_gather = std::chrono::seconds(5), .fold_dir = tmp_.path() / "fold"};
  options.fold_before_ingest = [&]() -> Status {
    if (folding++ == 0)
      for (size_t p = 0; p < six.size(); ++p) ends.Publish(static_cast<int32_t>(p), six[p]);
    return OkStatus();
  };
  LiveProjector live(*log_, *db_, ends, probe, options);
  Status run_status;
  std::thread runner([&] { run_status = live.Run(); });
  for (int i = 0; i < 1000 && probe.Folds().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (size_t p = 0; p < seven.size(); ++p) ends.Publish(static_cast<int32_t>(p), seven[p]);
  for (int i = 0; i < 1000 && probe.Folds().size() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (size_t p = 0; p < all.size(); ++p) ends.Publish(static_cast<int32_t>(p), all[p]);
  live.Stop();
  runner.join();
  ASSERT_TRUE(run_status.ok()) << run_status.ToString();
  const std::vector<int64_t> folds = probe.Folds();
  ASSERT_GE(folds.size(), 2u);
  EXPECT_EQ(folds[0], records(std::vector<int64_t>(all.size(), 0), half));
  EXPECT_EQ(folds[1], tenths) << "one fold of both tenths, not one of the first alone";
  ExpectWholeAndEqualToACleanRebuild(live, probe.total.load(), (*h)->event_count());
}

// Its cache of views (view_cache.h), too small to hold them (dropped once
// outgrown, then the store is read) or big enough (complete: the store is
// never read for views): a first run projects a third of a log, folds and
// batches; a second, on the same store, fills its cache from the store (too
// small: it stops and keeps nothing) and projects the rest as it is
// appended. Either way the store ends equal to a clean rebuild.
class LiveProjectorViewCacheTest : public LiveProjectorTest, public ::testing::WithParamInterface<size_t> {};
INSTANTIATE_TEST_SUITE_P(CacheBytes, LiveProjectorViewCacheTest,
                         ::testing::Values(size_t{128} << 10, LiveProjector::Options{}.view_cache_bytes));

TEST_P(LiveProjectorViewCacheTest, EndsEqualToACleanRebuildWhetherItsCacheOfViewsEvictsOrHoldsThemAll) {
  const bool small = GetParam() < (size_t{1} << 20);
  auto h = CommandHandler::Open(*log_, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  std::vector<Command> cmds = testing::GenerateWorkload({600, 10, "c"});
  const size_t third = cmds.size() / 3;
  for (const auto& r : (*h)->HandleBatch(std::span<const Command>(cmds.data(), third))) ASSERT_TRUE(r.ok());
  const LiveProjector::Options options{.batch_records = 16, .fold_from = 300, .fold_records = 1000,
                                       .fold_dir = tmp_.path() / "fold", .fold_memory = 64 << 10,
                                       .view_cache_bytes = GetParam()};
  CountingProbe probe;
  {
    DurableEnds ends(Ends());
    LiveProjector first(*log_, *db_, ends, probe, options);
    first.Stop();  // projects what is durable, then returns
    ASSERT_TRUE(first.Run().ok());
    EXPECT_EQ(first.views().complete(), !small);
    EXPECT_EQ(first.views().drops(), small ? 1 : 0) << "from an empty store: complete until outgrown";
    EXPECT_GT(first.views().hits(), 0);
    EXPECT_LE(first.views().bytes(), first.views().capacity());
  }
  DurableEnds ends(Ends());
  LiveProjector second(*log_, *db_, ends, probe, options);
  Status run_status = RunWhileAppending(second, ends, **h, std::span<const Command>(cmds).subspan(third), 101);
  ASSERT_TRUE(run_status.ok()) << run_status.ToString();
  EXPECT_EQ(second.views().complete(), !small) << "filled from the store: all of it, or nothing";
  EXPECT_EQ(second.views().hits() > 0, !small);
  EXPECT_EQ(second.views().entries() > 0, !small);
  ExpectWholeAndEqualToACleanRebuild(second, probe.records_.load(), (*h)->event_count());
}

// A fold that fails at its last step (here a test hook, as a refused
// ingestion would) commits nothing — no offset, no entry — and empties the
// cache of views, which held views the store never took; a second Run of
// the same projector then ends equal to a clean rebuild.
TEST_F(LiveProjectorTest, AFoldThatFailsCommitsNothingAndTheNextRunEndsEqualToACleanRebuild) {
  auto h = CommandHandler::Open(*log_, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({300, 10, "f"}))) ASSERT_TRUE(r.ok());
  const auto before = *db_->Dump(true);
  int failures = 1;
  LiveProjector::Options options{.batch_records = 16, .fold_from = 300, .fold_records = 1000,
                                 .fold_dir = tmp_.path() / "fold", .fold_memory = 64 << 10};
  options.fold_before_ingest = [&failures]() -> Status {
    return failures-- > 0 ? Unavailable("injected: the store refused the fold's files") : OkStatus();
  };
  DurableEnds ends(Ends());
  CountingProbe probe;
  LiveProjector live(*log_, *db_, ends, probe, options);
  live.Stop();  // projects what is durable, then returns
  Status failed = live.Run();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_NE(failed.message().find("injected"), std::string::npos) << failed.ToString();
  EXPECT_NE(failed.message().find("folding in key order"), std::string::npos) << failed.ToString();
  EXPECT_FALSE(live.views().complete());
  EXPECT_EQ(live.views().bytes(), 0u) << "the views of a fold the store never took are forgotten";
  EXPECT_EQ(*db_->Dump(true), before) << "nothing of the failed fold in the store";
  EXPECT_EQ(probe.records_.load(), 0);
  ASSERT_TRUE(live.Run().ok());
  EXPECT_TRUE(live.views().complete());
  ExpectWholeAndEqualToACleanRebuild(live, probe.records_.load(), (*h)->event_count());
}

// Offsets need not be dense: a partition ending in a marker is reached (lag
// 0, caught up) and every record is projected once.
class LiveProjectorMarkersTest : public LiveProjectorTest, public ::testing::WithParamInterface<bool> {};
INSTANTIATE_TEST_SUITE_P(Folding, LiveProjectorMarkersTest, ::testing::Bool());

TEST_P(LiveProjectorMarkersTest, ReachesTheEndOfPartitionsWhoseOffsetsSkipTransactionMarkers) {
  MemoryEventLog dense(3);
  auto h = CommandHandler::Open(dense, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  std::vector<Command> cmds = testing::GenerateWorkload({40, 3, "m"});
  (void)(*h)->HandleBatch(cmds);
  MarkedLog marked(dense);
  std::vector<int64_t> end;
  int64_t records = 0, trailing_markers = 0;
  for (int32_t p = 0; p < 3; ++p) {
    end.push_back(*marked.EndOffset(p));
    records += static_cast<int64_t>(dense.records(p).size());
    trailing_markers += dense.records(p).size() % 2 == 0;
  }
  ASSERT_GT(trailing_markers, 0) << "the workload must leave a partition ending in a marker";
  DurableEnds ends(end);
  CountingProbe probe;
  // Folding from a lag of one: a fold stops short of a trailing marker, and
  // the next reads nothing; the batches then step past it.
  LiveProjector::Options options{.batch_records = 7};
  if (GetParam()) options = {.batch_records = 7, .fold_from = 1, .fold_dir = tmp_.path() / "fold"};
  LiveProjector live(marked, *db_, ends, probe, options);
  Status run_status;
  std::thread runner([&] { run_status = live.Run(); });
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       !(live.caught_up() && live.lag() == 0) && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(live.caught_up());
  EXPECT_EQ(live.lag(), 0);
  EXPECT_EQ(live.projected(), end);
  live.Stop();
  runner.join();
  EXPECT_TRUE(run_status.ok()) << run_status.ToString();
  EXPECT_EQ(probe.records_.load(), records);
  EXPECT_TRUE(db_->Quarantine().ok() && db_->Quarantine()->empty());
}

// A log whose partition 1 cannot be read: the thread that owns it fails,
// and the other thread, following partitions that can be read, stops too.
class UnreadablePartitionLog final : public EventLog {
 public:
  explicit UnreadablePartitionLog(EventLog& inner) : inner_(inner) {}
  int32_t partition_count() const override { return inner_.partition_count(); }
  Result<int64_t> Append(std::string_view, std::span<const std::string>) override { return Internal("read only"); }
  Status Flush() override { return OkStatus(); }
  Result<int64_t> EndOffset(int32_t p) override { return inner_.EndOffset(p); }
  Result<std::unique_ptr<LogReader>> OpenReader(int32_t p, int64_t from) override {
    if (p == 1) return DataLoss("segment 00000000.log of partition 1: a frame does not decode");
    return inner_.OpenReader(p, from);
  }

 private:
  EventLog& inner_;
};

TEST_F(LiveProjectorTest, AnErrorOnOneThreadStopsEveryThreadAndIsReturned) {
  auto h = CommandHandler::Open(*log_, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({60, 4, "e"}))) ASSERT_TRUE(r.ok());
  UnreadablePartitionLog broken(*log_);
  DurableEnds ends(Ends());
  ProjectorProbe probe;
  LiveProjector live(broken, *db_, ends, probe, {.batch_records = 16, .threads = 2});
  const auto start = std::chrono::steady_clock::now();
  Status s = live.Run();  // no Stop(): the error alone ends it
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("partition 1"), std::string::npos) << s.ToString();
  EXPECT_FALSE(live.caught_up());
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
