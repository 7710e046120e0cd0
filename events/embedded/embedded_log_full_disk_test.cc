// The embedded log on a full disk (issue 17, item 4), through the file fault
// hook of posix_file.h (LevelDB's Env idea): ENOSPC
//  - in the middle of a record's write (a torn frame on disk): the append
//    fails naming the segment file, the log refuses writes until reopened,
//    and once space is back the reopened log has every flushed record, no
//    torn one, and appends again;
//  - on the fdatasync of a flush: the flush fails naming the file, and what
//    it did not confirm is not trusted until reopened;
//  - when a new segment is created (a roll): nothing is written, and the same
//    append succeeds as soon as space is back, without reopening.
#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "events/embedded/embedded_event_log.h"
#include "events/embedded/posix_file.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;

// Installs a hook for the test's life; "full" while `full` is true: every
// write, sync and file creation fails with ENOSPC (only creations with
// `creations_only`), after `allow_bytes` of a write went through.
class FullDisk {
 public:
  explicit FullDisk(size_t allow_bytes = 0, bool creations_only = false) {
    embedded::SetFileFaultHookForTesting([=, this](const fs::path& path, size_t bytes) {
      if (!full || path.filename() == "LOCK" || (creations_only && bytes > 0)) return embedded::FileFault{};
      ++faults;
      return embedded::FileFault{ENOSPC, allow_bytes};
    });
  }
  ~FullDisk() { embedded::SetFileFaultHookForTesting(nullptr); }
  bool full = false;
  int faults = 0;
};

std::vector<std::string> One(const std::string& v) { return {v}; }

// The values of partition 0, in order; the test fails on any read error.
std::vector<std::string> ValuesOf(EventLog& log) {
  std::vector<std::string> out;
  auto reader = log.OpenReader(0, 0);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  for (;;) {
    auto rec = (*reader)->Next();
    EXPECT_TRUE(rec.ok()) << rec.status().ToString();
    if (!rec.ok() || !rec->has_value()) return out;
    out.push_back((**rec).value);
  }
}

// Each Append written at once (block_bytes 0), so that the disk's failures
// meet the Append that caused them; the last two tests buffer, as by default.
EmbeddedLogOptions OnePartition() {
  EmbeddedLogOptions o;
  o.partitions = 1;
  o.create_if_missing = true;
  o.block_bytes = 0;
  return o;
}

TEST(EmbeddedLogFullDiskTest, ATornWriteFailsNamingTheSegmentAndReopeningKeepsEveryFlushedRecord) {
  testing::TempDir tmp("log-full-disk");
  FullDisk disk(/*allow_bytes=*/7);  // a few bytes of the frame reach the file: a torn tail
  {
    auto log = EmbeddedEventLog::Open(tmp.path(), OnePartition());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->Append("k", One("before-" + std::to_string(i))).ok());
    ASSERT_TRUE((*log)->Flush().ok());

    disk.full = true;
    Result<int64_t> r = (*log)->Append("k", One("while-full"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(r.status().message().find(tmp.path().string()), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("No space left on device"), std::string::npos) << r.status().ToString();
    disk.full = false;
    // The tail's state is unknown: no more writes until reopened (recovery).
    Result<int64_t> again = (*log)->Append("k", One("after-space-freed"));
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.status().message().find("until reopened"), std::string::npos) << again.status().ToString();
  }
  EXPECT_EQ(disk.faults, 1);
  auto reopened = EmbeddedEventLog::Open(tmp.path(), OnePartition());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ASSERT_TRUE((*reopened)->Append("k", One("after-reopen")).ok());
  ASSERT_TRUE((*reopened)->Flush().ok());
  EXPECT_EQ(ValuesOf(**reopened), (std::vector<std::string>{"before-0", "before-1", "before-2", "before-3",
                                                            "before-4", "after-reopen"}));
}

TEST(EmbeddedLogFullDiskTest, AFailedSyncFailsTheFlushNamingTheFileAndReopeningResumes) {
  testing::TempDir tmp("log-full-sync");
  FullDisk disk;
  {
    auto log = EmbeddedEventLog::Open(tmp.path(), OnePartition());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_TRUE((*log)->Append("k", One("durable")).ok());
    ASSERT_TRUE((*log)->Flush().ok());
    ASSERT_TRUE((*log)->Append("k", One("unconfirmed")).ok());
    disk.full = true;
    Status s = (*log)->Flush();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("fdatasync failed: No space left on device"), std::string::npos) << s.ToString();
    disk.full = false;
    EXPECT_FALSE((*log)->Flush().ok()) << "a flush that failed is not retried as if nothing happened";
  }
  auto reopened = EmbeddedEventLog::Open(tmp.path(), OnePartition());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  const std::vector<std::string> values = ValuesOf(**reopened);
  ASSERT_GE(values.size(), 1u);
  EXPECT_EQ(values[0], "durable");
  ASSERT_TRUE((*reopened)->Append("k", One("resumed")).ok());
  ASSERT_TRUE((*reopened)->Flush().ok());
  EXPECT_EQ(ValuesOf(**reopened).back(), "resumed");
}

TEST(EmbeddedLogFullDiskTest, ARollOnAFullDiskWritesNothingAndTheSameAppendSucceedsOnceSpaceIsBack) {
  testing::TempDir tmp("log-full-roll");
  FullDisk disk(0, /*creations_only=*/true);
  EmbeddedLogOptions o = OnePartition();
  o.segment_bytes = 256;  // every few records roll to a new segment file
  auto log = EmbeddedEventLog::Open(tmp.path(), o);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  const std::string value(100, 'v');
  std::vector<std::string> written;
  int refused = 0;
  for (int i = 0; i < 12; ++i) {
    disk.full = true;  // the disk fills up whenever a new segment is needed
    const std::string v = value + std::to_string(i);
    Result<int64_t> r = (*log)->Append("k", One(v));
    if (!r.ok()) {
      ++refused;
      EXPECT_NE(r.status().message().find("open failed: No space left on device"), std::string::npos)
          << r.status().ToString();
      disk.full = false;
      r = (*log)->Append("k", One(v));  // a failed roll wrote nothing: retry at once
    }
    ASSERT_TRUE(r.ok()) << "append " << i << ": " << r.status().ToString();
    written.push_back(v);
  }
  EXPECT_GE(refused, 3) << "appends that met the full disk at a roll";
  disk.full = false;
  ASSERT_TRUE((*log)->Flush().ok());
  EXPECT_EQ(ValuesOf(**log), written);
}

TEST(EmbeddedLogFullDiskTest, BufferedAppendsThatMeetAFullDiskFailTheFlushAndReopeningKeepsTheFlushed) {
  testing::TempDir tmp("log-full-block");
  FullDisk disk(/*allow_bytes=*/30);
  EmbeddedLogOptions o = OnePartition();
  o.block_bytes = 1 << 20;
  {
    auto log = EmbeddedEventLog::Open(tmp.path(), o);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->Append("k", One("before-" + std::to_string(i))).ok());
    ASSERT_TRUE((*log)->Flush().ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->Append("k", One("lost-" + std::to_string(i))).ok());
    disk.full = true;
    Status s = (*log)->Flush();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
    EXPECT_NE(s.message().find(tmp.path().string() + "/p000/00000000000000000000.seg: write failed: "
                               "No space left on device"),
              std::string::npos)
        << s.ToString();
    disk.full = false;
    EXPECT_FALSE((*log)->Append("k", One("refused")).ok()) << "poisoned until reopened";
  }
  auto reopened = EmbeddedEventLog::Open(tmp.path(), o);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ASSERT_EQ((*reopened)->recovery_notes().size(), 1u) << "the torn block is cut off";
  ASSERT_TRUE((*reopened)->Append("k", One("after-reopen")).ok());
  ASSERT_TRUE((*reopened)->Flush().ok());
  EXPECT_EQ(ValuesOf(**reopened), (std::vector<std::string>{"before-0", "before-1", "before-2", "before-3",
                                                            "before-4", "after-reopen"}));
}

TEST(EmbeddedLogFullDiskTest, ABufferedRollOnAFullDiskFailsTheFlushAndTheSameFlushSucceedsLater) {
  testing::TempDir tmp("log-full-block-roll");
  FullDisk disk(0, /*creations_only=*/true);
  EmbeddedLogOptions o = OnePartition();
  o.block_bytes = 1 << 20;
  o.segment_bytes = 64;
  auto log = EmbeddedEventLog::Open(tmp.path(), o);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  std::vector<std::string> written;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) {
      written.push_back("r" + std::to_string(round) + "-" + std::string(40, 'v') + std::to_string(i));
      ASSERT_TRUE((*log)->Append("k", One(written.back())).ok());
    }
    disk.full = true;  // every Flush needs a new segment (64 bytes each)
    Status s = (*log)->Flush();
    ASSERT_FALSE(s.ok()) << "round " << round;
    EXPECT_NE(s.message().find("open failed: No space left on device"), std::string::npos) << s.ToString();
    EXPECT_EQ(*(*log)->EndOffset(0), 4 * round) << "nothing of the block was written";
    disk.full = false;
    ASSERT_TRUE((*log)->Flush().ok()) << "round " << round;
  }
  EXPECT_EQ(ValuesOf(**log), written);
}

}  // namespace
}  // namespace ledger
