// Crash-exactness of the projector on the real embedded log and RocksDB: a
// forked projector is SIGKILLed at ≥ 20 random points while it consumes
// ≥ 100,000 events, restarted each time, and the final store must equal a
// clean rebuild entry for entry (every view, link, history record, statistic
// and source offset).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
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

TEST(ProjectorCrashTest, KilledAtTwentyRandomPointsEndsEqualToACleanRebuild) {
  testing::TempDir tmp("projector-crash");
  const fs::path root = tmp.path(), log_dir = root / "log", db_dir = root / "db";

  int64_t total = 0;
  {
    auto log = OpenLog(log_dir, true);
    auto h = CommandHandler::Open(*log, [] { return Timestamp{1'790'000'000'000'000}; });
    ASSERT_TRUE(h.ok());
    std::vector<Command> cmds = testing::GenerateWorkload({10000, 2026, "c"});
    for (size_t i = 0; i < cmds.size(); i += 10000) {
      std::span<const Command> chunk(cmds.data() + i, std::min<size_t>(10000, cmds.size() - i));
      for (const auto& r : (*h)->HandleBatch(chunk)) ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
    for (int32_t p = 0; p < log->partition_count(); ++p) total += *log->EndOffset(p);
  }
  ASSERT_GE(total, 100000);

  std::mt19937 rng(std::random_device{}());
  int mid_kills = 0, rounds = 0;
  while (mid_kills < 20 && rounds < 200) {
    ++rounds;
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto log = OpenLog(log_dir, false);
      auto db = ProjectionDb::Open(db_dir, {});
      if (!db.ok()) std::fprintf(stderr, "projector's open: %s\n", db.status().ToString().c_str());
      if (!log || !db.ok()) _exit(3);
      Projector p(*log, **db, ProjectorOptions{500});
      _exit(p.CatchUp().ok() ? 0 : 4);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(15, 80)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the projector failed on its own (round " << rounds << ")";
    }
    int64_t left = Remaining(log_dir, db_dir);
    ASSERT_GE(left, 0);
    if (WIFSIGNALED(status) && left > 0) ++mid_kills;
    if (left == 0) break;
  }
  EXPECT_GE(mid_kills, 20) << "the projector finished before 20 kills landed mid-consumption";
  std::printf("%d SIGKILLs landed mid-consumption of %lld events, over %d rounds\n", mid_kills,
              static_cast<long long>(total), rounds);

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

}  // namespace
}  // namespace ledger
