// The service on a real embedded log and RocksDB: concurrent requests share
// group commits, every acknowledged command is in the log once, the live
// projections follow within a second, a second service on the same data is
// refused, and a restart resumes where the first stopped.
#include "ops/service/ledger_service.h"

#include <thread>

#include <gtest/gtest.h>

#include "aggregates/testing/workload.h"
#include "events/testing/temp_dir.h"
#include "ops/datadir/server_lock.h"

namespace ledger {
namespace {

class GroupCounter final : public WriterProbe {
 public:
  void GroupCommitted(size_t requests, size_t commands, double) override {
    groups_ += 1;
    max_requests_ = std::max<size_t>(max_requests_, requests);
    commands_ += commands;
  }
  std::atomic<size_t> groups_{0}, max_requests_{0}, commands_{0};
};

class LedgerServiceTest : public ::testing::Test {
 protected:
  LogFlags Flags() { return LogFlags{(tmp_.path() / "data").string(), "embedded"}; }
  std::unique_ptr<LedgerService> Start(WriterProbe& wp) {
    auto s = LedgerService::Start(Flags(), {}, [] { return Timestamp{1}; }, wp, projector_probe_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  static void WaitLoaded(LedgerService& s) {
    for (int i = 0; i < 500 && !s.readiness().writer_loaded; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(s.readiness().writer_loaded);
  }
  testing::TempDir tmp_{"service"};
  ProjectorProbe projector_probe_;
};

TEST_F(LedgerServiceTest, ConcurrentRequestsShareGroupCommitsAndBecomeVisible) {
  GroupCounter probe;
  auto svc = Start(probe);
  ASSERT_TRUE(svc);
  WaitLoaded(*svc);
  std::vector<Command> cmds = testing::GenerateWorkload({200, 8, "s"});
  // 8 clients, each its own families' commands in order (a stream's commands
  // stay in one client, so their order holds).
  std::vector<std::vector<Command>> per_client(8);
  for (const Command& c : cmds) per_client[std::hash<std::string>{}(TargetStream(c.body).str()) % 8].push_back(c);
  std::atomic<size_t> appended{0}, refused{0};
  std::vector<std::thread> clients;
  std::vector<std::vector<bool>> wrote(8);  // per client, per command: it appended events
  for (size_t k = 0; k < 8; ++k)
    clients.emplace_back([&, k] {
      const std::vector<Command>& mine = per_client[k];
      for (size_t i = 0; i < mine.size(); i += 5) {
        std::vector<Command> req(mine.begin() + static_cast<long>(i),
                                 mine.begin() + static_cast<long>(std::min(i + 5, mine.size())));
        LedgerService::BatchResult r = svc->Submit(req).get();
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        for (const auto& one : *r) {
          (one.ok() ? appended : refused)++;
          wrote[k].push_back(one.ok() && one->count > 0);
        }
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(appended + refused, cmds.size());
  EXPECT_GT(appended.load(), cmds.size() / 2) << "refusals: a link sent before its pupil's creation";
  EXPECT_EQ(probe.commands_.load(), cmds.size());
  EXPECT_LT(probe.groups_.load(), cmds.size() / 5) << "requests shared flushes";
  EXPECT_GT(probe.max_requests_.load(), 1u);

  // The same commands again: each is answered from the log, nothing appended.
  LedgerService::BatchResult again = svc->Submit(per_client[0]).get();
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), wrote[0].size());
  for (size_t i = 0; i < again->size(); ++i)
    if (wrote[0][i]) {
      EXPECT_TRUE((*again)[i].ok() && (*again)[i]->replayed) << i;
    }

  // Visible in the projections within a second.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (svc->readiness().lag_records > 0 && std::chrono::steady_clock::now() < deadline)
    svc->WaitForVersion(svc->version(), std::chrono::milliseconds(50));
  EXPECT_EQ(svc->readiness().lag_records, 0);
  EXPECT_TRUE(svc->readiness().caught_up);
  auto view = svc->db().View("s-f0-p0");
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->has_value());
}

TEST_F(LedgerServiceTest, ASecondServiceIsRefusedAndARestartResumes) {
  GroupCounter probe;
  auto svc = Start(probe);
  ASSERT_TRUE(svc);
  WaitLoaded(*svc);
  auto second = LedgerService::Start(Flags(), {}, [] { return Timestamp{1}; }, probe, projector_probe_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("ledgerd (pid " + std::to_string(getpid()) + ")"), std::string::npos)
      << second.status().ToString();
  EXPECT_FALSE(RefuseWhileServed(Flags(), "append to the log").ok());

  std::vector<Command> cmds = testing::GenerateWorkload({30, 2, "r"});
  ASSERT_TRUE(svc->Submit(cmds).get().ok());
  svc->Stop();
  EXPECT_EQ(svc->Submit(cmds).get().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(svc->readiness().lag_records, 0) << "a clean stop projects everything durable";
  svc.reset();
  EXPECT_TRUE(RefuseWhileServed(Flags(), "append to the log").ok()) << "the lock goes with the service";

  auto again = Start(probe);
  ASSERT_TRUE(again);
  WaitLoaded(*again);
  LedgerService::BatchResult r = again->Submit(cmds).get();
  ASSERT_TRUE(r.ok());
  for (const auto& one : *r) {
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    EXPECT_TRUE(one->replayed || one->count == 0);
  }
}

}  // namespace
}  // namespace ledger
