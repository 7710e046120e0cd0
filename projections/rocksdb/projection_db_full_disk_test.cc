// A projection commit on a full disk (issue 17, item 4), through a file
// system port that fails every write with ENOSPC while "full" (LevelDB's Env
// idea, on RocksDB's FileSystem): the commit fails with an error naming the
// store, writes nothing, keeps failing while the disk stays full, and the
// same batch commits once space is back — nothing committed before is lost.
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "events/testing/temp_dir.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger {
namespace {

// Every append to any file of the store fails with NoSpace while `full`.
class FullDiskFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FullDiskFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FullDiskFileSystem"; }

  std::atomic<bool> full{false};
  std::atomic<int> refused{0};

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    if (full) return Refuse();
    rocksdb::IOStatus s = target()->NewWritableFile(f, o, r, dbg);
    if (s.ok()) *r = std::make_unique<File>(std::move(*r), *this);
    return s;
  }

 private:
  rocksdb::IOStatus Refuse() {
    ++refused;
    return rocksdb::IOStatus::NoSpace("No space left on device (injected)");
  }
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, FullDiskFileSystem& fs)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      return fs_.full ? fs_.Refuse() : target()->Append(d, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* dbg) override {
      return fs_.full ? fs_.Refuse() : target()->Append(d, o, v, dbg);
    }

   private:
    FullDiskFileSystem& fs_;
  };
};

const StatCell kDept{Scope::kDepartment, "035", AccountKind::kPupil, StatLevel::kAll};

ProjectionDb::Batch OneAccountBatch(const std::string& stream, int64_t next_offset) {
  ProjectionDb::Batch b;
  b.PutHead(stream, ChainHead{1, Hash{}, Timestamp{0}});
  b.SetNextOffset(0, next_offset);
  return b;
}

TEST(ProjectionDbFullDiskTest, ACommitOnAFullDiskFailsNamingTheStoreAndSucceedsOnceSpaceIsBack) {
  testing::TempDir tmp("projection-full-disk");
  auto fs = std::make_shared<FullDiskFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  ProjectionDb::Options options;
  options.env = env.get();
  const auto dir = tmp.path() / "projections";
  {
    auto db = ProjectionDb::Open(dir, options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ProjectionDb::Batch first = OneAccountBatch("pup-1", 10);
    ASSERT_TRUE((*db)->Commit(first).ok());

    fs->full = true;
    ProjectionDb::Batch second = OneAccountBatch("pup-2", 20);
    second.AddStats({{kDept, {1, 0, 0}}}, StartOfDay(*ParseIsoDate("2026-09-15")));  // a merge operand
    Status s = (*db)->Commit(second);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
    EXPECT_NE(s.message().find(dir.string()), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.ToString();
    EXPECT_GE(fs->refused.load(), 1);
    EXPECT_FALSE((*db)->Commit(second).ok()) << "still full";
    EXPECT_EQ(*(*db)->NextOffset(0), 10) << "a failed commit wrote nothing";

    // The disk stays full a while: RocksDB's own recovery (its SstFileManager
    // starts one at the first failure) and the commits' Resume() run against
    // the full disk and fail — they must leave the store recoverable. (With
    // the disk back at once, as before, that was never tried: a recovery that
    // failed on a full disk made RocksDB 7.8 refuse every later one.)
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE((*db)->Commit(second).ok()) << "full for 300 ms";
    fs->full = false;  // space is back: committing again (as the projector does) succeeds
    Status again = (*db)->Commit(second);
    // RocksDB's own recovery may be under way (Resume() says Busy meanwhile):
    // its SstFileManager tries again every 5 s, so up to 10 s on a loaded
    // machine.
    for (int attempt = 0; !again.ok() && attempt < 500; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      again = (*db)->Commit(second);
    }
    ASSERT_TRUE(again.ok()) << again.ToString();
    EXPECT_EQ(*(*db)->NextOffset(0), 20);
    ASSERT_TRUE((*db)->Close().ok());
  }
  auto reopened = ProjectionDb::Open(dir, {});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(*(*reopened)->NextOffset(0), 20);
  EXPECT_TRUE((*reopened)->Head("pup-1")->has_value());
  EXPECT_TRUE((*reopened)->Head("pup-2")->has_value());
  // The failed attempts left no operand behind (nor did recovery replay one).
  auto stats = (*reopened)->Stats(Scope::kDepartment);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->at(kDept), (StatCounts{1, 0, 0}));
}

}  // namespace
}  // namespace ledger
