// Two ledgerd on one topic of a real 3-broker Kafka cluster (real_cluster.h):
// the writer is SIGSTOPped while a client keeps submitting commands, the
// standby takes the role within seconds (the group's session timeout, then
// its transactional producer fences the paused one), and the paused writer,
// resumed, appends nothing more: it stands by and names the new writer.
// Every acknowledged command is in the topic exactly once, nothing else is.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aggregates/testing/workload.h"
#include "events/kafka/kafka_event_log.h"
#include "events/kafka/kafka_writer_election.h"
#include "events/testing/temp_dir.h"
#include "tests/failover_client.h"
#include "tests/kafka_real/real_cluster.h"

namespace ledger::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for `d`'s /readyz to name `role` ("writer", "standby").
bool WaitRole(const Ledgerd& d, const std::string& role, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (Http(d.url(), "GET", "/readyz", "", "", std::chrono::seconds(2)).body.find("\"role\": \"" + role + "\"") !=
        std::string::npos)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Two ledgerd on a new topic of the real cluster: a, the writer, and b, a
// standby. Tokens live in DATA/tokens: the instances share a copy, as an
// operator deploys them.
class LedgerdRealTest : public ::testing::Test {
 protected:
  void StartTwo(const std::string& stem) {
    topic_ = UniqueTopic(stem);
    const std::string uri = "kafka://" + RealCluster::Get().brokers() + "?topic=" + topic_ + "&partitions=6";
    const std::filesystem::path data_a = tmp_.path() / "a", data_b = tmp_.path() / "b";
    token_ = AdminToken(data_a.string(), tmp_.path());
    std::filesystem::create_directories(data_b);
    std::filesystem::copy(data_a / "tokens", data_b / "tokens", std::filesystem::copy_options::recursive);
    a_ = std::make_unique<Ledgerd>(data_a, tmp_.path() / "run-a", std::vector<std::string>{"--log", uri, "--master-key-file", (tmp_.path() / "master.key").string()});
    ASSERT_TRUE(a_->WaitWriter()) << a_->err();
    b_ = std::make_unique<Ledgerd>(data_b, tmp_.path() / "run-b", std::vector<std::string>{"--log", uri, "--master-key-file", (tmp_.path() / "master.key").string()});
    ASSERT_TRUE(WaitRole(*b_, "standby", std::chrono::seconds(60))) << b_->err();
  }
  // The topic holds each acknowledged command's events once, and nothing
  // else; both instances then stop cleanly.
  void ExpectExactlyOnceAndStop(const FailoverClient& client) {
    KafkaLogOptions options;
    options.brokers = RealCluster::Get().brokers();
    options.topic = topic_;
    options.read_only = true;
    Result<std::unique_ptr<KafkaEventLog>> log = KafkaEventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ExpectEachCommandExactlyOnce(**log, client.acknowledged());
    if (HasFailure()) {  // the instances' notable lines (no per-request lines)
      for (const Ledgerd* d : {a_.get(), b_.get()}) {
        std::istringstream in(d->err());
        for (std::string line; std::getline(in, line);)
          if (line.find(" /readyz") == std::string::npos)
            std::printf("%s: %s\n", d == a_.get() ? "a" : "b", line.c_str());
      }
    }
    EXPECT_EQ(a_->Term(), 0) << a_->err();
    EXPECT_EQ(b_->Term(), 0) << b_->err();
  }

  TempDir tmp_{"ledgerd-real"};
  std::string topic_, token_;
  std::unique_ptr<Ledgerd> a_, b_;
};

TEST_F(LedgerdRealTest, AWriterPausedWhileTheStandbyTakesOverAppendsNothingWhenResumed) {
  LEDGER_REQUIRE_REAL_KAFKA();
  ASSERT_NO_FATAL_FAILURE(StartTwo("ledgerd"));
  Ledgerd& a = *a_;
  Ledgerd& b = *b_;
  const std::string& token = token_;

  // A client submits batches of 10 commands, one after the other, throughout.
  const std::vector<Command> cmds = GenerateWorkload({400, 11, "s"});
  FailoverClient client({a.url(), b.url()}, token);
  std::atomic<size_t> acked_batches{0};
  std::atomic<bool> client_ok{true};
  std::thread submitter([&] {
    for (size_t sent = 0; sent < cmds.size() && client_ok; sent += 10) {
      const size_t n = std::min<size_t>(10, cmds.size() - sent);
      client_ok = client.Submit({cmds.begin() + static_cast<long>(sent), cmds.begin() + static_cast<long>(sent + n)},
                                std::chrono::seconds(90));
      ++acked_batches;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto wait_batches = [&](size_t n) {
    for (const auto deadline = Clock::now() + std::chrono::seconds(120); acked_batches < n && client_ok &&
                                                                            Clock::now() < deadline;)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return acked_batches >= n;
  };
  EXPECT_TRUE(wait_batches(10)) << a.err();

  // The writer paused with requests in flight: the standby takes the role.
  kill(a.pid(), SIGSTOP);
  const auto paused = Clock::now();
  const size_t before = acked_batches;
  EXPECT_TRUE(WaitRole(b, "writer", std::chrono::seconds(30))) << b.err();
  const double takeover = std::chrono::duration<double>(Clock::now() - paused).count();
  EXPECT_LT(takeover, 20.0) << "seconds from the pause to the standby holding the writer's role";
  std::printf("takeover: %.1f s after SIGSTOP\n", takeover);
  EXPECT_TRUE(wait_batches(before + 10)) << b.err();

  // Resumed, the old writer stands by and names the new one. The requests it
  // held through the pause (the client gave up on them) either fail as fenced
  // (its commit came first) or are answered as a standby's (the group's word
  // came first): a race either way, and nothing of them lands (checked below).
  kill(a.pid(), SIGCONT);
  EXPECT_TRUE(WaitRole(a, "standby", std::chrono::seconds(30))) << a.err();
  // /readyz says standby as soon as the group has taken the role away; the
  // writer's own line comes when its held commit fails or it next looks.
  auto says_why = [&] {
    const std::string said = a.err();
    return said.find("fenced by another writer") != std::string::npos ||
           said.find("stepping down as the writer") != std::string::npos;
  };
  for (const auto deadline = Clock::now() + std::chrono::seconds(10); !says_why() && Clock::now() < deadline;)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(says_why()) << a.err();
  const std::string one = "[" + CommandToJson(cmds[0]).dump() + "]";  // acknowledged long ago
  HttpResult refused = Http(a.url(), "POST", "/v1/commands", token, one);
  for (const auto deadline = Clock::now() + std::chrono::seconds(10);
       refused.body.find(b.url()) == std::string::npos && Clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    refused = Http(a.url(), "POST", "/v1/commands", token, one);
  }
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("\"writer\": \"" + b.url() + "\""), std::string::npos) << refused.body;
  submitter.join();
  EXPECT_TRUE(client_ok);
  EXPECT_TRUE(client.refused().empty()) << client.refused().front();
  EXPECT_EQ(client.acknowledged().size(), cmds.size());
  EXPECT_GT(client.standby_answers(), 0u);

  ExpectExactlyOnceAndStop(client);
}

// Something the group did not grant the role to opens the writer's
// transactional id (an operator's tool, a writer whose reopen raced the
// group): the writer is fenced while it still holds the lease. It gives the
// role back, the group grants it anew, and writing resumes — never two
// writers, every command once. (librdkafka's mock does not fence: real cluster only.)
TEST_F(LedgerdRealTest, AWriterFencedWhileHoldingTheLeaseGivesItBackAndWritingResumes) {
  LEDGER_REQUIRE_REAL_KAFKA();
  ASSERT_NO_FATAL_FAILURE(StartTwo("intruder"));
  Ledgerd& a = *a_;
  Ledgerd& b = *b_;
  const std::string& topic = topic_;
  const std::vector<Command> cmds = GenerateWorkload({40, 5, "i"});
  const long half = static_cast<long>(cmds.size() / 2);
  FailoverClient client({a.url(), b.url()}, token_);
  ASSERT_TRUE(client.Submit({cmds.begin(), cmds.begin() + half})) << a.err();

  KafkaLogOptions intruder;
  intruder.brokers = RealCluster::Get().brokers();
  intruder.topic = topic;
  intruder.transactional_id = KafkaWriterElection::TransactionalId(topic);
  Result<std::unique_ptr<KafkaEventLog>> fencer = KafkaEventLog::Open(intruder);
  ASSERT_TRUE(fencer.ok()) << fencer.status().ToString();

  ASSERT_TRUE(client.Submit({cmds.begin() + half, cmds.end()}, std::chrono::seconds(60))) << a.err() << b.err();
  EXPECT_NE(a.err().find("fenced by another writer"), std::string::npos) << a.err();
  EXPECT_NE(a.err().find("resigning the writer role"), std::string::npos) << a.err();
  EXPECT_EQ(client.acknowledged().size(), cmds.size());
  EXPECT_TRUE(client.refused().empty());
  fencer->reset();
  ExpectExactlyOnceAndStop(client);
}

}  // namespace
}  // namespace ledger::testing
