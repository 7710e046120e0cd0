// A real full disk (issue 17, item 4): ledgerd and `ledger submit` on a
// small tmpfs (mounted by the test; skipped, saying why, when it may not
// mount: not root, or no CAP_SYS_ADMIN in the container). A filler file takes
// the last free byte while commands keep coming, so the log's appends and the
// projections' commits meet a real ENOSPC:
//  - ledgerd answers 503 with a reason naming the file and "No space left on
//    device", keeps serving reads, and writes again once the filler is
//    removed — without a restart;
//  - `ledger submit` exits ≠ 0 naming the file, and the same file submitted
//    again after space is freed appends what was missing;
//  - every acknowledged command is in the log exactly once, and the
//    projections equal a clean rebuild of the log.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aggregates/command_json.h"
#include "aggregates/testing/workload.h"
#include "events/testing/temp_dir.h"
#include "tests/crash_checks.h"
#include "tests/ledgerd_runner.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A tmpfs of `mib` MiB mounted at `dir` for the object's life.
class SmallDisk {
 public:
  SmallDisk(fs::path dir, int mib) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    const std::string opts = "size=" + std::to_string(mib) + "m,mode=0700";
    if (geteuid() != 0) {
      why_not_ = "not root: cannot mount a small tmpfs";
    } else if (mount("ledger-full-disk", dir_.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      why_not_ = std::string("mount tmpfs failed: ") + std::strerror(errno);
    }
  }
  ~SmallDisk() {
    if (why_not_.empty()) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return why_not_.empty(); }
  const std::string& why_not() const { return why_not_; }

  // Writes a filler file until the disk refuses a byte more.
  void Fill() {
    std::ofstream out(dir_ / "filler", std::ios::binary | std::ios::app);
    const std::string chunk(64 << 10, 'f');
    while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) && out.flush()) {
    }
    out.clear();
    for (char c = 0; out.put(c) && out.flush();) {
    }
  }
  void Free() { fs::remove(dir_ / "filler"); }

 private:
  fs::path dir_;
  std::string why_not_;
};

// ledgerd's notes without its request lines.
std::string NotesOf(const std::string& err) {
  std::string out;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.find(" ledgerd: ") != std::string::npos || line.find("ledgerd") == std::string::npos) out += line + "\n";
  return out;
}

// The workload as POST /v1/commands batches of 10.
std::vector<std::string> Batches(const std::vector<Command>& commands) {
  std::vector<std::string> out;
  for (size_t i = 0; i < commands.size(); i += 10) {
    std::string batch = "[";
    for (size_t j = i; j < std::min(i + 10, commands.size()); ++j)
      batch += (j > i ? "," : "") + CommandToJson(commands[j]).dump();
    out.push_back(batch + "]");
  }
  return out;
}

TEST(FullDiskTest, LedgerdAnswers503NamingTheFileWhileTheDiskIsFullAndWritesAgainOnceFreed) {
  TempDir tmp("full-disk");
  SmallDisk disk(tmp.path() / "disk", 192);  // RocksDB resumes only with a write buffer (64 MiB) free, next to DATA/keys
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  const fs::path data = tmp.path() / "disk" / "data";
  ASSERT_EQ(RunLedger({"demo", "--rules", "--data", data.string()}, tmp.path()).code, 0);
  CliRun token = RunLedger({"token", "add", "--name", "svc", "--role", "service", "--data", data.string()}, tmp.path());
  ASSERT_EQ(token.code, 0) << token.err;
  const std::string svc = token.out.substr(0, token.out.find('\n'));
  const std::vector<Command> commands = GenerateWorkload({300, 17, "fd"});
  const std::vector<std::string> batches = Batches(commands);

  Ledgerd d(data, tmp.path() / "run");
  ASSERT_TRUE(d.serving()) << d.err();
  ASSERT_TRUE(d.WaitReady());
  Acks acks;
  auto post = [&](const std::string& batch) {
    HttpResult r = Http(d.url(), "POST", "/v1/commands", svc, batch, std::chrono::seconds(60));
    if (r.status == 200) {
      const json doc = json::parse(r.body);
      for (const json& result : doc["results"]) acks.Record(result);
    }
    return r;
  };
  size_t next = 0;
  for (; next < batches.size() / 3; ++next) ASSERT_EQ(post(batches[next]).status, 200);

  disk.Fill();
  int refused = 0;
  std::string reason;
  for (int i = 0; i < 20 && next < batches.size(); ++i) {
    HttpResult r = post(batches[next]);
    if (r.status == 200) {
      ++next;  // the last free blocks took it
      continue;
    }
    ASSERT_EQ(r.status, 503) << r.body << r.error;
    ++refused;
    reason += r.body;
  }
  ASSERT_GT(refused, 0) << "the full disk refused nothing";
  EXPECT_NE(reason.find("No space left on device"), std::string::npos) << reason;
  EXPECT_NE(reason.find(data.string()), std::string::npos) << "the reason names the file: " << reason;
  EXPECT_EQ(Http(d.url(), "GET", "/healthz").status, 200) << "still serving while the disk is full";

  disk.Free();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (next < batches.size() && std::chrono::steady_clock::now() < deadline) {
    HttpResult r = post(batches[next]);
    if (r.status == 200) {
      ++next;
    } else {
      ASSERT_EQ(r.status, 503) << r.body << r.error << d.err();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  ASSERT_EQ(next, batches.size()) << "writes did not resume once space was freed";
  ASSERT_TRUE(d.WaitReady(std::chrono::seconds(90))) << "the projections did not catch up once space was freed\n"
                                                      << NotesOf(d.err());
  EXPECT_EQ(d.Term(), 0) << d.err();
  const std::string notes = NotesOf(d.err());
  auto count = [&](const std::string& what) {
    int n = 0;
    for (size_t at = notes.find(what); at != std::string::npos; at = notes.find(what, at + 1)) ++n;
    return n;
  };
  std::fprintf(stderr,
               "full disk: %d batches refused while full (log failures %d, projection failures %d), %zu commands "
               "acknowledged, 0 lost\n",
               refused, count("the log failed"), count("projection stopped"), acks.size());

  CheckLogAgainstAcks(data / "log", acks, 0);
  EXPECT_EQ(acks.size(), commands.size()) << "every command was answered once the disk had room";
  EXPECT_EQ(DumpProjections(data / "projections"), CleanRebuild(data / "log", tmp.path() / "clean"));
}

TEST(FullDiskTest, LedgerSubmitFailsNamingTheFileAndTheSameFileAgainAppendsWhatWasMissing) {
  TempDir tmp("full-disk-cli");
  SmallDisk disk(tmp.path() / "disk", 160);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  const fs::path data = tmp.path() / "disk" / "data";
  ASSERT_EQ(RunLedger({"demo", "--rules", "--data", data.string()}, tmp.path()).code, 0);
  const fs::path file = tmp.path() / "commands.jsonl";
  {
    std::ofstream out(file);
    for (const Command& c : GenerateWorkload({300, 23, "fc"})) out << CommandToJson(c).dump() << "\n";
  }
  disk.Fill();
  CliRun full = RunLedger({"submit", file.string(), "--data", data.string()}, tmp.path());
  EXPECT_NE(full.code, 0);
  EXPECT_NE(full.err.find("No space left on device"), std::string::npos) << full.err;
  EXPECT_NE(full.err.find(data.string()), std::string::npos) << "names the file: " << full.err;
  disk.Free();
  CliRun again = RunLedger({"submit", file.string(), "--data", data.string()}, tmp.path());
  // The workload holds commands the rules refuse (exit 1, saying so); every one has its result.
  ASSERT_TRUE(again.code == 0 || (again.code == 1 && again.err.find("refused: their results say why") !=
                                                         std::string::npos))
      << again.err;
  EXPECT_EQ(again.err.find("No space"), std::string::npos) << again.err;
  Acks acks;
  std::istringstream lines(again.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) acks.Record(json::parse(line));
  EXPECT_EQ(acks.size(), GenerateWorkload({300, 23, "fc"}).size());
  CheckLogAgainstAcks(data / "log", acks, 0);
  ASSERT_EQ(RunLedger({"stats", "--by", "national", "--data", data.string()}, tmp.path()).code, 0);
  EXPECT_EQ(DumpProjections(data / "projections"), CleanRebuild(data / "log", tmp.path() / "clean"));
}

}  // namespace
}  // namespace ledger::testing
