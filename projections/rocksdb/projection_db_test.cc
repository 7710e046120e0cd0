#include "projections/rocksdb/projection_db.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/utilities/options_util.h>

#include "events/testing/file_bytes.h"
#include "events/testing/temp_dir.h"
#include "projections/view_codec.h"

namespace ledger {
namespace {

using ::ledger::testing::FileBytes;

class ProjectionDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = ProjectionDb::Open(dir_ / "db", {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }
  void TearDown() override { db_.reset(); }
  testing::TempDir tmp_{"projdb"};
  const std::filesystem::path& dir_ = tmp_.path();
  std::unique_ptr<ProjectionDb> db_;
};

const StatCell kDept{Scope::kDepartment, "035", AccountKind::kPupil, StatLevel::kAll};

Timestamp Day(const char* d) { return StartOfDay(*ParseIsoDate(d)); }

TEST_F(ProjectionDbTest, StatsAsOfAnyDateSumDeltasAcrossYearsMonthsAndDays) {
  ProjectionDb::Batch b;
  b.AddStats({{kDept, {1, 1, 0}}}, Day("2025-06-10"));   // one account, notified
  b.AddStats({{kDept, {0, -1, 1}}}, Day("2026-09-02"));  // activated
  b.AddStats({{kDept, {1, 0, 0}}}, Day("2026-09-15"));   // another created
  b.AddStats({{kDept, {1, 0, 0}}}, Day("2026-11-01"));   // and another
  ASSERT_TRUE(db_->Commit(b).ok());
  auto at = [&](const char* d) {
    auto t = db_->Stats(Scope::kDepartment, *ParseIsoDate(d));
    EXPECT_TRUE(t.ok());
    auto it = t->find(kDept);
    return it == t->end() ? StatCounts{} : it->second;
  };
  EXPECT_EQ(at("2025-06-09"), StatCounts{});
  EXPECT_EQ(at("2025-06-10"), (StatCounts{1, 1, 0}));
  EXPECT_EQ(at("2026-09-01"), (StatCounts{1, 1, 0}));
  EXPECT_EQ(at("2026-09-02"), (StatCounts{1, 0, 1}));
  EXPECT_EQ(at("2026-10-31"), (StatCounts{2, 0, 1}));
  EXPECT_EQ(at("2027-01-01"), (StatCounts{3, 0, 1}));
  auto now = db_->Stats(Scope::kDepartment);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->at(kDept), (StatCounts{3, 0, 1}));
  EXPECT_TRUE(db_->Stats(Scope::kAcademy)->empty());
}

TEST_F(ProjectionDbTest, StatsChangeBetweenTwoDatesEqualsTheDifferenceOfTheTwoTables) {
  ProjectionDb::Batch b;
  const char* days[] = {"2024-12-31", "2025-01-01", "2025-06-10", "2025-06-30", "2025-07-01",
                        "2025-12-31", "2026-01-31", "2026-02-01", "2026-09-02", "2026-09-15"};
  int64_t n = 1;
  for (const char* d : days) b.AddStats({{kDept, {n, 0, 0}}}, Day(d)), n *= 2;  // one bit per day
  ASSERT_TRUE(db_->Commit(b).ok());
  const char* probes[] = {"2024-12-30", "2024-12-31", "2025-01-01", "2025-06-09", "2025-06-10",
                          "2025-06-30", "2025-07-01", "2025-10-15", "2025-12-31", "2026-01-01",
                          "2026-01-31", "2026-02-01", "2026-09-01", "2026-09-15", "2027-03-01"};
  auto accounts = [](const Result<StatTable>& t) {
    EXPECT_TRUE(t.ok());
    auto it = t->find(kDept);
    return it == t->end() ? int64_t{0} : it->second.accounts;
  };
  for (const char* a : probes)
    for (const char* z : probes) {
      Date da = *ParseIsoDate(a), dz = *ParseIsoDate(z);
      int64_t want = da < dz ? accounts(db_->Stats(Scope::kDepartment, dz)) -
                                   accounts(db_->Stats(Scope::kDepartment, da))
                             : 0;
      EXPECT_EQ(accounts(db_->StatsChange(Scope::kDepartment, da, dz)), want) << a << " → " << z;
    }
}

TEST_F(ProjectionDbTest, CompactingStatisticsFoldsOperandsAndChangesNoTable) {
  for (int i = 0; i < 300; ++i) {  // 300 batches: 300 operands per key
    ProjectionDb::Batch b;
    b.AddStats({{kDept, {1, i % 2, 0}}}, Day(i % 3 ? "2026-09-02" : "2027-01-15"));
    ASSERT_TRUE(db_->Commit(b).ok());
  }
  auto now = db_->Stats(Scope::kDepartment);
  auto past = db_->Stats(Scope::kDepartment, *ParseIsoDate("2026-12-31"));
  ASSERT_TRUE(db_->CompactStatistics().ok());
  EXPECT_EQ(*db_->Stats(Scope::kDepartment), *now);
  EXPECT_EQ(*db_->Stats(Scope::kDepartment, *ParseIsoDate("2026-12-31")), *past);
  EXPECT_EQ(now->at(kDept), (StatCounts{300, 150, 0}));
  EXPECT_EQ(past->at(kDept), (StatCounts{200, 100, 0}));
}

TEST_F(ProjectionDbTest, FoldingStatisticsChangesNoTableAndLaterBatchesAddOnTop) {
  for (int i = 0; i < 300; ++i) {
    ProjectionDb::Batch b;
    b.AddStats({{kDept, {1, i % 2, 0}}}, Day(i % 3 ? "2026-09-02" : "2027-01-15"));
    b.PutHead("uai:0350001A", ChainHead{static_cast<uint64_t>(i + 1), {}, Day("2026-09-02")});
    ASSERT_TRUE(db_->Commit(b).ok());
  }
  auto dump = db_->Dump(true);
  ASSERT_TRUE(dump.ok());
  ASSERT_TRUE(db_->FoldStatistics().ok());
  EXPECT_EQ(*db_->Dump(true), *dump);  // stat keys re-encoded by Dump: same cells
  EXPECT_EQ(db_->Stats(Scope::kDepartment)->at(kDept), (StatCounts{300, 150, 0}));
  EXPECT_EQ(db_->Stats(Scope::kDepartment, *ParseIsoDate("2026-12-31"))->at(kDept), (StatCounts{200, 100, 0}));
  ProjectionDb::Batch b;  // a merge on top of the folded value
  b.AddStats({{kDept, {1, 1, 1}}}, Day("2027-01-16"));
  ASSERT_TRUE(db_->Commit(b).ok());
  EXPECT_EQ(db_->Stats(Scope::kDepartment)->at(kDept), (StatCounts{301, 151, 1}));
  EXPECT_EQ(db_->Stats(Scope::kDepartment, *ParseIsoDate("2027-01-15"))->at(kDept), (StatCounts{300, 150, 0}));
}

// The key-order rebuild commits sums by period (AddPeriodStats); a batch
// of sums by day (AddStats) must leave the same store.
TEST(ProjectionDbStatsTest, SumsByPeriodWriteWhatSumsByDayWrite) {
  testing::TempDir tmp("projdb-periods");
  std::unique_ptr<ProjectionDb> dbs[3];
  for (int i = 0; i < 3; ++i) {
    auto db = ProjectionDb::Open(tmp.path() / std::to_string(i), {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    dbs[i] = std::move(*db);
  }
  StatAccumulator accs[3];
  const Placement places[] = {{Uai("0350033W"), "035", "rennes", Level::kCollege, "4E1"},
                              {Uai("0310024H"), "031", "toulouse", Level::kLycee, "2NDE1"},
                              {Uai("0311111A"), "031", "toulouse", Level::kEcole, ""}};
  const ViewState states[] = {ViewState::kCreated, ViewState::kNotified, ViewState::kActivated, ViewState::kClosed};
  const char* days[] = {"1969-12-31", "2022-09-01", "2022-09-02", "2022-10-05", "2023-01-03", "2023-06-30"};
  CellSet before, after;
  for (int i = 0; i < 400; ++i) {
    AccountView b, a;
    b.id = a.id = "a" + std::to_string(i);
    b.seq = static_cast<uint64_t>(i % 2);
    a.seq = b.seq + 1;
    b.state = states[i % 4];
    a.state = states[(i / 4) % 4];
    b.placement = places[i % 3];
    a.placement = places[(i / 3) % 3];
    for (StatAccumulator& acc : accs) {
      acc.ContributionOf(b, before);
      acc.ContributionOf(a, after);
      acc.AddChange(before, after, Day(days[(i * 7) % std::size(days)]));
    }
    if (i % 50 == 0) accs[1].Roll(), accs[2].Roll();  // sums rolled, then more sums by day
  }
  ProjectionDb::Batch by_day, by_period, sliced;
  by_day.AddStats(accs[0]);
  accs[1].Roll();
  ASSERT_TRUE(by_period.AddPeriodStats(accs[1]).ok());
  ASSERT_TRUE(dbs[0]->Commit(by_day).ok());
  ASSERT_TRUE(dbs[1]->Commit(by_period).ok());
  // In slices of 7 cells: every commit holds 7, and a key's sums span several.
  accs[2].Roll();
  int commits = 0;
  ASSERT_TRUE(sliced
                  .AddPeriodStats(accs[2], 7,
                                  [&](ProjectionDb::Batch& b) {
                                    EXPECT_EQ(b.stat_cells(), 7u);
                                    ++commits;
                                    return dbs[2]->Commit(b);
                                  })
                  .ok());
  EXPECT_LE(sliced.stat_cells(), 7u);
  ASSERT_TRUE(dbs[2]->Commit(sliced).ok());
  auto expected = dbs[0]->Dump(true);
  ASSERT_TRUE(expected.ok());
  EXPECT_GT(expected->size(), 20u);
  EXPECT_GT(commits, 10);
  EXPECT_EQ(*dbs[1]->Dump(true), *expected);
  EXPECT_EQ(*dbs[2]->Dump(true), *expected);
}

// A commit that fails while the sums are sliced is returned, and stops the slicing.
TEST(ProjectionDbStatsTest, AFailedSliceCommitIsReturned) {
  StatAccumulator acc;
  CellSet before, after;
  AccountView v;
  v.id = "a";
  v.seq = 1;
  v.state = ViewState::kActivated;
  v.placement = {Uai("0310024H"), "031", "toulouse", Level::kLycee, "2NDE1"};
  acc.ContributionOf(AccountView{}, before);
  acc.ContributionOf(v, after);
  acc.AddChange(before, after, Day("2022-09-01"));
  acc.Roll();
  ProjectionDb::Batch b;
  int calls = 0;
  const Status s = b.AddPeriodStats(acc, 1, [&](ProjectionDb::Batch&) {
    ++calls;
    return Unavailable("disk full");
  });
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(acc.period_sums(), 0u);
}

// A history's seek skips the table files without its stream (prefix Bloom
// filters): spread over several files, between others' keys — among them a
// stream whose name extends it — it is still read whole and alone.
TEST(ProjectionDbHistoryTest, AHistorySpreadOverFilesIsReadWholeAndAlone) {
  testing::TempDir tmp("projdb-history");
  const std::vector<std::pair<std::string, uint64_t>> chunks = {
      {"a", 1}, {"a|00000000000000000001", 1}, {"b", 1}, {"a", 2}, {"a|x", 1}, {"a", 3}, {"ab", 1}};
  for (const auto& [stream, seq] : chunks) {  // one flushed file per chunk
    auto db = ProjectionDb::Open(tmp.path() / "db", ProjectionDb::Options::BulkLoad());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ProjectionDb::Batch b;
    b.PutHistory(stream, seq, stream + "#" + std::to_string(seq));
    ASSERT_TRUE((*db)->Commit(b).ok());
    ASSERT_TRUE((*db)->Close().ok());
  }
  auto db = ProjectionDb::Open(tmp.path() / "db", ProjectionDb::Options::Reader());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(*(*db)->History("a"), (std::vector<std::string>{"a#1", "a#2", "a#3"}));
  EXPECT_EQ(*(*db)->History("a|00000000000000000001"), (std::vector<std::string>{"a|00000000000000000001#1"}));
  EXPECT_EQ(*(*db)->History("ab"), (std::vector<std::string>{"ab#1"}));
  EXPECT_TRUE((*db)->History("c")->empty());
  EXPECT_EQ((*db)->Dump(false)->size(), chunks.size() + 1);  // and a full scan sees every key (+ the format)
}

TEST_F(ProjectionDbTest, BatchIsAtomicWithItsOffsetAndSurvivesReopen) {
  ProjectionDb::Batch b;
  AccountView v;
  v.id = "acc-1";
  v.seq = 3;
  b.PutView(v);
  b.PutHistory("acc-1", 1, "r1");
  b.PutHistory("acc-1", 2, "r2");
  b.PutHistory("acc-1|x", 1, "other stream");
  b.PutQuarantine(QuarantineEntry{2, 7, std::string("\xff\xfe", 2), "undecodable", 5});
  b.SetNextOffset(2, 8);
  ASSERT_TRUE(db_->Commit(b).ok());
  db_.reset();
  auto db = ProjectionDb::Open(dir_ / "db", {});
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->NextOffset(2), std::optional<int64_t>(8));
  EXPECT_EQ(*(*db)->NextOffset(3), std::nullopt);
  EXPECT_EQ((*(*db)->View("acc-1"))->seq, 3u);
  EXPECT_EQ(*(*db)->History("acc-1"), (std::vector<std::string>{"r1", "r2"}));
  auto q = (*db)->Quarantine();
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 1u);
  EXPECT_EQ((*q)[0].offset, 7);
  EXPECT_EQ((*q)[0].reason, "undecodable");
}


// A view's sealed personal fields are stored once, apart from its state: a
// later write of the state (as a fold reads it, without them) leaves them be,
// and a reader's View joins the two.
TEST_F(ProjectionDbTest, SealedFieldsAreKeptApartFromTheStateAndJoinedOnRead) {
  AccountView v;
  v.id = "acc-1";
  v.seq = 1;
  v.sealed = std::string("\x01sealed-bytes", 13);
  v.personal = PersonalData::kSealed;
  ProjectionDb::Batch created;
  const std::string state = created.PutView(v);
  ASSERT_TRUE(db_->Commit(created).ok());
  EXPECT_EQ(DecodeView(state)->sealed, "") << "the state's bytes carry no sealed fields";

  auto dump = db_->Dump(false);
  ASSERT_TRUE(dump.ok());
  EXPECT_EQ(dump->at("vs|acc-1"), v.sealed);
  EXPECT_EQ(dump->at("v|acc-1"), state);

  auto fold_read = db_->View("acc-1", /*with_sealed=*/false);
  ASSERT_TRUE(fold_read.ok() && fold_read->has_value());
  EXPECT_EQ((*fold_read)->sealed, "");
  EXPECT_EQ((*fold_read)->personal, PersonalData::kClear);
  AccountView later = **fold_read;
  later.seq = 2;
  later.state = ViewState::kActivated;
  ProjectionDb::Batch activated;
  activated.PutView(later);
  EXPECT_EQ(activated.puts(), 1u) << "no sealed fields: no second key";
  ASSERT_TRUE(db_->Commit(activated).ok());

  auto read = db_->View("acc-1");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->seq, 2u);
  EXPECT_EQ((*read)->state, ViewState::kActivated);
  EXPECT_EQ((*read)->sealed, v.sealed);
  EXPECT_EQ((*read)->personal, PersonalData::kSealed);
  std::vector<std::string> seen;
  ASSERT_TRUE(db_->ForEachView([&](std::string_view account, std::string_view bytes) {
    seen.emplace_back(account);
    EXPECT_EQ(DecodeView(bytes)->sealed, "");
    return true;
  }).ok());
  EXPECT_EQ(seen, std::vector<std::string>{"acc-1"});
}
// The compaction debt ledgerd reports: level 0 counted file by file (each
// reopen flushes what its write-ahead log held into one file there, below
// RocksDB's compaction trigger of four), and no write stop.
TEST_F(ProjectionDbTest, CompactionDebtCountsLevelZeroFilesAsTheyAreFlushed) {
  ProjectionDb::CompactionDebt fresh = db_->Compaction();
  EXPECT_EQ(fresh.level0_files, 0);
  EXPECT_FALSE(fresh.writes_stopped);
  for (int i = 1; i <= 3; ++i) {
    ProjectionDb::Batch b;
    AccountView v;
    v.id = "acc-" + std::to_string(i);
    v.seq = 1;
    b.PutView(v);
    b.SetNextOffset(0, i);
    ASSERT_TRUE(db_->Commit(b).ok());
    db_.reset();
    auto db = ProjectionDb::Open(dir_ / "db", {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    const ProjectionDb::CompactionDebt d = db_->Compaction();
    EXPECT_EQ(d.level0_files, i) << "after reopen " << i;
    EXPECT_FALSE(d.writes_stopped);
    EXPECT_GE(d.pending_bytes, 0);
    EXPECT_GE(d.running, 0);
  }
  EXPECT_EQ((*db_->View("acc-2"))->seq, 1u);
}

// What the store holds in memory, as ledgerd reports it: a commit's views
// in the memtable; once flushed (a reopen), none there and a table reader
// for its file; a view read through the block cache.
TEST_F(ProjectionDbTest, MemoryUseFollowsTheMemtableTheTableFilesAndTheBlockCache) {
  ProjectionDb::Batch b;
  for (int i = 0; i < 1000; ++i) {
    AccountView v;
    v.id = "acc-" + std::to_string(i);
    v.seq = 1;
    b.PutView(v);
  }
  ASSERT_TRUE(db_->Commit(b).ok());
  const ProjectionDb::MemoryUse written = db_->Memory();
  EXPECT_GT(written.memtables, 0);
  EXPECT_EQ(written.table_readers, 0) << "no table file yet";
  db_.reset();
  auto db = ProjectionDb::Open(dir_ / "db", {});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(*db);
  ASSERT_EQ(db_->Compaction().level0_files, 1);
  const ProjectionDb::MemoryUse flushed = db_->Memory();
  EXPECT_LT(flushed.memtables, written.memtables) << "the memtable was flushed into a table file";
  EXPECT_GT(flushed.table_readers, 0);
  EXPECT_EQ((*db_->View("acc-500"))->seq, 1u);
  EXPECT_GT(db_->Memory().block_cache, flushed.block_cache) << "the view's block is cached";
}

// The view cursor of a key-order fold: the same answers as View(), for
// accounts asked in increasing order (near and far apart), missing ones,
// one asked behind the iterator, and views still in the memtable.
TEST_F(ProjectionDbTest, AViewCursorAnswersAsViewDoesInAnyOrder) {
  // Even accounts only ("a-1" is a prefix of "a-10"): a quarter in a table
  // file (written at the reopen), a quarter in the memtable; keys of other
  // kinds before the views ("c|", "h|").
  for (int part = 0; part < 2; ++part) {
    ProjectionDb::Batch b;
    for (int i = part * 2; i < 300; i += 4) {
      AccountView v;
      v.id = "a-" + std::to_string(i);
      v.seq = static_cast<uint64_t>(i + 1);
      b.PutView(v);
    }
    b.PutHistory("a-0", 1, "r");
    b.PutHead("uai:0350001A", ChainHead{});
    ASSERT_TRUE(db_->Commit(b).ok());
    if (part == 0) {
      db_.reset();
      auto reopened = ProjectionDb::Open(dir_ / "db", {});
      ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
      db_ = std::move(*reopened);
    }
  }
  std::vector<std::string> asked;
  for (int i = 0; i < 300; ++i) asked.push_back("a-" + std::to_string(i));
  std::sort(asked.begin(), asked.end());  // key order: a-0, a-1, a-10, a-100, …
  std::vector<std::string> order;  // every third, then one behind, then the rest far apart
  for (size_t i = 0; i < asked.size(); i += 3) order.push_back(asked[i]);
  order.push_back(asked[1]);
  order.push_back("zz-after-every-view");
  auto cursor = db_->NewViewCursor();
  for (const std::string& account : order) {
    auto got = cursor->View(account);
    auto want = db_->View(account);
    ASSERT_TRUE(got.ok() && want.ok()) << account;
    ASSERT_EQ(got->has_value(), want->has_value()) << account;
    if (*got) {
      EXPECT_EQ((*got)->seq, (*want)->seq) << account;
    }
  }
  auto fresh = db_->NewViewCursor();  // the first asked: a seek; then past the last view
  ASSERT_TRUE(fresh->View("a-98").ok());
  EXPECT_EQ((*fresh->View("a-98"))->seq, 99u);
  EXPECT_FALSE(fresh->View("a-99")->has_value());
  EXPECT_FALSE(fresh->View("b")->has_value());
}

// The key-order fold's order: "<stream>|" puts "g-62" after "g-620" …
// "g-629", and "g-6" after all of them, though their views come first. The
// cursor keeps the views it steps over on its way to an account whose id
// they begin, and answers them without a lookup. Every answer, kept or
// looked up, is of the store as it was when the cursor was made.
TEST_F(ProjectionDbTest, AViewCursorAnswersViewsItSteppedOverWithoutALookup) {
  ProjectionDb::Batch b;
  for (const char* id : {"g-5", "g-55", "g-6", "g-62", "g-620", "g-621", "g-63", "g-7", "g-70", "g-700"}) {
    AccountView v;
    v.id = id;
    v.seq = std::string_view(id).size();
    b.PutView(v);
  }
  ASSERT_TRUE(db_->Commit(b).ok());
  auto cursor = db_->NewViewCursor();
  ProjectionDb::Batch later;  // after the cursor was made: it does not see these
  for (const char* id : {"g-7", "g-55", "g-64"}) {
    AccountView v;
    v.id = id;
    v.seq = 42;
    later.PutView(v);
  }
  ASSERT_TRUE(db_->Commit(later).ok());
  // The fold's order of these streams ("g-620|" < "g-62|" < "g-63|" < "g-6|").
  const std::vector<std::pair<std::string, uint64_t>> order = {
      {"g-5", 3},  {"g-620", 5}, {"g-621", 5}, {"g-62", 4}, {"g-63", 4},
      {"g-6", 3},  {"g-700", 5}, {"g-70", 4},  {"g-7", 3}};
  for (const auto& [account, seq] : order) {
    auto got = cursor->View(account);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(got->has_value()) << account;
    EXPECT_EQ((*got)->seq, seq) << account;
  }
  // "g-6" and "g-62" were stepped over on the way to "g-620", "g-7" and
  // "g-70" on the way to "g-700": no lookup. "g-55" was stepped over too, but
  // begins no account asked: asked now, behind the iterator, it is looked up.
  EXPECT_EQ(cursor->point_lookups(), 0);
  auto passed = cursor->View("g-55");
  ASSERT_TRUE(passed.ok() && passed->has_value());
  EXPECT_EQ((*passed)->seq, 4u);
  EXPECT_EQ(cursor->point_lookups(), 1);
  EXPECT_FALSE(cursor->View("g-64")->has_value()) << "behind the iterator, no such view when made";
  EXPECT_EQ(cursor->point_lookups(), 2);
  EXPECT_EQ((*db_->View("g-55"))->seq, 42u) << "the store itself moved on";
}

// What a cursor's reads cost, as a fold's probe reports it: the views asked,
// the iterator's steps from one to the next, and its seeks — the first, and
// one after kStepsBeforeSeek (256) steps that did not reach the key.
TEST_F(ProjectionDbTest, AViewCursorCountsTheViewsAskedItsStepsAndItsSeeks) {
  auto id = [](int i) {  // "a-0042": key order is number order
    std::string n = std::to_string(i);
    return "a-" + std::string(4 - n.size(), '0') + n;
  };
  ProjectionDb::Batch b;
  for (int i = 0; i < 2000; ++i) {
    AccountView v;
    v.id = id(i);
    v.seq = 1;
    b.PutView(v);
  }
  ASSERT_TRUE(db_->Commit(b).ok());
  auto cursor = db_->NewViewCursor();
  for (int i = 0; i < 1000; i += 10) ASSERT_TRUE(cursor->View(id(i))->has_value());
  EXPECT_EQ(cursor->reads().views, 100);
  EXPECT_EQ(cursor->reads().seeks, 1) << "the first view";
  EXPECT_EQ(cursor->reads().steps, 99 * 10) << "ten steps from each view to the next";
  ASSERT_TRUE(cursor->View("a-1400")->has_value());  // 410 keys on
  EXPECT_EQ(cursor->reads().steps, 990 + 256);
  EXPECT_EQ(cursor->reads().seeks, 2);
  ASSERT_TRUE(cursor->View("a-0005")->has_value());  // behind: a lookup, no step
  EXPECT_EQ(cursor->point_lookups(), 1);
  EXPECT_EQ(cursor->reads().steps, 990 + 256);
  EXPECT_EQ(cursor->reads().views, 102);
}

// Table files laid on top of a store (Layer::kOnTop): puts replace, deletes
// remove, merges add to the statistics, across both families in one step —
// whether each kind of key has its files or every kind shares one (Kinds).
class ProjectionDbOnTopTest : public ProjectionDbTest,
                              public ::testing::WithParamInterface<ProjectionDb::Kinds> {};
INSTANTIATE_TEST_SUITE_P(Kinds, ProjectionDbOnTopTest,
                         ::testing::Values(ProjectionDb::Kinds::kOnePerFile, ProjectionDb::Kinds::kMixed));

TEST_P(ProjectionDbOnTopTest, TableFilesLaidOnTopReplaceDeleteAndMergeLikeABatch) {
  ProjectionDb::Batch b;
  AccountView v;
  v.id = "acc-1";
  v.seq = 1;
  b.PutView(v);
  b.SetMember("0350001A", "acc-1", true);
  b.SetMember("0350001A", "acc-2", true);
  b.AddStats(StatTable{{kDept, StatCounts{2, 1, 0}}}, Day("2026-09-14"));
  b.SetNextOffset(0, 10);
  ASSERT_TRUE(db_->Commit(b).ok());

  ProjectionDb::Batch next;  // what a fold of offsets 10..19 changes
  v.seq = 5;
  next.PutView(v);
  next.SetMember("0350001A", "acc-1", false);
  next.AddStats(StatTable{{kDept, StatCounts{1, 1, 0}}}, Day("2026-09-15"));
  next.SetNextOffset(0, 20);
  auto files = db_->NewTableFiles(dir_ / "fold", "f", GetParam());
  auto stats = db_->NewStatisticsTableFiles(dir_ / "fold", "s", GetParam());
  std::map<std::string, std::pair<char, std::string>> entries;  // in key order, as the fold's sorter gives them
  ASSERT_TRUE(next.Take([&](std::string_view k, std::string_view val) {
                        entries[std::string(k)] = {'p', std::string(val)};
                        return OkStatus();
                      },
                      [&](std::string_view k, std::string_view val) {
                        entries[std::string(k)] = {'p', std::string(val)};
                        return OkStatus();
                      },
                      [&](std::string_view k) {
                        entries[std::string(k)] = {'d', ""};
                        return OkStatus();
                      }).ok());
  ASSERT_TRUE(next.TakeRest([&](std::string_view k, std::string_view val) {
                            entries[std::string(k)] = {'p', std::string(val)};
                            return OkStatus();
                          },
                          [&](std::string_view k, std::string_view val) { return stats->Merge(k, val); }).ok());
  for (const auto& [k, e] : entries) ASSERT_TRUE((e.first == 'd' ? files->Delete(k) : files->Add(k, e.second)).ok()) << k;
  ASSERT_TRUE(files->Finish().ok());
  ASSERT_TRUE(stats->Finish().ok());
  EXPECT_FALSE(files->Add("s|x", "").ok()) << "a statistics key in a table file of the other family";
  const bool mixed = GetParam() == ProjectionDb::Kinds::kMixed;
  EXPECT_EQ(files->files().size(), mixed ? 1u : 3u) << "views, memberships and offsets";
  EXPECT_EQ(stats->files().size(), mixed ? 1u : 4u) << "the tiers: current, year, month, day";
  ASSERT_TRUE(db_->IngestTableFiles({files.get(), stats.get()}, ProjectionDb::Layer::kOnTop).ok());

  EXPECT_EQ((*db_->View("acc-1"))->seq, 5u);
  EXPECT_EQ(*db_->MembersOf("0350001A"), (std::vector<std::string>{"acc-2"}));
  EXPECT_EQ(*db_->NextOffset(0), std::optional<int64_t>(20));
  auto now = db_->Stats(Scope::kDepartment);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->at(kDept), (StatCounts{3, 2, 0}));
  auto before = db_->Stats(Scope::kDepartment, *ParseIsoDate("2026-09-14"));
  EXPECT_EQ(before->at(kDept), (StatCounts{2, 1, 0}));
}

TEST_F(ProjectionDbTest, SearchEntriesFindEveryAccountOfAKeyAndPlacesMapEstablishments) {
  ProjectionDb::Batch b;
  b.PutSearchEntry(SearchIndex::kLogin, SearchKey(SearchIndex::kLogin, "P.Martin12"), "acc-2");
  b.PutSearchEntry(SearchIndex::kLogin, "p.martin12", "acc-1");
  b.PutSearchEntry(SearchIndex::kLogin, "p.martin1", "acc-3");  // a prefix of the other key
  b.PutSearchEntry(SearchIndex::kIne, "", "acc-4");              // no INE: not indexed
  Placement p{Uai("0350033W"), "035", "rennes", Level::kCollege, "3E2"};
  b.PutPlace(p);
  b.PutPlace(p);
  ASSERT_TRUE(db_->Commit(b).ok());
  EXPECT_EQ(*db_->FindAccounts(SearchIndex::kLogin, "p.martin12"),
            (std::vector<std::string>{"acc-1", "acc-2"}));
  EXPECT_EQ(*db_->FindAccounts(SearchIndex::kLogin, SearchKey(SearchIndex::kLogin, " p.MARTIN1 ")),
            (std::vector<std::string>{"acc-3"}));
  EXPECT_TRUE(db_->FindAccounts(SearchIndex::kIne, "p.martin12")->empty());
  EXPECT_TRUE(db_->FindAccounts(SearchIndex::kIne, "")->empty());
  EXPECT_EQ(*db_->PlaceOfEstablishment("0350033W"), (Place{"035", "rennes"}));
  EXPECT_EQ(*db_->PlaceOfEstablishment("0310001A"), std::nullopt);
  EXPECT_EQ(*db_->AcademyOfDepartment("035"), std::optional<std::string>("rennes"));
}

TEST_F(ProjectionDbTest, AReaderSeesWhatTheWriterCommittedWhenItOpenedCountedOnce) {
  ProjectionDb::Batch b;
  b.SetNextOffset(0, 5);
  b.AddStats({{kDept, {1, 0, 0}}}, Day("2026-09-02"));
  ASSERT_TRUE(db_->Commit(b).ok());
  b.AddStats({{kDept, {1, 0, 0}}}, Day("2026-09-03"));
  ASSERT_TRUE(db_->Commit(b).ok());  // two merge operands, still in the writer's WAL
  auto reader = ProjectionDb::Open(dir_ / "db", ProjectionDb::Options::Reader());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(*(*reader)->NextOffset(0), std::optional<int64_t>(5));
  EXPECT_EQ((*(*reader)->Stats(Scope::kDepartment)).at(kDept), (StatCounts{2, 0, 0}));
  b.SetNextOffset(0, 9);
  ASSERT_TRUE(db_->Commit(b).ok());
  EXPECT_EQ(*(*reader)->NextOffset(0), std::optional<int64_t>(5)) << "as of its opening";
  auto none = ProjectionDb::Open(dir_ / "nothing", ProjectionDb::Options::Reader());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound) << none.status().ToString();
}

TEST_F(ProjectionDbTest, SecondWriterIsRefusedWithAClearError) {
  auto second = ProjectionDb::Open(dir_ / "db", {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition) << second.status().ToString();
  EXPECT_NE(second.status().message().find((dir_ / "db").string()), std::string::npos);
}


// A store written by an earlier layout (no meta|format, but data) is refused
// with the way out; a new store is stamped and reopens.
TEST(ProjectionDbFormatTest, AStoreOfAnotherLayoutIsRefusedNamingRebuild) {
  testing::TempDir tmp("projdb-format");
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, (tmp.path() / "old").string(), &raw).ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), "v|acct", "x").ok());
    delete raw;
  }
  for (auto options : {ProjectionDb::Options{}, ProjectionDb::Options::Reader()}) {
    auto old = ProjectionDb::Open(tmp.path() / "old", options);
    ASSERT_FALSE(old.ok());
    EXPECT_EQ(old.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(old.status().message().find("ledger rebuild"), std::string::npos) << old.status().ToString();
    EXPECT_NE(old.status().message().find("layout 1"), std::string::npos) << old.status().ToString();
  }
  { ASSERT_TRUE(ProjectionDb::Open(tmp.path() / "new", {}).ok()); }
  auto again = ProjectionDb::Open(tmp.path() / "new", ProjectionDb::Options::Reader());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto dump = (*again)->Dump(false);
  ASSERT_TRUE(dump.ok());
  EXPECT_EQ(dump->at("meta|format"), std::to_string(ProjectionDb::kFormat));
}

// Layout 3: the statistics keys live in a family of their own, the other
// keys in the default one; a store of layout 2 (one family) is refused, by
// the writer as by a reader, and left as it was.
TEST(ProjectionDbFormatTest, StatisticsLiveInTheirOwnFamilyAndALayout2StoreIsRefused) {
  testing::TempDir tmp("projdb-families");
  const std::string store = (tmp.path() / "db").string();
  {
    auto db = ProjectionDb::Open(store, {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ProjectionDb::Batch b;
    b.AddStats({{kDept, {1, 0, 0}}}, Day("2026-09-02"));
    b.PutHead("uai:0350001A", ChainHead{1, {}, Day("2026-09-02")});
    ASSERT_TRUE((*db)->Commit(b).ok());
    ASSERT_TRUE((*db)->CompactStatistics().ok());  // operands folded into values (readable raw)
  }
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(), store, &names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"default", "statistics"}));
  {
    rocksdb::Options o;  // no merge operator: the keys alone are read
    std::vector<rocksdb::ColumnFamilyDescriptor> families{{"default", o}, {"statistics", o}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(o, store, families, &handles, &raw).ok());
    auto keys = [&](rocksdb::ColumnFamilyHandle* h) {
      std::vector<std::string> out;
      std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), h));
      for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString());
      return out;
    };
    EXPECT_EQ(keys(handles[0]), (std::vector<std::string>{"c|uai:0350001A", "meta|format"}));
    EXPECT_EQ(keys(handles[1]), (std::vector<std::string>{"sc|department|-", "sd|department|2026-09-02",
                                                          "sm|department|2026-09", "sy|department|2026"}));
    for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
    delete raw;
  }
  // Layout 2: one family, its layout key says 2.
  const std::string old = (tmp.path() / "old").string();
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, old, &raw).ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), "meta|format", "2").ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), "sc|department|-", "x").ok());
    delete raw;
  }
  for (auto options : {ProjectionDb::Options{}, ProjectionDb::Options::Reader()}) {
    auto refused = ProjectionDb::Open(old, options);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(refused.status().message().find("has layout 2, this ledger reads layout 4: run `ledger rebuild`"),
              std::string::npos)
        << refused.status().ToString();
  }
  names.clear();
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(), old, &names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"default"}) << "the refused store is left as it was";
}

// A writer killed while it created the store, after RocksDB made it and
// before the statistics family was added (found by ProjectorCrashTest: every
// later open said "damaged"): the empty store is finished by the next open.
TEST(ProjectionDbFormatTest, AStoreWhoseCreationWasKilledBeforeItsStatisticsFamilyIsFinished) {
  testing::TempDir tmp("projdb-half-made");
  const std::string store = (tmp.path() / "db").string();
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, store, &raw).ok());
    delete raw;
  }
  {
    auto db = ProjectionDb::Open(store, {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ProjectionDb::Batch b;
    b.AddStats({{kDept, {1, 0, 0}}}, Day("2026-09-02"));
    b.AddStats({{kDept, {1, 1, 0}}}, Day("2026-09-03"));
    b.SetNextOffset(0, 2);
    ASSERT_TRUE((*db)->Commit(b).ok());
  }
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(), store, &names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"default", "statistics"}));
  auto db = ProjectionDb::Open(store, {});
  ASSERT_TRUE(db.ok()) << "reopened: " << db.status().ToString();
  auto next = (*db)->NextOffset(0);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, std::optional<int64_t>(2));
  auto table = (*db)->Stats(Scope::kDepartment);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->at(kDept), (StatCounts{2, 1, 0}));
}

// The shape of a store's levels: a new store sizes them from its data
// (RocksDB's dynamic level sizes), in every family; a store made with fixed
// sizes keeps them when a writer opens it again, and opens as it was.
std::map<std::string, bool> DynamicLevelsOf(const std::string& store) {
  rocksdb::ConfigOptions config;
  config.ignore_unknown_options = true;
  rocksdb::DBOptions db;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  std::map<std::string, bool> out;
  const rocksdb::Status s = rocksdb::LoadLatestOptions(config, store, &db, &families);
  EXPECT_TRUE(s.ok()) << s.ToString();
  for (const auto& f : families) out[f.name] = f.options.level_compaction_dynamic_level_bytes;
  return out;
}

TEST(ProjectionDbLevelsTest, ANewStoreSizesItsLevelsFromItsDataAndAnOlderOneKeepsItsShape) {
  testing::TempDir tmp("projdb-levels");
  const std::string store = (tmp.path() / "db").string();
  const std::map<std::string, bool> dynamic{{"default", true}, {"statistics", true}};
  const std::map<std::string, bool> fixed{{"default", false}, {"statistics", false}};
  // A writer opens the store and commits one account notified on `day`;
  // the department table then holds `want`.
  auto commit = [&](const char* day, int64_t offset, StatCounts want) {
    auto db = ProjectionDb::Open(store, {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ProjectionDb::Batch b;
    b.AddStats({{kDept, {1, 1, 0}}}, Day(day));
    b.SetNextOffset(0, offset);
    ASSERT_TRUE((*db)->Commit(b).ok());
    auto table = (*db)->Stats(Scope::kDepartment);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    EXPECT_EQ(table->at(kDept), want);
  };
  commit("2026-09-02", 1, StatCounts{1, 1, 0});
  EXPECT_EQ(DynamicLevelsOf(store), dynamic);
  commit("2026-09-02", 2, StatCounts{2, 2, 0});
  EXPECT_EQ(DynamicLevelsOf(store), dynamic) << "reopened";
  // As a store made before: its options file (the latest, which RocksDB
  // reads) says fixed level sizes, as every one written before did.
  std::filesystem::path latest;
  for (const auto& f : std::filesystem::directory_iterator(store))
    if (f.path().filename().string().rfind("OPTIONS-", 0) == 0 && f.path().filename() > latest.filename())
      latest = f.path();
  std::string text = FileBytes(latest);
  const std::string on = "level_compaction_dynamic_level_bytes=true";
  for (size_t at; (at = text.find(on)) != std::string::npos;)
    text.replace(at, on.size(), "level_compaction_dynamic_level_bytes=false");
  std::ofstream(latest, std::ios::trunc) << text;
  ASSERT_EQ(DynamicLevelsOf(store), fixed);
  commit("2026-09-03", 3, StatCounts{3, 3, 0});  // opens as it was
  EXPECT_EQ(DynamicLevelsOf(store), fixed) << "a writer kept the older store's shape";
}

// A rebuild's fold: the statistics family is made again from the folded
// values alone — one plain value per key in its files, no operand left — and
// every table, now and as of any date, is what it was.
TEST(ProjectionDbBulkTest, FoldingABulkLoadLeavesOneValuePerStatisticsKeyAndTheSameTables) {
  testing::TempDir tmp("projdb-fold");
  const auto store = tmp.path() / "db";
  std::map<std::string, std::string> before;
  {
    auto db = ProjectionDb::Open(store, ProjectionDb::Options::BulkLoad());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    for (int i = 0; i < 300; ++i) {
      ProjectionDb::Batch b;
      b.AddStats({{kDept, {1, i % 2, 0}}}, Day(i % 3 ? "2026-09-02" : "2027-01-15"));
      b.PutHead("uai:0350001A", ChainHead{static_cast<uint64_t>(i + 1), {}, Day("2026-09-02")});
      ASSERT_TRUE((*db)->Commit(b).ok());
    }
    before = *(*db)->Dump(true);
    ASSERT_TRUE((*db)->FoldStatistics().ok());
    EXPECT_EQ(*(*db)->Dump(true), before);
    ASSERT_TRUE((*db)->Close().ok());
  }
  auto reader = ProjectionDb::Open(store, ProjectionDb::Options::Reader());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(*(*reader)->Dump(true), before);
  EXPECT_EQ((*reader)->Stats(Scope::kDepartment)->at(kDept), (StatCounts{300, 150, 0}));
  EXPECT_EQ((*reader)->Stats(Scope::kDepartment, *ParseIsoDate("2026-12-31"))->at(kDept), (StatCounts{200, 100, 0}));
  reader->reset();
  // The statistics family's files: 7 keys (the current table, two years, two
  // months, two days), each once, in one table file per tier (TableFiles
  // starts a file at each kind of key: "sc|", "sd|", "sm|", "sy|").
  rocksdb::Options o;
  std::vector<rocksdb::ColumnFamilyDescriptor> families{{"default", o}, {"statistics", o}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(o, store.string(), families, &handles, &raw).ok());
  rocksdb::TablePropertiesCollection tables;
  ASSERT_TRUE(raw->GetPropertiesOfAllTables(handles[1], &tables).ok());
  uint64_t entries = 0, operands = 0;
  for (const auto& [file, props] : tables) {
    entries += props->num_entries;
    operands += props->num_merge_operands;
  }
  EXPECT_EQ(tables.size(), 4u);
  EXPECT_EQ(entries, 7u);
  EXPECT_EQ(operands, 0u);
  for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
  delete raw;
}

// Damage (README "Damage"): a store with table files, then one of its files
// deleted, cut or overwritten. Opening it, or reading the damaged block, is
// DataLoss naming the store and `ledger rebuild`; nothing is created over it.
class DamagedProjectionDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = ProjectionDb::Open(store_, ProjectionDb::Options::BulkLoad());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ProjectionDb::Batch b;
    for (int i = 0; i < 4000; ++i)  // ~1 MB of history: a table file of many blocks
      b.PutHistory("acc-" + std::to_string(i), 1, std::string(250, static_cast<char>('a' + i % 26)));
    b.SetNextOffset(0, 4000);
    ASSERT_TRUE((*db)->Commit(b).ok());
    ASSERT_TRUE((*db)->Close().ok());  // flushed to a table file
  }
  // The one file of the store whose name matches.
  std::filesystem::path File(const std::string& prefix, const std::string& extension = "") const {
    std::filesystem::path found;
    for (const auto& e : std::filesystem::directory_iterator(store_)) {
      const std::string name = e.path().filename().string();
      if (name.starts_with(prefix) && e.path().extension() == extension) found = e.path();
    }
    EXPECT_FALSE(found.empty()) << prefix << "*" << extension;
    return found;
  }
  static void Overwrite(const std::filesystem::path& f, uint64_t at, size_t n) {
    std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(static_cast<std::streamoff>(at));
    io << std::string(n, '\x5a');
  }
  void ExpectDamaged(const Status& s, const std::string& detail) const {
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
    EXPECT_NE(s.message().find("projection store " + store_.string() + " is damaged"), std::string::npos)
        << s.ToString();
    EXPECT_NE(s.message().find("run `ledger rebuild`"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find(detail), std::string::npos) << s.ToString();
  }
  void ExpectOpenRefused(const std::string& detail) const {
    for (auto options : {ProjectionDb::Options{}, ProjectionDb::Options::Reader()}) {
      auto db = ProjectionDb::Open(store_, options);
      ASSERT_FALSE(db.ok());
      ExpectDamaged(db.status(), detail);
    }
  }
  testing::TempDir tmp_{"projdb-damage"};
  const std::filesystem::path store_ = tmp_.path() / "db";
};

TEST_F(DamagedProjectionDbTest, ADeletedTableFileIsRefusedAtOpen) {
  std::filesystem::path sst = File("", ".sst");
  std::filesystem::remove(sst);
  ExpectOpenRefused(sst.stem().string());
}

TEST_F(DamagedProjectionDbTest, OverwrittenBytesInATableFileAreFoundByTheChecksumsAtOpen) {
  std::filesystem::path sst = File("", ".sst");
  Overwrite(sst, std::filesystem::file_size(sst) / 2, 64);
  ExpectOpenRefused("checksum mismatch");
}

TEST_F(DamagedProjectionDbTest, WithoutVerifyingAtOpenTheReadOfTheDamagedBlockFails) {
  std::filesystem::path sst = File("", ".sst");
  Overwrite(sst, std::filesystem::file_size(sst) / 2, 64);
  ProjectionDb::Options options;
  options.verify_checksums = false;
  auto db = ProjectionDb::Open(store_, options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ExpectDamaged((*db)->Dump(false).status(), "checksum mismatch");
}

// Each table file is read once: a file verified before and unchanged since
// is not read again; one written since is, and its damage is found at Open
// as before. A file changed in the last two seconds is read at every Open
// until it is older; `verify_every_file` reads every file, record or not.
TEST_F(DamagedProjectionDbTest, ATableFileIsVerifiedOnceAndAgainOnceItChanged) {
  const std::filesystem::path sst = File("", ".sst");
  auto open = [&](bool every_file = false) {
    ProjectionDb::Options options = ProjectionDb::Options::Reader();
    options.verify_every_file = every_file;
    auto db = ProjectionDb::Open(store_, options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? (*db)->files_verified_at_open() : 999;
  };
  // Setting the time changes the kernel's change time: the file is "just changed".
  std::filesystem::last_write_time(sst, std::filesystem::file_time_type::clock::now());
  EXPECT_EQ(open(), 1u);
  EXPECT_EQ(open(), 1u) << "just changed: not recorded yet";
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(open(), 1u);
  EXPECT_EQ(open(), 0u) << "verified and unchanged: not read again";
  EXPECT_EQ(open(true), 1u) << "every file, record or not";
  ASSERT_TRUE(std::filesystem::exists(store_ / "LEDGER-VERIFIED"));
  // A copy put back in place with the original times (cp -p) is read again.
  const auto time = std::filesystem::last_write_time(sst);
  Overwrite(sst, std::filesystem::file_size(sst) / 2, 64);
  std::filesystem::last_write_time(sst, time);
  ExpectOpenRefused("checksum mismatch");
}

TEST_F(DamagedProjectionDbTest, ATruncatedTableFileIsRefusedAtOpen) {
  std::filesystem::path sst = File("", ".sst");
  std::filesystem::resize_file(sst, std::filesystem::file_size(sst) / 3);
  ExpectOpenRefused(sst.filename().string());
}

TEST_F(DamagedProjectionDbTest, ADeletedManifestIsRefusedAtOpen) {
  std::filesystem::path manifest = File("MANIFEST-");
  std::filesystem::remove(manifest);
  ExpectOpenRefused(manifest.filename().string());
}

TEST_F(DamagedProjectionDbTest, AnOverwrittenManifestIsRefusedAtOpen) {
  Overwrite(File("MANIFEST-"), 10, 20);
  ExpectOpenRefused("MANIFEST");
}

// A crash while RocksDB appends to its MANIFEST leaves it cut short, and
// RocksDB then opens the store as of the last complete edit: since offsets
// are committed with the changes they cover, that is an earlier state the
// projector continues from, never a mix. Cut inside the first edit, it is refused.
TEST_F(DamagedProjectionDbTest, AManifestCutShortOpensAsAnEarlierConsistentStateOrIsRefused) {
  namespace fs = std::filesystem;
  const fs::path pristine = tmp_.path() / "pristine";
  fs::copy(store_, pristine);
  const auto size = fs::file_size(File("MANIFEST-"));
  int refused = 0;
  for (uintmax_t cut : {uintmax_t{10}, size / 4, size / 2, size * 3 / 4, size - 1}) {
    fs::remove_all(store_);
    fs::copy(pristine, store_);
    fs::resize_file(File("MANIFEST-"), cut);
    auto db = ProjectionDb::Open(store_, {});
    if (!db.ok()) {
      ExpectDamaged(db.status(), "MANIFEST");
      ++refused;
      continue;
    }
    auto next = (*db)->NextOffset(0);
    auto history = (*db)->History("acc-1");
    ASSERT_TRUE(next.ok() && history.ok()) << "cut at " << cut;
    EXPECT_EQ(next->has_value(), !history->empty()) << "cut at " << cut;
  }
  EXPECT_GE(refused, 1) << "a MANIFEST cut inside its first edit";
}

TEST_F(DamagedProjectionDbTest, AMissingOrGarbledCurrentIsRefusedAndNothingIsCreatedOverTheRemains) {
  std::filesystem::remove(store_ / "CURRENT");
  auto count = [&] {
    return std::distance(std::filesystem::directory_iterator(store_), std::filesystem::directory_iterator());
  };
  const auto files = count();
  ExpectOpenRefused("CURRENT file is missing");
  EXPECT_EQ(count(), files) << "RocksDB must not start a new store among the old files";
  { std::ofstream(store_ / "CURRENT") << "garbage"; }
  ExpectOpenRefused("CURRENT");
  { std::ofstream(store_ / "CURRENT") << "MANIFEST-999999\n"; }
  ExpectOpenRefused("MANIFEST-999999");
}

// A kill while RocksDB creates a store, after its first MANIFEST and before
// CURRENT (seen once in ProjectorCrashTest): nothing was written, so the
// next writer's open creates the store again; a reader's open is refused.
TEST(ProjectionDbCreationTest, AStoreKilledBeforeItsFirstCurrentIsCreatedAgainByTheNextWriter) {
  testing::TempDir tmp("projdb-creation");
  const std::filesystem::path cut = tmp.path() / "cut";
  std::filesystem::create_directories(cut);
  // What the kill left: the first MANIFEST (its bytes do not matter: it is
  // removed), CURRENT's temporary file half written, RocksDB's IDENTITY.
  { std::ofstream(cut / "MANIFEST-000001") << std::string(60, '\x11'); }
  { std::ofstream(cut / "000001.dbtmp") << "MANIFEST-0000"; }
  { std::ofstream(cut / "IDENTITY") << "f00"; }
  ProjectionDb::Options reader;
  reader.read_only = true;
  auto refused = ProjectionDb::Open(cut, reader);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("CURRENT file is missing"), std::string::npos) << refused.status().ToString();
  auto db = ProjectionDb::Open(cut, {});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ProjectionDb::Batch b;
  b.SetNextOffset(0, 7);
  ASSERT_TRUE((*db)->Commit(b).ok());
  EXPECT_EQ((*db)->NextOffset(0)->value_or(0), 7);
  EXPECT_FALSE(std::filesystem::exists(cut / "000001.dbtmp"));
}

}  // namespace
}  // namespace ledger

namespace ledger {
namespace {

// A reader (`ledger stats` while ledgerd runs) opens the files the MANIFEST
// names while the writer's compactions delete some of them: it must never
// take that for a damaged store (found under AddressSanitizer, where opens are
// slow enough to lose the race: "run `ledger rebuild`" on a healthy store).
TEST_F(ProjectionDbTest, AReaderOpeningWhileTheWriterCompactsNeverSeesDamage) {
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) {
      ProjectionDb::Batch b;
      b.AddStats({{kDept, {1, 0, 0}}}, Day("2026-09-01"));
      b.SetNextOffset(0, i + 1);
      ASSERT_TRUE(db_->Commit(b).ok());
      ASSERT_TRUE(db_->CompactStatistics().ok());  // flushes, writes a file, deletes its inputs
      // Still far more often than ledgerd (a compaction every 50 ms), while
      // an instrumented reader's open on a loaded machine may take 100 ms.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    done = true;
  });
  int opens = 0, failures = 0;
  std::string first_failure;
  while (!done) {
    auto reader = ProjectionDb::Open(dir_ / "db", ProjectionDb::Options::Reader());
    ++opens;
    if (!reader.ok() && failures++ == 0) first_failure = reader.status().ToString();
  }
  writer.join();
  EXPECT_EQ(failures, 0) << "of " << opens << " opens; first: " << first_failure;
  EXPECT_GT(opens, 10);
}

}  // namespace
}  // namespace ledger
