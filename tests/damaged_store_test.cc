// Damaged stores (issue 17, item 5), as an operator meets them: a small
// `ledger demo`, then one file of the projection store, the log or the token
// and establishment files deleted, cut or overwritten. Every command that
// reads it, and ledgerd's startup, must exit 1 naming what is damaged and the
// way out; `ledger rebuild` must give back the undamaged answers (README
// "Damage" of projections/ and events/embedded/).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "events/testing/temp_dir.h"
#include "tests/ledger_runner.h"

namespace {

namespace fs = std::filesystem;
using ledger::testing::CliRun;
using ledger::testing::RunLedger;
using ledger::testing::FileBytes;

// ledgerd on `data` until it exits or 30 s pass (then killed: a hang fails).
CliRun RunLedgerd(const fs::path& data, const fs::path& dir) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    std::freopen((dir / "out").c_str(), "w", stdout);
    std::freopen((dir / "err").c_str(), "w", stderr);
    execl(LEDGERD_BIN, LEDGERD_BIN, "--data", data.c_str(), "--listen", "127.0.0.1:0", nullptr);
    _exit(127);
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "ledgerd still running after 30 s on a damaged store";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = FileBytes(dir / "out");
  r.err = FileBytes(dir / "err");
  return r;
}

// The message and exit code, for the reader of the test's output.
void Show(const CliRun& r) {
  std::string err = r.err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  std::printf("  exit %d: %s\n", r.code, err.substr(err.rfind('\n') + 1).c_str());
}

void Overwrite(const fs::path& f, uintmax_t at, size_t n) {
  std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
  io.seekp(static_cast<std::streamoff>(at));
  io << std::string(n, '\x5a');
}

// The files of `dir` whose names start with `prefix` and end with `suffix`, sorted.
std::vector<fs::path> Files(const fs::path& dir, const std::string& prefix, const std::string& suffix = "") {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(suffix)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint32_t Le32(const std::string& b, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}

std::string SegmentName(int64_t base) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld.seg", static_cast<long long>(base));
  return name;
}

// Splits a partition's only segment into three at frame boundaries (the
// layout of events/embedded/README.md: magic, payload_len, crc, base_offset,
// count, …), as a log written with smaller segments would be. Returns the
// three segments' paths and base offsets.
std::vector<std::pair<fs::path, int64_t>> SplitInThree(const fs::path& partition_dir) {
  const fs::path only = partition_dir / SegmentName(0);
  const std::string bytes = FileBytes(only);
  std::vector<std::pair<size_t, int64_t>> frames;  // byte position, base offset
  for (size_t pos = 0; pos < bytes.size(); pos += 12 + Le32(bytes, pos + 4)) {
    int64_t base = 0;
    for (int i = 7; i >= 0; --i) base = base << 8 | static_cast<unsigned char>(bytes[pos + 12 + i]);
    frames.emplace_back(pos, base);
  }
  EXPECT_GE(frames.size(), 3u);
  const size_t cuts[] = {0, frames.size() / 3, 2 * frames.size() / 3, frames.size()};
  std::vector<std::pair<fs::path, int64_t>> out;
  for (int i = 0; i < 3; ++i) {
    const size_t from = frames[cuts[i]].first;
    const size_t to = cuts[i + 1] < frames.size() ? frames[cuts[i + 1]].first : bytes.size();
    const int64_t base = frames[cuts[i]].second;
    const fs::path f = partition_dir / SegmentName(base);
    std::ofstream(f, std::ios::binary | std::ios::trunc) << bytes.substr(from, to - from);
    out.emplace_back(f, base);
  }
  return out;
}

class DamagedStoreTest : public ::testing::Test {
 protected:
  // One demo for the whole suite, its store caught up; each test damages a copy.
  static void SetUpTestSuite() {
    pristine_ = new ledger::testing::TempDir("damaged-pristine");
    const fs::path d = pristine_->path() / "data";
    CliRun demo = RunLedger({"demo", "--scale", "0.005", "--data", d.string()}, pristine_->path());
    ASSERT_EQ(demo.code, 0) << demo.err;
    stats_ = new CliRun(RunLedger({"stats", "--by", "establishment", "--format", "csv", "--data", d.string()},
                                  pristine_->path()));
    ASSERT_EQ(stats_->code, 0) << stats_->err;
    CliRun exp = RunLedger({"export", "--format", "jsonl", "--data", d.string()}, pristine_->path());
    ASSERT_EQ(exp.code, 0) << exp.err;
    size_t at = 0;  // the first account's stream (not an establishment's "uai:…")
    do at = exp.out.find("\"stream\":\"", at) + 10;
    while (exp.out.compare(at, 4, "uai:") == 0);
    account_ = new std::string(exp.out.substr(at, exp.out.find('"', at) - at));
    history_ = new CliRun(RunLedger({"history", *account_, "--data", d.string()}, pristine_->path()));
    ASSERT_EQ(history_->code, 0) << history_->err;
  }
  static void TearDownTestSuite() {
    delete pristine_;
    delete stats_;
    delete history_;
    delete account_;
  }
  void SetUp() override { fs::copy(pristine_->path() / "data", data_, fs::copy_options::recursive); }

  CliRun Ledger(std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(data_.string());
    return RunLedger(args, tmp_.path());
  }
  CliRun Stats() { return Ledger({"stats", "--by", "establishment", "--format", "csv"}); }
  CliRun History() { return Ledger({"history", *account_}); }
  fs::path Store() const { return data_ / "projections"; }

  // Read commands and ledgerd refuse, naming the store and the way out; a
  // rebuild says it discards the damaged store and gives the answers back.
  void ExpectRefusedThenRebuilt(const std::string& detail) {
    const std::string damaged = "projection store " + Store().string() + " is damaged (";
    for (CliRun r : {Stats(), History(), RunLedgerd(data_, tmp_.path())}) {
      EXPECT_EQ(r.code, 1) << r.out << r.err;
      EXPECT_NE(r.err.find(damaged), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(detail), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("run `ledger rebuild`"), std::string::npos) << r.err;
      Show(r);
    }
    CliRun rebuild = Ledger({"rebuild"});
    ASSERT_EQ(rebuild.code, 0) << rebuild.err;
    EXPECT_NE(rebuild.out.find("the projection store " + Store().string() + " is damaged: discarding it"),
              std::string::npos)
        << rebuild.out;
    EXPECT_EQ(Stats().out, stats_->out);
    EXPECT_EQ(History().out, history_->out);
  }

  static ledger::testing::TempDir* pristine_;
  static CliRun* stats_;
  static CliRun* history_;
  static std::string* account_;
  ledger::testing::TempDir tmp_{"damaged"};
  const fs::path data_ = tmp_.path() / "data";
};

ledger::testing::TempDir* DamagedStoreTest::pristine_ = nullptr;
CliRun* DamagedStoreTest::stats_ = nullptr;
CliRun* DamagedStoreTest::history_ = nullptr;
std::string* DamagedStoreTest::account_ = nullptr;

TEST_F(DamagedStoreTest, ProjectionTableFileDeleted) {
  const std::vector<fs::path> sst = Files(Store(), "", ".sst");
  ASSERT_FALSE(sst.empty());
  fs::remove(sst.front());
  ExpectRefusedThenRebuilt(sst.front().stem().string());
}

TEST_F(DamagedStoreTest, ProjectionTableFileOverwrittenInTheMiddle) {
  const std::vector<fs::path> sst = Files(Store(), "", ".sst");
  ASSERT_FALSE(sst.empty());
  Overwrite(sst.front(), fs::file_size(sst.front()) / 2, 64);
  ExpectRefusedThenRebuilt("checksum mismatch");
}

TEST_F(DamagedStoreTest, ProjectionManifestDeleted) {
  const std::vector<fs::path> manifest = Files(Store(), "MANIFEST-");
  ASSERT_EQ(manifest.size(), 1u);
  fs::remove(manifest.front());
  ExpectRefusedThenRebuilt(manifest.front().filename().string());
}

TEST_F(DamagedStoreTest, ProjectionManifestCutInHalf) {
  const std::vector<fs::path> manifest = Files(Store(), "MANIFEST-");
  ASSERT_EQ(manifest.size(), 1u);
  fs::resize_file(manifest.front(), fs::file_size(manifest.front()) / 2);
  ExpectRefusedThenRebuilt("MANIFEST");
}

TEST_F(DamagedStoreTest, ProjectionManifestOverwritten) {
  const std::vector<fs::path> manifest = Files(Store(), "MANIFEST-");
  ASSERT_EQ(manifest.size(), 1u);
  Overwrite(manifest.front(), 20, 40);
  ExpectRefusedThenRebuilt("MANIFEST");
}

TEST_F(DamagedStoreTest, ProjectionCurrentDeleted) {
  fs::remove(Store() / "CURRENT");
  ExpectRefusedThenRebuilt("its CURRENT file is missing");
}

TEST_F(DamagedStoreTest, ProjectionCurrentCutShort) {
  fs::resize_file(Store() / "CURRENT", 5);
  ExpectRefusedThenRebuilt("CURRENT");
}

// The partition of the log whose segment is the largest, split in three.
class DamagedLogTest : public DamagedStoreTest {
 protected:
  void SetUp() override {
    DamagedStoreTest::SetUp();
    fs::path biggest;
    for (const auto& e : fs::recursive_directory_iterator(data_ / "log"))
      if (e.path().extension() == ".seg" && (biggest.empty() || e.file_size() > fs::file_size(biggest)))
        biggest = e.path();
    ASSERT_FALSE(biggest.empty());
    partition_ = std::stoi(biggest.parent_path().filename().string().substr(1));
    segments_ = SplitInThree(biggest.parent_path());
    ASSERT_EQ(segments_.size(), 3u);
    ASSERT_EQ(Stats().out, stats_->out) << "a log in three segments reads the same";
  }
  // Every command that reads the log, and ledgerd, exit 1 with `message`.
  void ExpectRefused(const std::string& message, bool rebuild_too = true) {
    std::vector<CliRun> runs = {Ledger({"export", "--format", "jsonl"}), Stats(), History(),
                                RunLedgerd(data_, tmp_.path())};
    if (rebuild_too) runs.push_back(Ledger({"rebuild"}));
    for (const CliRun& r : runs) {
      EXPECT_EQ(r.code, 1) << r.err;
      EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
      Show(r);
    }
  }
  int partition_ = 0;
  std::vector<std::pair<fs::path, int64_t>> segments_;
};

TEST_F(DamagedLogTest, MiddleSegmentMissingIsDataLossNamingTheRange) {
  fs::remove(segments_[1].first);
  ExpectRefused("partition " + std::to_string(partition_) + ": offsets " + std::to_string(segments_[1].second) +
                " to " + std::to_string(segments_[2].second - 1) + " missing: segment file " +
                segments_[1].first.string() + " absent (the next segment present is " +
                segments_[2].first.filename().string() + ")");
}

TEST_F(DamagedLogTest, FirstSegmentMissingIsDataLossToo) {
  fs::remove(segments_[0].first);
  ExpectRefused("partition " + std::to_string(partition_) + ": offsets 0 to " +
                std::to_string(segments_[1].second - 1) + " missing: segment file " + segments_[0].first.string() +
                " absent (the first segment present is " + segments_[1].first.filename().string() + ")");
}

// The log alone cannot tell (it just ends earlier): the projections, which
// have applied those records, do. A rebuild refuses too; removing the store
// first is how an operator accepts the loss.
TEST_F(DamagedLogTest, LastSegmentMissingIsFoundByTheProjectionsAndRebuildRefuses) {
  fs::remove(segments_[2].first);
  const std::string message = "partition " + std::to_string(partition_) + ": offsets " +
                              std::to_string(segments_[2].second) + " to ";
  std::vector<CliRun> runs = {Stats(), History(), RunLedgerd(data_, tmp_.path()), Ledger({"rebuild"})};
  for (const CliRun& r : runs) {
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("missing from the log: the projection store " + Store().string()), std::string::npos)
        << r.err;
    Show(r);
  }
  fs::remove_all(Store());
  CliRun rebuild = Ledger({"rebuild"});
  EXPECT_EQ(rebuild.code, 0) << rebuild.err;
  CliRun stats = Stats();
  EXPECT_EQ(stats.code, 0) << stats.err;
  EXPECT_NE(stats.out, stats_->out) << "the records of the deleted segment are no longer counted";
}

// `ledger rebuild --sort-dir`: the same answers, the folder given left as
// it was; one that cannot hold a folder is refused, naming the option.
TEST_F(DamagedStoreTest, RebuildSortingElsewhereGivesTheSameAnswersAndLeavesThatFolderAsItWas) {
  const fs::path runs = tmp_.path() / "runs";
  fs::create_directories(runs);
  { std::ofstream(runs / "the operator's.txt") << "kept\n"; }
  CliRun rebuild = Ledger({"rebuild", "--sort-dir", runs.string()});
  ASSERT_EQ(rebuild.code, 0) << rebuild.err;
  EXPECT_EQ(Stats().out, stats_->out);
  EXPECT_EQ(History().out, history_->out);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(runs)) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"the operator's.txt"});

  CliRun refused = Ledger({"rebuild", "--sort-dir", (runs / "the operator's.txt").string()});
  EXPECT_EQ(refused.code, 1) << refused.out;
  EXPECT_NE(refused.err.find("--sort-dir " + (runs / "the operator's.txt").string() + ": cannot make the folder"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(Stats().out, stats_->out) << "the store rebuilt before stays";
  Show(refused);
}

TEST_F(DamagedStoreTest, TruncatedTokenFileIsRefusedNamingFileAndLine) {
  ASSERT_EQ(Ledger({"token", "add", "--name", "ops1", "--role", "admin"}).code, 0);
  ASSERT_EQ(Ledger({"token", "add", "--name", "ops2", "--role", "auditor"}).code, 0);
  fs::resize_file(data_ / "tokens", fs::file_size(data_ / "tokens") - 20);
  const std::string where = (data_ / "tokens").string() + ":2: ";
  for (CliRun r : {Ledger({"token", "list"}), Ledger({"token", "add", "--name", "ops3", "--role", "admin"}),
                   RunLedgerd(data_, tmp_.path())}) {
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find(where), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("(fix or remove the line)"), std::string::npos) << r.err;
    Show(r);
  }
}

TEST_F(DamagedStoreTest, TruncatedEstablishmentDirectoryIsRefusedNamingFileAndLine) {
  const fs::path tsv = data_ / "establishments.tsv";
  fs::resize_file(tsv, fs::file_size(tsv) / 2);
  const uintmax_t size = fs::file_size(tsv);
  CliRun r = Ledger({"simulate", "--profile", "rennes-35", "--scale", "0.001"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find(tsv.string() + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line without its end (truncated file?)"), std::string::npos) << r.err;
  EXPECT_EQ(fs::file_size(tsv), size) << "left as found";
  Show(r);
}

}  // namespace
