// The key-order rebuild against the Projector: the same store, entry for
// entry and offset for offset, with bad records, tiny sort memory (many runs),
// histories cut into many chunks, and a Projector continuing from it.
#include "consumers/bulk_rebuild.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

using Dump = std::map<std::string, std::string>;

class BulkRebuildTest : public ::testing::Test {
 protected:
  // `again`: a second workload in the same log, whose staff delegations
  // the first already made (refused, and left out).
  static void Fill(EventLog& log, size_t families, uint32_t seed, const std::string& prefix, bool again = false) {
    auto h = CommandHandler::Open(log, [] { return Timestamp{1}; });
    ASSERT_TRUE(h.ok());
    for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({families, seed, prefix})))
      ASSERT_TRUE(r.ok() || (again && r.status().code() == StatusCode::kFailedPrecondition)) << r.status().ToString();
  }

  // Inserts a record at `index` of partition p, renumbering the offsets.
  static void Inject(MemoryEventLog& log, int32_t p, size_t index, std::string key, std::string value) {
    auto& recs = log.records(p);
    recs.insert(recs.begin() + static_cast<std::ptrdiff_t>(index), LogRecord{p, 0, std::move(key), std::move(value)});
    for (size_t i = 0; i < recs.size(); ++i) recs[i].offset = static_cast<int64_t>(i);
  }

  std::unique_ptr<ProjectionDb> Open(const std::string& name, ProjectionDb::Options o = {}) {
    auto db = ProjectionDb::Open(tmp_.path() / name, o);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return std::move(*db);
  }

  Dump ByProjector(EventLog& log, const std::string& name) {
    auto db = Open(name);
    Projector p(log, *db, ProjectorOptions{4096, 1});
    EXPECT_TRUE(p.CatchUp().ok());
    return *db->Dump(true);
  }

  Result<BulkRebuildResult> Bulk(EventLog& log, ProjectionDb& db, BulkRebuildOptions o) {
    o.tmp_dir = tmp_.path() / "sort";
    return BulkRebuild(log, db, o);
  }

  testing::TempDir tmp_{"bulk-rebuild"};
};

TEST_F(BulkRebuildTest, MakesTheProjectorsStoreWithBadRecordsAndTinyMemory) {
  MemoryEventLog log;
  Fill(log, 120, 5, "w");
  // Streams named after others: "w-f1-p0-f0-p0" sorts before "w-f1-p0" (by
  // "<stream>|") but its keys after ("v|w-f1-p0" is their prefix): the
  // folders' table files must not take them out of order.
  Fill(log, 8, 6, "w-f1-p0", true);
  Fill(log, 8, 7, "w-f1-g0", true);
  // Random bytes, a duplicate of an earlier record (out of sequence), a
  // record under another stream's key: each quarantined, as the Projector does.
  Inject(log, 5, 20, "w-f1-p0", "\x13\x37 not a flatbuffer \xff");
  LogRecord dup = log.records(5)[3];
  Inject(log, 5, 30, dup.key, dup.value);
  LogRecord other = log.records(2)[7];
  Inject(log, 2, 40, "w-f0-g0", other.value);

  const Dump want = ByProjector(log, "projector");
  auto db = Open("bulk", ProjectionDb::Options::BulkLoad());
  std::vector<std::string> phases;
  auto r = BulkRebuild(log, *db, {tmp_.path() / "sort", 16 << 10, 2, 256, /*compress_runs_from=*/0},
                       [&](const char* phase, int64_t, int64_t) {
                         if (phases.empty() || phases.back() != phase) phases.push_back(phase);
                       });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->progress.quarantined, 3);
  EXPECT_EQ(r->progress.done, r->progress.applied + 3);
  EXPECT_EQ(r->progress.total, r->progress.done);
  EXPECT_EQ(phases, (std::vector<std::string>{"reading", "folding"}));
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "sort"));  // runs and table files gone
  ASSERT_TRUE(db->FoldStatistics().ok());
  const Dump got = *db->Dump(true);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(got, want);
  auto q = db->Quarantine();
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 3u);
  EXPECT_EQ((*q)[0].partition, 2);
  EXPECT_EQ((*q)[0].offset, 40);
}

// BulkRebuildOptions::runs_dir: the sort's runs there, none beside the
// store's files; the same store.
TEST_F(BulkRebuildTest, RunsGoWhereTheyAreToldAndTheStoreIsTheSame) {
  MemoryEventLog log;
  Fill(log, 60, 11, "r");
  const Dump want = ByProjector(log, "projector");
  auto db = Open("bulk", ProjectionDb::Options::BulkLoad());
  BulkRebuildOptions o{tmp_.path() / "sort", 16 << 10};
  o.runs_dir = tmp_.path() / "elsewhere";
  auto runs_in = [](const std::filesystem::path& dir) {
    size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != decltype(it)(); it.increment(ec))
      n += it->path().extension() == ".run";
    return n;
  };
  size_t most_there = 0, most_beside = 0;
  auto r = BulkRebuild(log, *db, o, [&](const char*, int64_t, int64_t) {
    most_there = std::max(most_there, runs_in(o.runs_dir));
    most_beside = std::max(most_beside, runs_in(o.tmp_dir));
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(most_there, 0u) << "16 KiB of sort memory: runs on disk";
  EXPECT_EQ(most_beside, 0u);
  EXPECT_EQ(runs_in(o.runs_dir), 0u) << "each run removed once merged";
  ASSERT_TRUE(db->FoldStatistics().ok());
  EXPECT_EQ(*db->Dump(true), want);
}

// MakeRunsFolder: one folder per store, named the same each time (so a
// crash's leftover is emptied), readable, the rest of the parent untouched.
TEST_F(BulkRebuildTest, EachStoreHasItsOwnRunsFolderEmptiedEachTime) {
  namespace fs = std::filesystem;
  const fs::path parent = tmp_.path() / "shm";
  fs::create_directories(parent);
  { std::ofstream(parent / "someone else's") << "kept\n"; }
  const fs::path store = tmp_.path() / "d" / "projections.rebuild";
  auto first = MakeRunsFolder(parent, store);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->parent_path(), parent);
  const std::string name = first->filename().string();
  const std::string readable = fs::absolute(store).lexically_normal().string();
  std::string want = "ledger-rebuild" + readable;
  std::replace(want.begin(), want.end(), '/', '_');
  EXPECT_EQ(name.substr(0, want.size()), want) << name;
  EXPECT_EQ(name.size(), want.size() + 17) << "a dash and 16 hex digits: " << name;
  { std::ofstream(*first / "records0-3.run") << "left by a crash\n"; }

  auto again = MakeRunsFolder(parent, tmp_.path() / "d" / "." / "projections.rebuild");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *first) << "the same store, the same folder";
  EXPECT_TRUE(fs::is_empty(*again)) << "what the crash left is gone";
  auto other = MakeRunsFolder(parent, tmp_.path() / "d_projections.rebuild");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *first) << "a store whose readable name is alike has a folder of its own";
  EXPECT_TRUE(fs::exists(parent / "someone else's"));

  auto refused = MakeRunsFolder(parent / "someone else's", store);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find((parent / "someone else's").string() + ": cannot make the folder " +
                                            name + " there ("),
            std::string::npos)
      << refused.status().message();
}

TEST_F(BulkRebuildTest, TheStoreServesAndAProjectorContinuesFromItsOffsets) {
  MemoryEventLog log, first_part;
  Fill(log, 100, 9, "a");
  for (int32_t p = 0; p < log.partition_count(); ++p) {  // the first 60 % of each partition
    const auto& all = log.records(p);
    first_part.records(p).assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(all.size() * 6 / 10));
  }
  {
    auto db = Open("bulk", ProjectionDb::Options::BulkLoad());
    ASSERT_TRUE(Bulk(first_part, *db, {}).ok());
    ASSERT_TRUE(db->FoldStatistics().ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto db = Open("bulk");  // then the rest of the log, as a live store
  Projector p(log, *db);
  auto r = p.CatchUp();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->applied, 0);
  EXPECT_EQ(r->quarantined, 0);
  EXPECT_EQ(*db->Dump(true), ByProjector(log, "projector"));
  auto history = db->History("a-f3-p0");
  ASSERT_TRUE(history.ok());
  EXPECT_FALSE(history->empty());
}

// FoldOnto (a live projector far behind): ranges folded onto a store that
// batches made, then batches again, end equal to the Projector's store —
// with bad records, memberships that end in a range (deleted), tiny sort
// memory, histories in many chunks, and offsets that move with the range.
TEST_F(BulkRebuildTest, FoldOntoAStoreThatServesMakesTheProjectorsStore) {
  MemoryEventLog log;
  Fill(log, 150, 11, "o");
  // Bad records in the middle of two partitions: in the folded range.
  Inject(log, 3, log.records(3).size() * 6 / 10, "o-f1-p0", "\x13\x37 not a flatbuffer \xff");
  LogRecord dup = log.records(6)[2];
  Inject(log, 6, log.records(6).size() * 7 / 10, dup.key, dup.value);
  const Dump want = ByProjector(log, "projector");

  const int32_t n = log.partition_count();
  auto at = [&](int32_t p, int tenths) { return static_cast<int64_t>(log.records(p).size()) * tenths / 10; };
  auto db = Open("live");
  {  // batches up to 40 % of each partition
    MemoryEventLog first(n);
    for (int32_t p = 0; p < n; ++p)
      first.records(p).assign(log.records(p).begin(), log.records(p).begin() + at(p, 4));
    ASSERT_TRUE(Projector(first, *db, ProjectorOptions{64, 1}).CatchUp().ok());
  }
  const Dump before = *db->Dump(true);
  // Then 40 % -> 95 % in one key-order fold, memory so small that it runs to disk.
  std::vector<int64_t> from(n), to(n);
  for (int32_t p = 0; p < n; ++p) {
    from[p] = db->NextOffset(p)->value_or(0);
    to[p] = static_cast<int64_t>(log.records(p).size()) * 95 / 100;
  }
  auto r = FoldOnto(log, *db, from, to, {tmp_.path() / "fold", 16 << 10, 2, 256, /*compress_runs_from=*/0});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "fold"));
  int64_t records = 0;
  for (int32_t p = 0; p < n; ++p) {
    EXPECT_EQ(db->NextOffset(p)->value_or(-1), to[p]) << "partition " << p;
    EXPECT_EQ(r->next[p], to[p]);
    EXPECT_EQ(r->records[p], to[p] - from[p]);
    records += to[p] - from[p];
  }
  EXPECT_EQ(r->progress.done, records);
  EXPECT_EQ(r->progress.quarantined, 2);
  EXPECT_EQ(r->quarantined[3] + r->quarantined[6], 2);
  const Dump after = *db->Dump(true);
  size_t memberships_ended = 0;  // "e|" entries the fold deleted
  for (const auto& [k, v] : before)
    if (k.starts_with("e|") && !after.count(k)) ++memberships_ended;
  EXPECT_GT(memberships_ended, 0u) << "the range must end some memberships";
  // The rest: batches again, over what the fold laid on top.
  ASSERT_TRUE(Projector(log, *db, ProjectorOptions{64, 1}).CatchUp().ok());
  EXPECT_EQ(*db->Dump(true), want);
}

TEST_F(BulkRebuildTest, FoldOntoRefusesOffsetsThatDoNotMatchThePartitions) {
  MemoryEventLog log;
  auto db = Open("live");
  auto r = FoldOnto(log, *db, {0, 0}, {0, 0}, {tmp_.path() / "fold"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("2 start and 2 end offsets"), std::string::npos) << r.status().ToString();
}

TEST_F(BulkRebuildTest, AnEmptyLogMakesAnEmptyStore) {
  MemoryEventLog log;
  auto db = Open("bulk", ProjectionDb::Options::BulkLoad());
  auto r = Bulk(log, *db, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->progress.done, 0);
  EXPECT_EQ(*db->Dump(true), ByProjector(log, "projector"));
}

}  // namespace
}  // namespace ledger
