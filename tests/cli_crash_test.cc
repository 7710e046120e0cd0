// Crash-exactness of the CLI's writers, `ledger submit` and `ledger import
// siecle`, on the embedded log: the real binary is SIGKILLed at random
// moments of a stream of runs, each killed run is run again (same command
// ids: what it appended is replayed), until ≥ 50 kills have landed while the
// writer ran (mid-run: it had not exited). After every run:
//  - the log opens read-only and scans whole (no torn or corrupt record is
//    readable), and no command id has two runs of events;
//  - submit: every acknowledged command (a result line `appended` or
//    `replayed` the killed run had printed) is in the log exactly once, where
//    it was acknowledged;
//  - a read command (`ledger stats`) brings the projections up to date (the
//    writers do not project), and they equal a clean rebuild of the log.
// At the end, submit: every command of the stream acknowledged; import: the
// log holds the same commands, each exactly once with the same events, as an
// uninterrupted import of the same files into a fresh directory.
//
// The kill moments follow the runs' duration (KillClock), so they land mid-run
// on a slow build (AddressSanitizer) too, and runs still finish. Checks:
// tests/crash_checks.h.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aggregates/command_json.h"
#include "aggregates/testing/workload.h"
#include "events/testing/log_contents.h"
#include "events/testing/temp_dir.h"
#include "ops/import/testing/generated_siecle.h"
#include "tests/crash_checks.h"
#include "tests/ledger_runner.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kMidRunKills = 50;

// Records in the log (every partition's end offset, summed); 0 before it exists.
int64_t LogSize(const fs::path& log_dir) {
  if (!fs::exists(log_dir / "LOG_META")) return 0;
  auto log = ReadOnlyLog(log_dir);
  int64_t n = 0;
  if (log)
    for (int64_t end : EndOffsets(*log)) n += end;
  return n;
}

// One run of `ledger ARGS…`, SIGKILLed at `kill_after` unless it exited first.
struct KilledRun {
  CliRun run;
  bool killed = false;  // the kill landed mid-run
  std::chrono::milliseconds took{0};
};

// With `armed`, the kill's delay counts from the first moment armed() is true
// (polled every millisecond), not from the start.
KilledRun RunAndKill(const std::vector<std::string>& args, const fs::path& dir,
                     std::optional<std::chrono::milliseconds> kill_after,
                     const std::function<bool()>& armed = nullptr) {
  fs::create_directories(dir);
  const auto start = Clock::now();
  const pid_t pid = SpawnLedger(args, dir);
  KilledRun r;
  if (kill_after) {
    auto deadline = armed ? Clock::time_point::max() : start + *kill_after;
    int status = 0;
    while (Clock::now() < deadline) {
      if (deadline == Clock::time_point::max() && armed()) deadline = Clock::now() + *kill_after;
      if (waitpid(pid, &status, WNOHANG) == pid) {  // exited before the kill: reap it here
        r.run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        r.run.out = FileBytes(dir / "out");
        r.run.err = FileBytes(dir / "err");
        r.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        return r;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    kill(pid, SIGKILL);
    r.killed = true;
  }
  r.run = WaitLedger(pid, dir);
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  if (r.killed && r.run.code != 128 + SIGKILL) r.killed = false;  // it exited on its own just before
  return r;
}

// Draws kill moments between 5 % and 130 % of `base`, which follows how long
// a run takes: a kill that landed mid-run stretches it by 5 %, a run that
// finished first pulls it down towards its duration. Kills and finished runs
// then balance at the ratio asked for, on a fast build or a slow one, however
// the log's size changes a run's duration.
class KillClock {
 public:
  // About `kills_per_finish` kills land for each run that finishes.
  KillClock(uint32_t seed, double kills_per_finish) : rng_(seed), shrink_(std::pow(1.05, kills_per_finish)) {}
  void Killed() { base_ms_ *= 1.05; }
  void Finished(std::chrono::milliseconds took) {
    base_ms_ = std::max(base_ms_ / shrink_, static_cast<double>(took.count()));
  }
  std::chrono::milliseconds Next() {
    const double f = std::uniform_real_distribution<double>(0.05, 1.3)(rng_);
    return std::chrono::milliseconds(static_cast<int64_t>(f * base_ms_));
  }

 private:
  std::mt19937 rng_;
  double shrink_;
  double base_ms_ = 20;
};

// The kills of one test: sent (the process may have just exited), landed
// mid-run, and landed once the run had appended something.
struct Tally {
  int kills = 0, mid_run = 0, mid_append = 0;
};

// Runs `args` on `data`, SIGKILLed at the clock's next moment when `kill`;
// counts the kill and feeds the clock.
KilledRun RunUnderKills(const std::vector<std::string>& args, const fs::path& tmp, const fs::path& data, bool kill,
                        KillClock& clock, Tally& tally) {
  const int64_t before = LogSize(data / "log");
  // Every other kill waits for the run's first append (then 0 to 2 ms): on a
  // fast machine a run may otherwise load, plan and finish between two
  // time-drawn kills, and on a slow one never reach its appends before them.
  std::function<bool()> appending;
  if (tally.kills % 2 == 1) appending = [&] { return LogSize(data / "log") > before; };
  const std::chrono::milliseconds delay = appending ? std::chrono::milliseconds(tally.kills / 2 % 3) : clock.Next();
  KilledRun r = RunAndKill(args, tmp / "run", kill ? std::optional(delay) : std::nullopt, appending);
  tally.kills += kill;
  if (r.killed) {
    ++tally.mid_run;
    clock.Killed();
    if (LogSize(data / "log") > before) ++tally.mid_append;
  } else if (r.run.code == 0) {
    clock.Finished(r.took);
  }
  return r;
}

// After a run: the projections a reader brings up to date (`ledger stats`
// catches up from where the last read left them) equal a clean rebuild.
void CheckProjectionsCaughtUp(const fs::path& tmp, const fs::path& data, int round) {
  CliRun stats = RunLedger({"stats", "--by", "national", "--format", "csv", "--data", data.string()}, tmp / "stats");
  ASSERT_EQ(stats.code, 0) << "round " << round << ": " << stats.err;
  ASSERT_EQ(DumpProjections(data / "projections"), CleanRebuild(data / "log", tmp / "clean"))
      << "round " << round << ": projections caught up after a kill differ from a clean rebuild";
}

// The log opened read-only and scanned whole, its events by command id.
std::map<std::string, std::vector<Placed>> CommandsIn(const fs::path& log_dir) {
  auto log = ReadOnlyLog(log_dir);
  if (!log) return {};
  return EventsByCommand(*log);
}

void PrintSummary(const Tally& t, size_t acknowledged) {
  std::fprintf(stderr, "%d kills (%d mid-run, %d while appending), %zu commands acknowledged, 0 lost, 0 duplicated\n",
               t.kills, t.mid_run, t.mid_append, acknowledged);
}

TEST(CliCrashTest, SubmitKilledAtFiftyMomentsLosesAndDuplicatesNothing) {
  TempDir tmp("cli-crash-submit");
  const fs::path data = tmp.path() / "data";
  fs::create_directories(tmp.path() / "stats");

  // The stream: a school year of commands, in chunks of 40 (one file each).
  std::vector<std::string> lines;
  for (const Command& c : GenerateWorkload({250, 35, "s"})) lines.push_back(CommandToJson(c).dump());
  std::vector<fs::path> chunks;
  for (size_t i = 0; i < lines.size(); i += 40) {
    chunks.push_back(tmp.path() / ("chunk" + std::to_string(chunks.size()) + ".jsonl"));
    std::ofstream f(chunks.back());
    for (size_t k = i; k < std::min(lines.size(), i + 40); ++k) f << lines[k] << "\n";
  }

  Acks acks;
  KillClock clock(20261201, 1);
  Tally tally;
  int round = 0;
  for (size_t next = 0; next < chunks.size() || tally.mid_run < kMidRunKills; ++round) {
    const fs::path chunk = chunks[next % chunks.size()];  // past the end: the stream again, all replays
    // The first run, not killed, times the kill clock.
    KilledRun r = RunUnderKills({"submit", chunk.string(), "--data", data.string(), "--batch", "10"}, tmp.path(),
                                data, round > 0, clock, tally);
    // Acknowledged: the result lines the run printed whole.
    const std::string& out = r.run.out;
    for (size_t at = 0, eol; (eol = out.find('\n', at)) != std::string::npos; at = eol + 1)
      acks.Record(json::parse(out.substr(at, eol - at)));
    if (!r.killed) {
      ASSERT_EQ(r.run.code, 0) << "round " << round << ": " << r.run.err;
      ++next;
    }
    CheckLogAgainstAcks(data / "log", acks, round);
    CheckProjectionsCaughtUp(tmp.path(), data, round);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GE(tally.mid_run, kMidRunKills);
  EXPECT_GE(tally.mid_append, tally.mid_run / 3) << "kills land while the writer appends, not only while it loads";
  EXPECT_EQ(acks.placed().size(), lines.size()) << "every command of the stream acknowledged";
  PrintSummary(tally, acks.size());
}

// `ledger import siecle` of every establishment's exports of one year.
std::vector<std::string> ImportArgs(const import::testing::Population& pop, const fs::path& files, int year,
                                    const fs::path& data) {
  const fs::path dir = files / ("year" + std::to_string(year));
  fs::create_directories(dir);
  std::vector<std::string> args = {"import", "siecle", "--data", data.string(), "--date",
                                   std::to_string(2024 + year) + "-09-02"};
  for (int s = 0; s < static_cast<int>(pop.uais.size()); ++s) {
    auto [eleves, responsables] = import::testing::WriteExport(pop, s, dir);
    args.insert(args.end(), {"--eleves", eleves, "--responsables", responsables});
  }
  return args;
}

void SaveDirectoryOf(const import::testing::Population& pop, const fs::path& data) {
  fs::create_directories(data);
  ASSERT_TRUE(import::SaveDirectory((data / "establishments.tsv").string(), import::testing::DirectoryOf(pop)).ok());
}

TEST(CliCrashTest, ImportKilledAtFiftyMomentsEndsAsAnUninterruptedImport) {
  TempDir tmp("cli-crash-import");
  const fs::path data = tmp.path() / "data";
  fs::create_directories(tmp.path() / "stats");
  import::testing::Population pop = import::testing::Generate(400, 4);
  SaveDirectoryOf(pop, data);
  if (::testing::Test::HasFatalFailure()) return;

  // Year after year of the same establishments' exports, each import killed
  // and run again until one run finishes.
  KillClock clock(20261202, 4);
  Tally tally;
  int round = 0, years = 0;
  size_t imported = 0;
  for (int year = 0; tally.mid_run < kMidRunKills; ++year, pop = import::testing::NextYear(pop)) {
    const std::vector<std::string> args = ImportArgs(pop, tmp.path() / "files", year, data);
    ++years;
    for (bool done = false; !done; ++round) {
      KilledRun r = RunUnderKills(args, tmp.path(), data, round > 0, clock, tally);
      if (!r.killed) {
        ASSERT_EQ(r.run.code, 0) << "round " << round << ": " << r.run.err;
        ASSERT_NE(r.run.out.find("imported: "), std::string::npos) << r.run.out;
        done = true;
      }
      ExpectOneRunPerCommand(CommandsIn(data / "log"), round);
      CheckProjectionsCaughtUp(tmp.path(), data, round);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  // The same years imported without interruption into a fresh directory.
  const fs::path clean = tmp.path() / "uninterrupted";
  pop = import::testing::Generate(400, 4);
  SaveDirectoryOf(pop, clean);
  // One deployment: the same master key, hence the same keyed account ids
  // and matching keys (events/privacy/lookup_key.h).
  fs::copy_file(data / "master.key", clean / "master.key");
  for (int year = 0; year < years; ++year, pop = import::testing::NextYear(pop)) {
    CliRun r = RunLedger(ImportArgs(pop, tmp.path() / "files", year, clean), tmp.path() / "run");
    ASSERT_EQ(r.code, 0) << r.err;
  }
  const auto expected = CommandsIn(clean / "log");
  const auto got = CommandsIn(data / "log");
  ASSERT_GT(expected.size(), 1000u);
  for (const auto& [id, events] : expected) {
    auto it = got.find(id);
    if (it == got.end()) {
      ADD_FAILURE() << id << " lost: in the uninterrupted import, not in the killed one";
      continue;
    }
    EXPECT_EQ(it->second, events) << id << ": other events than in the uninterrupted import";
    ++imported;
  }
  for (const auto& [id, events] : got) EXPECT_EQ(expected.count(id), 1u) << id << " appended by no clean import";
  EXPECT_GE(tally.mid_run, kMidRunKills);
  EXPECT_GE(tally.mid_append, tally.mid_run / 5) << "kills land while the import appends, not only while it plans";
  std::fprintf(stderr, "%d imports of %d years\n", round, years);
  PrintSummary(tally, imported);
}

}  // namespace
}  // namespace ledger::testing
