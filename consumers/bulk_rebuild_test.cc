// The key-order rebuild against the Projector: the same store, entry for
// entry and offset for offset, with bad records, tiny sort memory (many runs),
// histories cut into many chunks, and a Projector continuing from it.
#include "consumers/bulk_rebuild.h"

#include <gtest/gtest.h>

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
