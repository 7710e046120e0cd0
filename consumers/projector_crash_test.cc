// Crash-exactness of the projector on the real embedded log and RocksDB: a
// forked projector is SIGKILLed at ≥ 20 random points while it consumes
// ≥ 100,000 events, restarted each time, and the final store must equal a
// clean rebuild entry for entry (every view, link, history record, statistic
// and source offset) — the CLI's Projector, and the live projector's
// key-order folds (FoldOnto).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "consumers/live_projector.h"
#include "consumers/projector.h"
#include "events/embedded/embedded_event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<EmbeddedEventLog> OpenLog(const fs::path& dir, bool create) {
  EmbeddedLogOptions o;
  o.create_if_missing = create;
  o.read_only = !create;
  o.sync_on_flush = false;
  auto log = EmbeddedEventLog::Open(dir, o);
  if (!log.ok()) ADD_FAILURE() << log.status().ToString();
  return log.ok() ? std::move(*log) : nullptr;
}

int64_t Remaining(const fs::path& log_dir, const fs::path& db_dir) {
  auto log = OpenLog(log_dir, false);
  auto db = ProjectionDb::Open(db_dir, {});
  if (!db.ok()) {
    ADD_FAILURE() << "the projection store does not open after a kill: " << db.status().ToString();
    return -1;
  }
  int64_t left = 0;
  for (int32_t p = 0; p < log->partition_count(); ++p)
    left += *log->EndOffset(p) - (*db)->NextOffset(p)->value_or(0);
  return left;
}

// A log of ≥ 100,000 events under `root`/log; its event count.
int64_t WriteLog(const fs::path& log_dir) {
  auto log = OpenLog(log_dir, true);
  auto h = CommandHandler::Open(*log, [] { return Timestamp{1'790'000'000'000'000}; });
  if (!h.ok()) ADD_FAILURE() << h.status().ToString();
  std::vector<Command> cmds = testing::GenerateWorkload({10000, 2026, "c"});
  for (size_t i = 0; i < cmds.size(); i += 10000) {
    std::span<const Command> chunk(cmds.data() + i, std::min<size_t>(10000, cmds.size() - i));
    for (const auto& r : (*h)->HandleBatch(chunk)) EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  int64_t total = 0;
  for (int32_t p = 0; p < log->partition_count(); ++p) total += *log->EndOffset(p);
  return total;
}

// Forks `project` (log, store) and SIGKILLs it after a random delay in
// [min_ms, max_ms], again and again, until 20 kills have landed mid-work or
// the store has everything (the window widens while rounds commit nothing,
// so that a slow build is killed mid-work too, and narrows while they commit
// so much that the log would end before 20 kills, so that a fast machine
// still gets its 20); then finishes with a Projector and compares the store
// with a clean rebuild.
void KillUntilDoneThenCompare(const fs::path& root, int64_t total, int min_ms, int max_ms,
                              const std::function<Status(EventLog&, ProjectionDb&)>& project) {
  const fs::path log_dir = root / "log", db_dir = root / "db";
  std::mt19937 rng(std::random_device{}());
  int mid_kills = 0, rounds = 0;
  int64_t left = total;
  // The window's end doubles after three rounds in a row that committed
  // nothing (a slow build: the sanitizers) and halves back toward max_ms after
  // one that did; below max_ms, it halves (down to min_ms + 1) after a round
  // that committed more than the records left over the kills still needed,
  // and doubles back toward max_ms after one that committed less than half.
  int hi_ms = max_ms, idle_rounds = 0;
  while (mid_kills < 20 && rounds < 200) {
    ++rounds;
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto log = OpenLog(log_dir, false);
      auto db = ProjectionDb::Open(db_dir, {});
      if (!db.ok()) std::fprintf(stderr, "projector's open: %s\n", db.status().ToString().c_str());
      if (!log || !db.ok()) _exit(3);
      Status s = project(*log, **db);
      if (!s.ok()) std::fprintf(stderr, "projector: %s\n", s.ToString().c_str());
      _exit(s.ok() ? 0 : 4);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(min_ms, hi_ms)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the projector failed on its own (round " << rounds << ")";
    }
    const int64_t before = left;
    left = Remaining(log_dir, db_dir);
    ASSERT_GE(left, 0);
    if (WIFSIGNALED(status) && left > 0) ++mid_kills;
    if (left == 0) break;
    if (left < before) {
      idle_rounds = 0;
      // At this round's pace, the records left over the kills still needed.
      const int64_t pace = (before - left) * std::max(1, 20 - mid_kills);
      if (pace > left) hi_ms = std::max(min_ms + 1, hi_ms / 2);
      else if (hi_ms > max_ms) hi_ms = std::max(max_ms, hi_ms / 2);
      else if (pace * 2 < left) hi_ms = std::min(max_ms, hi_ms * 2);
    } else if (++idle_rounds == 3 && hi_ms < 10000) {
      idle_rounds = 0;
      hi_ms *= 2;
    }
  }
  EXPECT_GE(mid_kills, 20) << "the projector finished before 20 kills landed mid-consumption";
  // The killed projectors committed some of it (else the kills tested nothing).
  EXPECT_LT(left, total) << "nothing was projected between the kills: they tested nothing";
  std::printf("%d SIGKILLs landed mid-consumption of %lld events, over %d rounds; %lld left for the last run;"
              " kill window at the end [%d, %d] ms\n",
              mid_kills, static_cast<long long>(total), rounds, static_cast<long long>(left), min_ms, hi_ms);

  // Finish, then compare with a clean rebuild.
  auto log = OpenLog(log_dir, false);
  auto db = ProjectionDb::Open(db_dir, {});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Projector(*log, **db).CatchUp().ok());
  auto clean = ProjectionDb::Open(root / "clean", {});
  ASSERT_TRUE(clean.ok());
  auto r = Projector(*log, **clean).CatchUp();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, total);
  auto got = (*db)->Dump(true), want = (*clean)->Dump(true);
  ASSERT_TRUE(got.ok() && want.ok());
  EXPECT_EQ(got->size(), want->size());
  size_t diffs = 0;
  for (const auto& [k, v] : *want) {
    auto it = got->find(k);
    if (it == got->end() || it->second != v) {
      if (++diffs <= 5) ADD_FAILURE() << "differs after crashes: " << k;
    }
  }
  EXPECT_EQ(diffs, 0u);
}

TEST(ProjectorCrashTest, KilledAtTwentyRandomPointsEndsEqualToACleanRebuild) {
  testing::TempDir tmp("projector-crash");
  const int64_t total = WriteLog(tmp.path() / "log");
  ASSERT_GE(total, 100000);
  KillUntilDoneThenCompare(tmp.path(), total, 15, 80, [](EventLog& log, ProjectionDb& db) {
    return Projector(log, db, ProjectorOptions{500}).CatchUp().status();
  });
}

// The live projector far behind, folding ranges of 2,048 records in key order
// and laying each on the store in one step: killed anywhere (sorting, writing
// table files, taking them in), the store holds whole ranges only.
TEST(ProjectorCrashTest, TheLiveProjectorsKeyOrderFoldsKilledAtTwentyRandomPoints) {
  testing::TempDir tmp("projector-fold-crash");
  const int64_t total = WriteLog(tmp.path() / "log");
  ASSERT_GE(total, 100000);
  const fs::path fold_dir = tmp.path() / "fold";
  KillUntilDoneThenCompare(tmp.path(), total, 20, 300, [&](EventLog& log, ProjectionDb& db) {
    std::vector<int64_t> end;
    for (int32_t p = 0; p < log.partition_count(); ++p) end.push_back(*log.EndOffset(p));
    DurableEnds ends(end);
    ProjectorProbe probe;
    LiveProjector live(log, db, ends, probe,
                       {.fold_from = 1, .fold_records = 2048, .fold_dir = fold_dir, .fold_memory = 4 << 20});
    live.Stop();  // project what is durable, then return
    return live.Run();
  });
}

}  // namespace
}  // namespace ledger
