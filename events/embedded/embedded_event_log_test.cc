// EmbeddedEventLog on real files in a fresh temporary directory: the EventLog
// contract (compared against MemoryEventLog), segment rolls, readers that
// follow the writer, recovery of torn tails, corruption reported as DataLoss,
// read-only opens, LOG_META and the writer lock.
#include "events/embedded/embedded_event_log.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "events/embedded/frame.h"
#include "events/embedded/segment.h"
#include "events/identifiers.h"
#include "events/testing/file_bytes.h"
#include "events/testing/memory_event_log.h"

namespace ledger {
namespace {

using ::ledger::testing::FileBytes;

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

void AppendToFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void FlipByte(const fs::path& path, int64_t pos) {
  std::string bytes = FileBytes(path);
  bytes.at(static_cast<size_t>(pos)) ^= 0x20;
  WriteFile(path, bytes);
}

// The segment files of a partition, ascending.
std::vector<fs::path> Segments(const fs::path& log_dir, int32_t partition) {
  char name[8];
  std::snprintf(name, sizeof name, "p%03d", static_cast<int>(partition));
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(log_dir / name))
    if (e.path().extension() == ".seg") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// "0:key=value 1:key=value" — whole partitions compare as one string.
std::string Render(const std::vector<LogRecord>& records) {
  std::string s;
  for (const LogRecord& r : records) {
    if (!s.empty()) s += ' ';
    s += std::to_string(r.offset) + ":" + r.key + "=" + r.value;
  }
  return s;
}

// Every record of `partition` from `from` to the current end.
std::vector<LogRecord> ReadAll(EventLog& log, int32_t partition, int64_t from = 0) {
  std::vector<LogRecord> out;
  auto reader = log.OpenReader(partition, from);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  while (true) {
    auto rec = (*reader)->Next();
    EXPECT_TRUE(rec.ok()) << rec.status().ToString();
    if (!rec.ok() || !rec->has_value()) return out;
    EXPECT_EQ((**rec).partition, partition);
    out.push_back(std::move(**rec));
  }
}

std::vector<std::string> Values(std::initializer_list<const char*> values) {
  return std::vector<std::string>(values.begin(), values.end());
}

// Keys that land in distinct partitions of a `partitions`-partition log.
std::vector<std::string> KeysInDistinctPartitions(int32_t partitions, int n) {
  std::vector<std::string> keys;
  std::vector<bool> taken(static_cast<size_t>(partitions));
  for (int i = 0; static_cast<int>(keys.size()) < n; ++i) {
    std::string key = "stream-" + std::to_string(i);
    int32_t p = PartitionForKey(key, partitions);
    if (taken[static_cast<size_t>(p)]) continue;
    taken[static_cast<size_t>(p)] = true;
    keys.push_back(key);
  }
  return keys;
}

class EmbeddedLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "embedded-log-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ / "log";
  }
  void TearDown() override { fs::remove_all(root_); }

  // Each Append written at once in a frame of its own (block_bytes 0), as
  // the frame-level tests below need; compressed when that saves bytes. The
  // default buffering has tests of its own (…BufferedAppends…).
  static EmbeddedLogOptions Creating(int64_t segment_bytes = 64 << 20) {
    EmbeddedLogOptions o;
    o.create_if_missing = true;
    o.segment_bytes = segment_bytes;
    o.block_bytes = 0;
    return o;
  }
  static EmbeddedLogOptions ReadOnly() {
    EmbeddedLogOptions o;
    o.read_only = true;
    return o;
  }

  std::unique_ptr<EmbeddedEventLog> MustOpen(const EmbeddedLogOptions& o) {
    auto log = EmbeddedEventLog::Open(dir_, o);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(*log) : nullptr;
  }

  // A log of one partition holding offsets 0..4 of key "k" in three frames
  // stored as they are (values "v0".."v4"), flushed and closed. Returns the
  // segment's path.
  fs::path ThreeFrameLog() {
    EmbeddedLogOptions o = Creating();
    o.partitions = 1;
    o.compression = false;
    auto log = MustOpen(o);
    EXPECT_EQ(*log->Append("k", Values({"v0", "v1"})), 0);
    EXPECT_EQ(*log->Append("k", Values({"v2"})), 2);
    EXPECT_EQ(*log->Append("k", Values({"v3", "v4"})), 3);
    EXPECT_TRUE(log->Flush().ok());
    return Segments(dir_, 0).at(0);
  }
  static constexpr const char* kThreeFrames = "0:k=v0 1:k=v1 2:k=v2 3:k=v3 4:k=v4";

  fs::path root_;
  fs::path dir_;
};

TEST_F(EmbeddedLogTest, FrameLayoutIsAsDocumented) {
  std::string frame;
  embedded::EncodeFrame(5, "k", Values({"v", "ww"}), &frame);
  // magic "LDEL", payload_len 12 + (4+1+4+1) + (4+1+4+2) = 33, crc, base 5, count 2.
  ASSERT_EQ(frame.size(), 12u + 33u);
  EXPECT_EQ(frame.substr(0, 4), "LDEL");
  EXPECT_EQ(frame.substr(4, 4), std::string("\x21\0\0\0", 4));
  EXPECT_EQ(frame.substr(12, 12), std::string("\x05\0\0\0\0\0\0\0\x02\0\0\0", 12));
  EXPECT_EQ(frame.substr(24), std::string("\x01\0\0\0k\x01\0\0\0v\x01\0\0\0k\x02\0\0\0ww", 21));
  uint32_t crc = embedded::Crc32(std::string_view(frame).substr(12));
  EXPECT_EQ(
      frame.substr(8, 4),
      std::string({static_cast<char>(crc & 0xff), static_cast<char>((crc >> 8) & 0xff),
                   static_cast<char>((crc >> 16) & 0xff), static_cast<char>((crc >> 24) & 0xff)}));
}

TEST_F(EmbeddedLogTest, AppendsLandInTheKeysPartitionLikeTheMemoryLog) {
  auto log = MustOpen(Creating());
  ASSERT_EQ(log->partition_count(), 12);
  MemoryEventLog expected(12);
  std::vector<std::string> keys = KeysInDistinctPartitions(12, 4);
  for (int round = 0; round < 3; ++round) {
    for (size_t k = 0; k < keys.size(); ++k) {
      std::vector<std::string> values;
      for (size_t i = 0; i <= k; ++i)
        values.push_back(keys[k] + "/r" + std::to_string(round) + "/" + std::to_string(i));
      auto got = log->Append(keys[k], values);
      auto want = expected.Append(keys[k], values);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(*got, *want) << "a multi-value Append returns its first offset";
      EXPECT_EQ(*got, static_cast<int64_t>(round * (k + 1)));
    }
  }
  ASSERT_TRUE(log->Flush().ok());
  for (int32_t p = 0; p < 12; ++p) {
    EXPECT_EQ(*log->EndOffset(p), *expected.EndOffset(p)) << "partition " << p;
    EXPECT_EQ(Render(ReadAll(*log, p)), Render(ReadAll(expected, p))) << "partition " << p;
  }
  const int32_t p3 = PartitionForKey(keys[3], 12);
  EXPECT_EQ(*log->EndOffset(p3), 12);
  EXPECT_THAT(log->recovery_notes(), IsEmpty());
}

TEST_F(EmbeddedLogTest, ReopenSeesEverythingAndContinuesTheOffsets) {
  std::vector<std::string> keys = KeysInDistinctPartitions(12, 3);
  std::vector<std::string> before(12);
  {
    auto log = MustOpen(Creating());
    for (const std::string& key : keys)
      for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->Append(key, Values({"a", "b"})).ok());
    ASSERT_TRUE(log->Flush().ok());
    for (int32_t p = 0; p < 12; ++p) before[static_cast<size_t>(p)] = Render(ReadAll(*log, p));
  }
  EmbeddedLogOptions o;  // no create_if_missing: the log must be found
  auto log = MustOpen(o);
  EXPECT_THAT(log->recovery_notes(), IsEmpty());
  for (int32_t p = 0; p < 12; ++p)
    EXPECT_EQ(Render(ReadAll(*log, p)), before[static_cast<size_t>(p)]) << "partition " << p;
  const int32_t p0 = PartitionForKey(keys[0], 12);
  EXPECT_EQ(*log->EndOffset(p0), 20);
  EXPECT_EQ(*log->Append(keys[0], Values({"c"})), 20);
}

TEST_F(EmbeddedLogTest, ReaderStartsAtAnyOffsetEvenInsideAFrame) {
  ThreeFrameLog();
  auto log = MustOpen(EmbeddedLogOptions{});
  EXPECT_EQ(Render(ReadAll(*log, 0, 0)), kThreeFrames);
  EXPECT_EQ(Render(ReadAll(*log, 0, 1)), "1:k=v1 2:k=v2 3:k=v3 4:k=v4");  // mid-frame
  EXPECT_EQ(Render(ReadAll(*log, 0, 2)), "2:k=v2 3:k=v3 4:k=v4");         // frame start
  EXPECT_EQ(Render(ReadAll(*log, 0, 4)), "4:k=v4");
  EXPECT_EQ(Render(ReadAll(*log, 0, 5)), "");  // the end
}

TEST_F(EmbeddedLogTest, ReaderSeeksThroughTheSparseIndexOfALargeSegment) {
  auto log = MustOpen(Creating());
  const std::string filler(100, 'x');
  for (int i = 0; i < 20000; ++i)  // ~2.6 MB in one segment: several index entries
    ASSERT_TRUE(log->Append("k", std::vector<std::string>{std::to_string(i) + filler}).ok());
  const int32_t p = PartitionForKey("k", 12);
  for (int64_t from : {0, 1, 2047, 9999, 19999}) {
    auto reader = log->OpenReader(p, from);
    ASSERT_TRUE(reader.ok());
    auto rec = (*reader)->Next();
    ASSERT_TRUE(rec.ok() && rec->has_value()) << rec.status().ToString();
    EXPECT_EQ((**rec).offset, from);
    EXPECT_EQ((**rec).value, std::to_string(from) + filler);
  }
  log.reset();
  log = MustOpen(EmbeddedLogOptions{});  // the index rebuilt by recovery
  auto reader = log->OpenReader(p, 15000);
  ASSERT_TRUE(reader.ok());
  auto rec = (*reader)->Next();
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((**rec).value, "15000" + filler);
}

TEST_F(EmbeddedLogTest, SegmentsRollAndAreReadAcrossAndAfterReopen) {
  EmbeddedLogOptions o = Creating(/*segment_bytes=*/200);
  o.partitions = 1;
  std::string want;
  {
    auto log = MustOpen(o);
    for (int i = 0; i < 40; ++i) {
      std::string v = "value-" + std::to_string(i) + std::string(static_cast<size_t>(i), '.');
      ASSERT_EQ(*log->Append("k", std::vector<std::string>{v}), i);
      want += (want.empty() ? "" : " ") + std::to_string(i) + ":k=" + v;
    }
    ASSERT_TRUE(log->Flush().ok());
    EXPECT_EQ(Render(ReadAll(*log, 0)), want);
  }
  std::vector<fs::path> segments = Segments(dir_, 0);
  ASSERT_GT(segments.size(), 5u);
  EXPECT_EQ(segments[0].filename(), "00000000000000000000.seg");
  for (const fs::path& s : segments) {
    // Each segment is named after the offset of its first record…
    std::string bytes = FileBytes(s);
    ASSERT_GE(bytes.size(), 24u);
    int64_t base = 0;
    std::memcpy(&base, bytes.data() + 12, 8);  // little-endian host
    EXPECT_EQ(s.filename(), embedded::SegmentFileName(base));
  }
  for (size_t i = 0; i + 1 < segments.size(); ++i)  // …and only exceeds 200 bytes by its last frame
    EXPECT_GE(fs::file_size(segments[i]), 200u);

  auto log = MustOpen(EmbeddedLogOptions{.segment_bytes = 200});
  EXPECT_EQ(Render(ReadAll(*log, 0)), want);
  EXPECT_EQ(Render(ReadAll(*log, 0, 37)), want.substr(want.find("37:")));
  EXPECT_EQ(*log->Append("k", Values({"more"})), 40);
  EXPECT_EQ(*log->EndOffset(0), 40) << "buffered until the Flush";
  ASSERT_TRUE(log->Flush().ok());
  EXPECT_EQ(ReadAll(*log, 0, 40).at(0).value, "more");
}

TEST_F(EmbeddedLogTest, ReaderAtTheEndSeesLaterAppendsAcrossARoll) {
  EmbeddedLogOptions o = Creating(/*segment_bytes=*/100);
  o.partitions = 1;
  auto log = MustOpen(o);
  auto reader = log->OpenReader(0, 0).value();  // an empty partition: no segment yet
  EXPECT_FALSE((*reader->Next()).has_value());
  ASSERT_TRUE(log->Append("k", Values({"first"})).ok());
  auto rec = reader->Next();
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((**rec).value, "first");
  EXPECT_FALSE((*reader->Next()).has_value());
  for (int i = 0; i < 10; ++i)  // several rolls while the reader waits at the end
    ASSERT_TRUE(log->Append("k", std::vector<std::string>{std::string(60, 'a' + i)}).ok());
  for (int i = 0; i < 10; ++i) {
    rec = reader->Next();
    ASSERT_TRUE(rec.ok() && rec->has_value()) << i;
    EXPECT_EQ((**rec).offset, i + 1);
    EXPECT_EQ((**rec).value, std::string(60, 'a' + i));
  }
  EXPECT_FALSE((*reader->Next()).has_value());
  EXPECT_GT(Segments(dir_, 0).size(), 3u);
}

TEST_F(EmbeddedLogTest, ReaderOnAnotherThreadFollowsTheWriter) {
  EmbeddedLogOptions o = Creating(/*segment_bytes=*/4096);
  o.partitions = 1;
  o.sync_on_flush = false;
  auto log = MustOpen(o);
  constexpr int kRecords = 5000;
  auto reader = log->OpenReader(0, 0).value();
  std::atomic<bool> ok{true};
  std::thread tail([&] {
    int64_t next = 0;
    while (next < kRecords && ok) {
      auto rec = reader->Next();
      if (!rec.ok()) {
        ADD_FAILURE() << rec.status().ToString();
        ok = false;
      } else if (!rec->has_value()) {
        std::this_thread::yield();
      } else {
        if ((**rec).offset != next || (**rec).value != "v" + std::to_string(next)) ok = false;
        ++next;
      }
    }
  });
  // Records reach readers when written: at each Flush (every 7 appends here).
  for (int i = 0; i < kRecords && ok; i += 2) {
    auto appended = log->Append(
        "k", std::vector<std::string>{"v" + std::to_string(i), "v" + std::to_string(i + 1)});
    if (!appended.ok()) {
      ADD_FAILURE() << appended.status().ToString();
      ok = false;
    }
    if (((i / 2) % 7 == 6 || i + 2 >= kRecords) && !log->Flush().ok()) {
      ADD_FAILURE() << "Flush failed";  // not ASSERT: the reader thread must be joined
      ok = false;
    }
  }
  tail.join();
  EXPECT_TRUE(ok);
}

TEST_F(EmbeddedLogTest, TornTailIsTruncatedAtOpenAndAppendsContinue) {
  const fs::path seg = ThreeFrameLog();
  const uintmax_t clean_size = fs::file_size(seg);
  std::string next_frame;
  embedded::EncodeFrame(5, "k", Values({"torn-a", "torn-b"}), &next_frame);
  std::string bad_crc = next_frame;
  bad_crc.back() ^= 1;
  const std::pair<const char*, std::string> kTails[] = {
      {"first half of a frame", next_frame.substr(0, next_frame.size() / 2)},
      {"a few bytes of a header", next_frame.substr(0, 7)},
      {"a whole frame with a bad checksum", bad_crc},
      {"zeros (size extended, data lost)", std::string(4096, '\0')},
  };
  for (const auto& [what, tail] : kTails) {
    SCOPED_TRACE(what);
    AppendToFile(seg, tail);
    auto log = MustOpen(EmbeddedLogOptions{});
    ASSERT_NE(log, nullptr);
    ASSERT_EQ(log->recovery_notes().size(), 1u);
    EXPECT_THAT(log->recovery_notes()[0], HasSubstr("p000/00000000000000000000.seg: truncated " +
                                                    std::to_string(tail.size()) + " torn bytes"));
    EXPECT_EQ(fs::file_size(seg), clean_size);
    EXPECT_EQ(Render(ReadAll(*log, 0)), kThreeFrames);
    EXPECT_EQ(*log->EndOffset(0), 5);
    ASSERT_EQ(*log->Append("k", Values({"after"})), 5);
    ASSERT_TRUE(log->Flush().ok());
    EXPECT_EQ(Render(ReadAll(*log, 0, 4)), "4:k=v4 5:k=after");
    log.reset();
    log = MustOpen(EmbeddedLogOptions{});
    EXPECT_THAT(log->recovery_notes(), IsEmpty());
    EXPECT_EQ(*log->EndOffset(0), 6);
    log.reset();
    fs::resize_file(seg, clean_size);  // back to the three frames for the next tail
  }
}

TEST_F(EmbeddedLogTest, CorruptFrameFollowedByIntactOnesIsDataLossAndNothingIsTruncated) {
  const fs::path seg = ThreeFrameLog();
  const uintmax_t size = fs::file_size(seg);
  // Frame 0 holds "v0","v1": 12 + 12 + 2 × (4+1+4+2) = 46 bytes; frame 1 starts at byte 46.
  FlipByte(seg, 46 + 30);  // inside frame 1's record
  for (bool read_only : {false, true}) {
    SCOPED_TRACE(read_only ? "read-only" : "writer");
    EmbeddedLogOptions o;
    o.read_only = read_only;
    auto log = EmbeddedEventLog::Open(dir_, o);
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
    EXPECT_THAT(log.status().message(),
                HasSubstr(seg.string() + ": corrupt frame at byte 46 (offset 2)"));
    EXPECT_THAT(log.status().message(), HasSubstr("checksum mismatch"));
    EXPECT_EQ(fs::file_size(seg), size);
  }
}

TEST_F(EmbeddedLogTest, CorruptSealedSegmentIsDataLossForItsReader) {
  EmbeddedLogOptions o = Creating(/*segment_bytes=*/100);
  o.partitions = 1;
  {
    auto log = MustOpen(o);
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(log->Append("k", std::vector<std::string>{std::string(50, 'a' + i)}).ok());
    ASSERT_TRUE(log->Flush().ok());
  }
  std::vector<fs::path> segments = Segments(dir_, 0);
  ASSERT_GE(segments.size(), 3u);
  // A flipped value byte in a sealed segment: Open walks frame prefixes only
  // there, so the reader, which checks every checksum, reports it.
  FlipByte(segments[1], 40);
  auto log = MustOpen(EmbeddedLogOptions{});
  auto reader = log->OpenReader(0, 0).value();
  std::string failure;
  for (int i = 0; i < 20 && failure.empty(); ++i) {
    auto rec = reader->Next();
    if (!rec.ok()) failure = rec.status().ToString();
  }
  EXPECT_THAT(
      failure,
      HasSubstr("DATA_LOSS: " + segments[1].string() + ": corrupt frame at byte 0 (offset " +
                std::to_string(std::stoll(segments[1].stem().string())) + "): checksum mismatch"));
  EXPECT_EQ(reader->Next().status().code(), StatusCode::kDataLoss) << "the reader stays failed";
  log.reset();

  // A broken prefix in a sealed segment is found at Open.
  FlipByte(segments[1], 40);  // restore
  FlipByte(segments[0], 1);   // magic
  auto broken = EmbeddedEventLog::Open(dir_, EmbeddedLogOptions{});
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(broken.status().message(),
              HasSubstr(segments[0].string() + ": corrupt frame at byte 0 (offset 0): bad magic"));
}

// A one-partition log of 6 records in 100-byte segments: its segment files.
std::vector<fs::path> SegmentedLog(const fs::path& dir) {
  EmbeddedLogOptions o;
  o.create_if_missing = true;
  o.segment_bytes = 100;
  o.partitions = 1;
  o.block_bytes = 0;
  o.compression = false;
  auto log = EmbeddedEventLog::Open(dir, o);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  for (int i = 0; log.ok() && i < 6; ++i)
    EXPECT_TRUE((*log)->Append("k", std::vector<std::string>{std::string(90, 'x')}).ok());
  return Segments(dir, 0);
}

TEST_F(EmbeddedLogTest, MissingSegmentIsDataLoss) {
  std::vector<fs::path> segments = SegmentedLog(dir_);
  ASSERT_GE(segments.size(), 3u);
  fs::remove(segments[1]);
  for (auto options : {EmbeddedLogOptions{}, ReadOnly()}) {
    auto log = EmbeddedEventLog::Open(dir_, options);
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
    const int64_t from = *embedded::ParseSegmentFileName(segments[1].filename().string());
    const int64_t next = *embedded::ParseSegmentFileName(segments[2].filename().string());
    EXPECT_EQ(log.status().message(),
              "partition 0: offsets " + std::to_string(from) + " to " + std::to_string(next - 1) +
                  " missing: segment file " + segments[1].string() + " absent (the next segment present is " +
                  segments[2].filename().string() +
                  "); the embedded log keeps every segment, so restore the file from a backup");
  }
  EXPECT_FALSE(fs::exists(segments[1])) << "nothing is created in its place";
}

// Damage (README "Damage"): the first segment gone is data loss too (there is
// no retention to move the log's start); the last one gone cannot be told
// from the files alone: the partition ends earlier (the projections' offsets
// tell, see consumers/projector.h).
TEST_F(EmbeddedLogTest, MissingFirstSegmentIsDataLossAndMissingLastOneShortensThePartition) {
  std::vector<fs::path> segments = SegmentedLog(dir_);
  ASSERT_GE(segments.size(), 3u);
  const fs::path saved = root_ / "first.seg";
  fs::rename(segments[0], saved);
  auto log = EmbeddedEventLog::Open(dir_, ReadOnly());
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(),
              HasSubstr("partition 0: offsets 0 to " +
                        std::to_string(*embedded::ParseSegmentFileName(segments[1].filename().string()) - 1) +
                        " missing: segment file " + segments[0].string() + " absent (the first segment present is"));
  fs::rename(saved, segments[0]);
  fs::remove(segments.back());
  auto shorter = MustOpen(ReadOnly());
  EXPECT_EQ(*shorter->EndOffset(0), *embedded::ParseSegmentFileName(segments.back().filename().string()));
}

TEST_F(EmbeddedLogTest, ReadOnlyOpenOfATornLogModifiesNothing) {
  const fs::path seg = ThreeFrameLog();
  std::string frame;
  embedded::EncodeFrame(5, "k", Values({"torn"}), &frame);
  AppendToFile(seg, frame.substr(0, 20));
  const uintmax_t torn_size = fs::file_size(seg);
  auto log = MustOpen(ReadOnly());
  ASSERT_EQ(log->recovery_notes().size(), 1u);
  EXPECT_THAT(log->recovery_notes()[0], HasSubstr("ignoring 20 torn bytes"));
  EXPECT_EQ(Render(ReadAll(*log, 0)), kThreeFrames);
  EXPECT_EQ(*log->EndOffset(0), 5);
  EXPECT_EQ(log->Append("k", Values({"x"})).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(log->Flush().ok());
  EXPECT_EQ(fs::file_size(seg), torn_size);
}

TEST_F(EmbeddedLogTest, MissingLogIsNotFoundAndNothingIsCreated) {
  for (bool read_only : {false, true}) {
    EmbeddedLogOptions o;
    o.read_only = read_only;
    auto log = EmbeddedEventLog::Open(dir_, o);
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(log.status().message(),
                HasSubstr("no embedded log at " + dir_.string() + " (LOG_META missing)"));
    EXPECT_THAT(log.status().message(), HasSubstr("ledger demo"));
    EXPECT_FALSE(fs::exists(dir_));
  }
}

TEST_F(EmbeddedLogTest, StoredPartitionCountWinsOverOptions) {
  EmbeddedLogOptions o = Creating();
  o.partitions = 3;
  ASSERT_NE(MustOpen(o), nullptr);
  EXPECT_EQ(FileBytes(dir_ / "LOG_META"), "ledger-embedded-log 1\npartitions 3\n");
  EXPECT_TRUE(fs::is_directory(dir_ / "p002"));
  EXPECT_FALSE(fs::exists(dir_ / "p003"));
  o.partitions = 12;
  auto log = EmbeddedEventLog::Open(dir_ / "", o);  // a trailing slash is harmless
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->dir(), dir_);
  EXPECT_EQ((*log)->partition_count(), 3);
  EXPECT_EQ((*log)->EndOffset(3).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EmbeddedLogTest, FailedWriteDisablesTheLogAndReopenTruncatesThePartialFrame) {
  constexpr rlim_t kFileLimit = 10000;
  const std::vector<std::string> value{std::string(1000, 'v')};
  const int64_t frame_bytes = 12 + 12 + 4 + 1 + 4 + 1000;
  const int64_t whole_frames = static_cast<int64_t>(kFileLimit) / frame_bytes;
  const fs::path seg = dir_ / "p000" / "00000000000000000000.seg";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // a file size limit makes write(2) fail part-way through a frame
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit{kFileLimit, kFileLimit};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(10);
    EmbeddedLogOptions o = Creating();
    o.partitions = 1;
    o.compression = false;  // frames of a known size
    auto log = EmbeddedEventLog::Open(dir_, o);
    if (!log.ok()) _exit(11);
    for (int64_t i = 0; i < whole_frames; ++i)
      if (!(*log)->Append("k", value).ok()) _exit(12);
    if (!(*log)->Flush().ok()) _exit(13);
    auto failed = (*log)->Append("k", value);
    if (failed.ok() || failed.status().code() != StatusCode::kUnavailable ||
        failed.status().message().find(seg.string() + ": write failed: File too large") ==
            std::string::npos)
      _exit(14);
    auto refused = (*log)->Append("k", std::vector<std::string>{"small"});
    if (refused.ok() ||
        refused.status().message().find("disabled until reopened") == std::string::npos)
      _exit(15);
    if ((*log)->Flush().ok()) _exit(16);
    if (*(*log)->EndOffset(0) != whole_frames) _exit(17);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "see the _exit codes in the child";
  ASSERT_EQ(fs::file_size(seg), kFileLimit);

  auto log = MustOpen(EmbeddedLogOptions{});
  ASSERT_EQ(log->recovery_notes().size(), 1u);
  EXPECT_THAT(log->recovery_notes()[0],
              HasSubstr("truncated " + std::to_string(kFileLimit - whole_frames * frame_bytes) +
                        " torn bytes at byte " + std::to_string(whole_frames * frame_bytes)));
  EXPECT_EQ(*log->EndOffset(0), whole_frames);
  EXPECT_EQ(ReadAll(*log, 0).size(), static_cast<size_t>(whole_frames));
  EXPECT_EQ(*log->Append("k", value), whole_frames);
}

TEST_F(EmbeddedLogTest, MalformedLogMetaIsDataLossNamingIt) {
  ASSERT_NE(MustOpen(Creating()), nullptr);
  for (const char* text :
       {"ledger-embedded-log 2\npartitions 3\n", "ledger-embedded-log 1\n",
        "ledger-embedded-log 1\npartitions 0\n", "ledger-embedded-log 1\npartitions 3x\n"}) {
    WriteFile(dir_ / "LOG_META", text);
    auto log = EmbeddedEventLog::Open(dir_, EmbeddedLogOptions{});
    ASSERT_FALSE(log.ok()) << text;
    EXPECT_EQ(log.status().code(), StatusCode::kDataLoss) << text;
    EXPECT_THAT(log.status().message(), HasSubstr((dir_ / "LOG_META").string() + ": malformed"));
  }
}

// The frames of a segment file: (magic, base offset, count) each.
struct StoredFrame {
  uint32_t magic;
  int64_t base;
  uint32_t count;
};
std::vector<StoredFrame> FramesOf(const fs::path& segment) {
  const std::string bytes = FileBytes(segment);
  std::vector<StoredFrame> out;
  for (size_t pos = 0; pos + embedded::kFramePrefixBytes <= bytes.size();) {
    const embedded::FramePrefix p = embedded::ParsePrefix(std::string_view(bytes).substr(pos));
    out.push_back({p.magic, p.base_offset, p.count});
    pos += static_cast<size_t>(p.frame_bytes());
  }
  return out;
}

// A record as the ledger writes them: mostly field names and codes, some hex.
std::string EventLike(int i) {
  return "{\"stream\":\"pupil-" + std::to_string(1000 + i % 37) +
         "\",\"type\":\"AccountNotified\",\"channel\":\"letter\",\"uai\":\"0310" +
         std::to_string(100 + i % 11) + "X\",\"seq\":" + std::to_string(i) + "}";
}

TEST_F(EmbeddedLogTest, BufferedAppendsAreWrittenAsOneCompressedFrameAtFlush) {
  EmbeddedLogOptions o;  // the defaults: buffered, zstd
  o.create_if_missing = true;
  o.partitions = 1;
  auto log = MustOpen(o);
  std::string want;
  size_t raw_bytes = 0;
  for (int i = 0; i < 300; i += 3) {
    std::vector<std::string> values{EventLike(i), EventLike(i + 1), EventLike(i + 2)};
    ASSERT_EQ(*log->Append("k", values), i);
    for (int j = 0; j < 3; ++j) {
      want += (want.empty() ? "" : " ") + std::to_string(i + j) + ":k=" + values[j];
      raw_bytes += 4 + 1 + 4 + values[j].size();
    }
  }
  EXPECT_EQ(*log->EndOffset(0), 0) << "nothing written before the Flush";
  EXPECT_EQ(Render(ReadAll(*log, 0)), "");
  ASSERT_TRUE(log->Flush().ok());
  EXPECT_EQ(*log->EndOffset(0), 300);
  EXPECT_EQ(Render(ReadAll(*log, 0)), want);
  EXPECT_EQ(Render(ReadAll(*log, 0, 151)), want.substr(want.find("151:")));

  const fs::path seg = Segments(dir_, 0).at(0);
  const std::vector<StoredFrame> frames = FramesOf(seg);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].magic, embedded::kCompressedFrameMagic);
  EXPECT_EQ(frames[0].count, 300u);
  EXPECT_LT(fs::file_size(seg) * 4, raw_bytes) << "zstd keeps less than a quarter";
  log.reset();
  EXPECT_EQ(Render(ReadAll(*MustOpen(ReadOnly()), 0)), want) << "and reads back after a reopen";
}

TEST_F(EmbeddedLogTest, AFullBlockIsWrittenAtOnceAndNoAppendIsSplit) {
  EmbeddedLogOptions o;
  o.create_if_missing = true;
  o.partitions = 1;
  o.block_bytes = 4096;
  auto log = MustOpen(o);
  int64_t appended = 0;
  while (*log->EndOffset(0) == 0) {  // until a block fills, without any Flush
    std::vector<std::string> values{EventLike(static_cast<int>(appended)),
                                    EventLike(static_cast<int>(appended + 1)),
                                    EventLike(static_cast<int>(appended + 2))};
    ASSERT_EQ(*log->Append("k", values), appended);
    appended += 3;
    ASSERT_LT(appended, 300) << "4 KiB of records hold fewer than 300 of them";
  }
  // Written when the next Append would not fit: that one starts the next block.
  EXPECT_EQ(*log->EndOffset(0), appended - 3);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(log->Append("k", Values({"v", "w", "x"})).ok());
  ASSERT_TRUE(log->Flush().ok());
  const std::vector<StoredFrame> frames = FramesOf(Segments(dir_, 0).at(0));
  ASSERT_GE(frames.size(), 2u);
  for (const StoredFrame& f : frames) EXPECT_EQ(f.count % 3, 0u) << "whole Appends only";
  EXPECT_EQ(ReadAll(*log, 0).size(), static_cast<size_t>(appended + 600));
}

TEST_F(EmbeddedLogTest, ClosingWritesWhatIsBufferedAndOldFramesReadWithNewOnes) {
  EmbeddedLogOptions old_style = Creating();  // a log of an earlier version: plain frames
  old_style.partitions = 1;
  old_style.compression = false;
  std::string want;
  auto add = [&](EmbeddedEventLog& log, int i) {
    const std::string v = EventLike(i) + EventLike(i);
    ASSERT_EQ(*log.Append("k", std::vector<std::string>{v}), i);
    want += (want.empty() ? "" : " ") + std::to_string(i) + ":k=" + v;
  };
  {
    auto log = MustOpen(old_style);
    for (int i = 0; i < 5; ++i) add(*log, i);
    ASSERT_TRUE(log->Flush().ok());
  }
  {
    EmbeddedLogOptions o;  // this version's defaults
    auto log = MustOpen(o);
    for (int i = 5; i < 10; ++i) add(*log, i);
    // Closed without a Flush: written (not synced), as each Append once was.
  }
  auto log = MustOpen(ReadOnly());
  EXPECT_EQ(Render(ReadAll(*log, 0)), want);
  const std::vector<StoredFrame> frames = FramesOf(Segments(dir_, 0).at(0));
  ASSERT_EQ(frames.size(), 6u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(frames[i].magic, embedded::kFrameMagic);
  EXPECT_EQ(frames[5].magic, embedded::kCompressedFrameMagic);
  EXPECT_EQ(frames[5].base, 5);
  EXPECT_EQ(frames[5].count, 5u);
}

TEST_F(EmbeddedLogTest, ACompressedFrameThatDoesNotDecompressIsDataLoss) {
  {
    EmbeddedLogOptions o;
    o.create_if_missing = true;
    o.partitions = 1;
    auto log = MustOpen(o);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(log->Append("k", std::vector<std::string>{EventLike(i)}).ok());
    ASSERT_TRUE(log->Flush().ok());
    for (int i = 50; i < 60; ++i) ASSERT_TRUE(log->Append("k", std::vector<std::string>{EventLike(i)}).ok());
    ASSERT_TRUE(log->Flush().ok());
  }
  const fs::path seg = Segments(dir_, 0).at(0);
  ASSERT_EQ(FramesOf(seg).size(), 2u);
  // Inside the first frame's zstd bytes, with its crc made right again: what
  // a checksum cannot catch, decoding must.
  std::string bytes = FileBytes(seg);
  bytes[40] ^= 0x55;
  const embedded::FramePrefix p = embedded::ParsePrefix(bytes);
  const uint32_t crc = embedded::Crc32(std::string_view(bytes).substr(12, p.payload_len));
  for (int i = 0; i < 4; ++i) bytes[8 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  WriteFile(seg, bytes);
  for (auto options : {EmbeddedLogOptions{}, ReadOnly()}) {
    auto log = EmbeddedEventLog::Open(dir_, options);
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
    EXPECT_THAT(log.status().message(),
                HasSubstr(seg.string() + ": corrupt frame at byte 0 (offset 0): "));
    EXPECT_THAT(log.status().message(), HasSubstr("decompress"));
  }
}

TEST_F(EmbeddedLogTest, SecondWriterIsRefusedWhileTheFirstHoldsTheLock) {
  auto log = MustOpen(Creating());
  ASSERT_TRUE(log->Append("k", Values({"v"})).ok());
  // flock() locks belong to an open file description: the contender must be
  // another process, as it is in production.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto second = EmbeddedEventLog::Open(dir_, EmbeddedLogOptions{});
    bool refused = !second.ok() && second.status().code() == StatusCode::kFailedPrecondition &&
                   second.status().message() == "another process holds the embedded log at " +
                                                    dir_.string() + " (LOCK): stop it first";
    auto reader = EmbeddedEventLog::Open(dir_, ReadOnly());  // readers take no lock
    _exit(!refused ? 1 : !reader.ok() ? 2 : 0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: second writer not refused; 2: read-only open failed";
  log.reset();
  EXPECT_NE(MustOpen(EmbeddedLogOptions{}), nullptr) << "the lock goes with the writer";
}

TEST_F(EmbeddedLogTest, InvalidArgumentsAreRefused) {
  auto log = MustOpen(Creating());
  const int32_t p = PartitionForKey("k", 12);
  ASSERT_TRUE(log->Append("k", Values({"a", "b"})).ok());
  EXPECT_EQ(log->OpenReader(p, -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->OpenReader(p, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(log->OpenReader(p, 3).status().message(), HasSubstr("outside [0, 2]"));
  EXPECT_TRUE(log->OpenReader(p, 2).ok());
  EXPECT_EQ(log->OpenReader(12, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->OpenReader(-1, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->EndOffset(12).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Append("k", {}).status().code(), StatusCode::kInvalidArgument);
  std::vector<std::string> huge{std::string((64u << 20) + 1, 'x')};
  EXPECT_EQ(log->Append("k", huge).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*log->Append("k", Values({"c"})), 2) << "refused appends took no offset";
  auto both = EmbeddedEventLog::Open(
      dir_, EmbeddedLogOptions{.create_if_missing = true, .read_only = true});
  EXPECT_EQ(both.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ledger
