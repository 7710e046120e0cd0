#include "consumers/run_file.h"

#include <sys/vfs.h>
#include <unistd.h>

#include <random>

#include <gtest/gtest.h>

#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

constexpr long kTmpfsMagic = 0x01021994;

// Bytes no two runs of the test share by chance: a position-dependent pattern.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  std::mt19937 rng(7);
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// The reader is at the end of its file: the next read gives nothing.
void ExpectEnd(RunFileReader& r) {
  char one;
  Result<bool> end = r.Read(&one, 1);
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_FALSE(*end);
}

// Writes `bytes` in pieces of 1 to 5,000 bytes, reads it back in pieces of
// other sizes through a reader buffer of 12 KiB, and checks every byte, the
// file's size and the end.
// `write_io` and `read_io`: how the file is written and read (a file is the
// same bytes either way).
void RoundTrip(const std::filesystem::path& file, const std::string& bytes,
               RunFileIo write_io = RunFileIo::kDirectWhereAllowed, RunFileIo read_io = RunFileIo::kDirectWhereAllowed) {
  auto w = RunFileWriter::Create(file, write_io);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::mt19937 rng(1);
  for (size_t at = 0; at < bytes.size();) {
    const size_t n = std::min<size_t>(bytes.size() - at, 1 + rng() % 5000);
    ASSERT_TRUE((*w)->Append(bytes.data() + at, n).ok());
    at += n;
  }
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ(std::filesystem::file_size(file), bytes.size());  // no padding left behind

  auto r = RunFileReader::Open(file, 12 << 10, read_io);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string back;
  for (;;) {
    std::string piece(std::min<size_t>(1 + rng() % 7000, bytes.size() - back.size()), '\0');
    if (piece.empty()) break;
    Result<bool> got = (*r)->Read(piece.data(), piece.size());
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got);
    back += piece;
  }
  EXPECT_TRUE(back == bytes);
  ExpectEnd(**r);
}

TEST(RunFileTest, GivesBackEveryByteWrittenWhateverThePiecesSizes) {
  testing::TempDir tmp("runfile");
  RoundTrip(tmp.path() / "a.run", Pattern((3 << 20) + 123));  // whole write buffers, then a partial one
  RoundTrip(tmp.path() / "b.run", Pattern(4096 * 3));         // ends on a block boundary
  RoundTrip(tmp.path() / "c.run", Pattern(17));
}

// The way taken where the file system refuses O_DIRECT (this machine's
// file systems all take it): through the page cache, and either way on
// either side of a file.
TEST(RunFileTest, ThroughThePageCacheAndMixedGiveBackEveryByte) {
  testing::TempDir tmp("run-file-buffered");
  const std::string bytes = Pattern((size_t{3} << 20) + 12345);
  const RunFileIo d = RunFileIo::kDirectWhereAllowed, b = RunFileIo::kBuffered;
  RoundTrip(tmp.path() / "bb", bytes, b, b);
  RoundTrip(tmp.path() / "bd", bytes, b, d);
  RoundTrip(tmp.path() / "db", bytes, d, b);
  RoundTrip(tmp.path() / "small", Pattern(100), b, b);
}

TEST(RunFileTest, AnEmptyFileEndsAtOnce) {
  testing::TempDir tmp("runfile");
  auto w = RunFileWriter::Create(tmp.path() / "e.run");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto r = RunFileReader::Open(tmp.path() / "e.run", 4096);
  ASSERT_TRUE(r.ok());
  ExpectEnd(**r);
}

TEST(RunFileTest, AFileEndingInsideAReadIsAnErrorNamingIt) {
  testing::TempDir tmp("runfile");
  const std::filesystem::path file = tmp.path() / "cut.run";
  const std::string bytes = Pattern(10000);
  auto w = RunFileWriter::Create(file);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(bytes.data(), bytes.size()).ok());
  ASSERT_TRUE((*w)->Close().ok());
  std::filesystem::resize_file(file, 9000);
  auto r = RunFileReader::Open(file, 4096);
  ASSERT_TRUE(r.ok());
  std::string out(10000, '\0');
  Result<bool> got = (*r)->Read(out.data(), out.size());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("cut.run"), std::string::npos) << got.status().ToString();
  EXPECT_NE(got.status().message().find("cut short"), std::string::npos) << got.status().ToString();
}

TEST(RunFileTest, AMissingDirectoryIsAnErrorNamingTheFile) {
  testing::TempDir tmp("runfile");
  auto w = RunFileWriter::Create(tmp.path() / "no" / "x.run");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(w.status().message().find("x.run"), std::string::npos) << w.status().ToString();
  auto r = RunFileReader::Open(tmp.path() / "no" / "x.run", 4096);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("x.run"), std::string::npos) << r.status().ToString();
}

// On tmpfs: before Linux 6.6 it refused O_DIRECT at open, and the files then
// go through the page cache; since, it takes it (this machine's 6.x does).
TEST(RunFileTest, WorksOnTmpfs) {
  struct statfs fs {};
  if (::statfs("/dev/shm", &fs) != 0 || fs.f_type != kTmpfsMagic) GTEST_SKIP() << "no tmpfs at /dev/shm";
  const std::filesystem::path file =
      std::filesystem::path("/dev/shm") / ("ledger-runfile-" + std::to_string(::getpid()) + ".run");
  RoundTrip(file, Pattern((1 << 20) + 4097));
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace ledger
