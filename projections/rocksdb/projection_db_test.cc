#include "projections/rocksdb/projection_db.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

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

TEST_F(ProjectionDbTest, SecondWriterIsRefusedWithAClearError) {
  auto second = ProjectionDb::Open(dir_ / "db", {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition) << second.status().ToString();
  EXPECT_NE(second.status().message().find((dir_ / "db").string()), std::string::npos);
}

}  // namespace
}  // namespace ledger
