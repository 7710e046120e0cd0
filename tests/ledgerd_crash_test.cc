// Crash-exactness of ledgerd itself: the real binary is SIGKILLed at 50
// random moments (once it has answered 1 to 12 batches, at random, so that
// the kill lands among requests on a fast or a slow machine) while four
// clients post command batches to it, then restarted once more to let the
// clients finish. Instrumented (.ci/sanitize), 20 kills: each round is
// slower there, and the normal build's 50 run in every CI run.
// After every kill and restart:
//  - every acknowledged command (a 200 result `appended` or `replayed`) is in
//    the log exactly once, at the stream, seq, partition and offset it was
//    acknowledged with; a refused one left nothing; no command id has two
//    runs of events (nothing was applied twice, whatever was in flight);
//  - once ledgerd is ready again, its projections equal a clean rebuild of
//    the log, entry for entry (read from its store, read-only).
// Clients resubmit unanswered batches with the same command ids, as the
// contract says they may. Checks: tests/crash_checks.h.
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aggregates/command_json.h"
#include "aggregates/testing/workload.h"
#include "events/testing/sanitizers.h"
#include "events/testing/temp_dir.h"
#include "tests/crash_checks.h"
#include "tests/ledgerd_runner.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// One client: its batches in order; a batch is retried until answered.
struct Client {
  std::vector<std::string> batches;  // JSON arrays
  size_t next = 0;
};

TEST(LedgerdCrashTest, KilledAtFiftyRandomMomentsWhileClientsPostLosesAndDuplicatesNothing) {
  TempDir tmp("ledgerd-crash");
  const fs::path data = tmp.path() / "data";
  fs::create_directories(data);
  CliRun token = RunLedger({"token", "add", "--name", "svc", "--role", "service", "--data", data.string()}, tmp.path());
  ASSERT_EQ(token.code, 0) << token.err;
  const std::string svc = token.out.substr(0, token.out.find('\n'));

  // Four clients, each with whole families (a stream's commands stay in one
  // client, in order); the establishments' streams go to client 0.
  std::vector<Client> clients(4);
  {
    std::vector<std::vector<std::string>> lines(4);
    for (const Command& c : GenerateWorkload({1200, 77, "k"})) {
      const std::string stream = TargetStream(c.body).str();
      const size_t family_end = stream.find('-', stream.find("-f") + 1);
      const size_t k = stream.rfind("uai:", 0) == 0 ? 0 : std::hash<std::string>{}(stream.substr(0, family_end)) % 4;
      lines[k].push_back(CommandToJson(c).dump());
    }
    for (size_t k = 0; k < 4; ++k)
      for (size_t i = 0; i < lines[k].size(); i += 10) {
        std::string batch = "[";
        for (size_t j = i; j < std::min(i + 10, lines[k].size()); ++j) batch += (j > i ? "," : "") + lines[k][j];
        clients[k].batches.push_back(batch + "]");
      }
  }

  Acks acks;
  std::mt19937 rng(20261130);
  constexpr int kKills = kUnderSanitizers ? 20 : 50;
  int kills = 0, kills_mid_post = 0;
  for (int round = 0;; ++round) {
    const bool last = round == kKills;  // no kill: the clients finish
    Ledgerd d(data, tmp.path() / ("run" + std::to_string(round)));
    ASSERT_TRUE(d.serving()) << "exit code " << d.exit_code() << ": " << d.err();
    ASSERT_TRUE(d.WaitReady()) << d.err();
    if (round > 0) {
      // After the restart: the projections equal a clean rebuild.
      ASSERT_EQ(DumpProjections(data / "projections"), CleanRebuild(data / "log", tmp.path() / "clean"))
          << "round " << round << ": projections after restart differ from a clean rebuild";
    }
    std::atomic<bool> stop{false};
    std::atomic<int> in_flight{0}, answered{0};
    std::vector<std::thread> threads;
    for (Client& c : clients)
      threads.emplace_back([&, &c = c] {
        while (!stop && c.next < c.batches.size()) {
          ++in_flight;
          HttpResult r = Http(d.url(), "POST", "/v1/commands", svc, c.batches[c.next], std::chrono::seconds(20));
          --in_flight;
          if ((r.status != 200 && r.status != 0 && r.status != 503) || (last && r.status == 0)) {
            ADD_FAILURE() << "unexpected answer " << r.status << ": " << r.body;
            stop = true;
            return;
          }
          if (r.status != 200) {  // dead, loading or shutting down: the same batch again later
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
          }
          const json doc = json::parse(r.body);
          for (const json& result : doc["results"]) acks.Record(result);
          ++c.next;
          ++answered;
        }
      });
    if (!last) {
      // The kill lands once this run has answered a random number of batches
      // (1 to 12 of the ~25 a round's share of the workload holds), so it lands
      // among requests whatever the machine's speed, and the workload lasts
      // all the rounds.
      const int target = std::uniform_int_distribution<int>(1, 12)(rng);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (answered < target && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      if (in_flight > 0) ++kills_mid_post;
      EXPECT_EQ(d.Kill(), 128 + SIGKILL);
      ++kills;
    }
    if (!last) stop = true;
    for (auto& t : threads) t.join();
    CheckLogAgainstAcks(data / "log", acks, round);
    if (::testing::Test::HasFatalFailure()) return;
    if (last) {
      EXPECT_EQ(d.Term(), 0) << d.err();
      break;
    }
  }
  EXPECT_GE(kills, kKills);
  EXPECT_GE(kills_mid_post, kKills * 9 / 10) << "most kills land while requests are in flight";
  for (const Client& c : clients) EXPECT_EQ(c.next, c.batches.size()) << "the workload went through";
  // The last, clean stop: projections equal a clean rebuild, as the store itself says.
  auto db = ProjectionDb::Open(data / "projections", {});
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->Dump(true), CleanRebuild(data / "log", tmp.path() / "clean"));
  std::fprintf(stderr, "%d kills (%d with requests in flight), %zu commands acknowledged, 0 lost, 0 duplicated\n",
               kills, kills_mid_post, acks.size());
}

}  // namespace
}  // namespace ledger::testing
