// ledgerd on a Kafka topic (librdkafka's mock cluster, 3 brokers): the same
// service over the KafkaEventLog port — commands appended through the API
// are acknowledged after the brokers' delivery reports, projected live from
// the topic with offsets kept in the projection store, visible within a
// second, and `ledger stats --log kafka://…` reads what the API serves.
// Two instances on one topic: one writes (Kafka's group assignment decides),
// the other is a read replica answering commands 503 with the writer's
// address, and takes over when the writer stops. (SIGSTOP fencing on a real
// cluster: tests/kafka_real/ledgerd_real_test.cc.)
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aggregates/command_json.h"
#include "aggregates/testing/workload.h"
#include "events/kafka/kafka_event_log.h"
#include "events/kafka/testing/mock_cluster.h"
#include "events/testing/temp_dir.h"
#include "tests/failover_client.h"
#include "tests/ledgerd_runner.h"

namespace ledger::testing {
namespace {

using nlohmann::json;

TEST(LedgerdKafkaTest, CommandsThroughTheApiAreProjectedLiveFromTheTopic) {
  MockKafkaCluster cluster(3);
  ASSERT_TRUE(cluster.CreateTopic("ledger.account-events", 12, 3).ok());
  ASSERT_TRUE(cluster.CreateTopic("ledger.account-events.writer", 1, 3).ok());  // the writer's lease
  ASSERT_TRUE(cluster.CreateTopic("ledger.account-events.keys", 3, 3).ok());    // the key store
  TempDir tmp("ledgerd-kafka");
  const std::string data = (tmp.path() / "data").string();
  const std::string uri = "kafka://" + cluster.bootstrap_servers() + "?replication=3";
  const std::string admin = AdminToken(data, tmp.path());
  {
    Ledgerd d(data, tmp.path() / "run", {"--log", uri});
    ASSERT_TRUE(d.serving()) << d.err();
    ASSERT_TRUE(d.WaitWriter()) << d.err();
    std::vector<Command> cmds = GenerateWorkload({120, 31, "q"});
    size_t appended = 0;
    for (size_t i = 0; i < cmds.size(); i += 100) {
      json batch = json::array();
      for (size_t k = i; k < std::min(i + 100, cmds.size()); ++k) batch.push_back(json::parse(CommandToJson(cmds[k]).dump()));
      HttpResult r = Http(d.url(), "POST", "/v1/commands", admin, batch.dump());
      ASSERT_EQ(r.status, 200) << r.body << r.error << d.err();
      const json doc = json::parse(r.body);
      for (const json& res : doc["results"]) {
        ASSERT_NE(res["outcome"], "refused") << res.dump();
        appended += res["outcome"] == "appended";
      }
    }
    EXPECT_EQ(appended, cmds.size());
    const auto posted = std::chrono::steady_clock::now();
    bool visible = false;
    while (!visible && std::chrono::steady_clock::now() - posted < std::chrono::seconds(1))
      visible = Http(d.url(), "GET", "/readyz").body.find("\"lag_records\": 0") != std::string::npos;
    EXPECT_TRUE(visible) << "the projections reach the topic's end within a second";
    HttpResult api = Http(d.url(), "GET", "/v1/stats?by=department&format=csv", admin);
    ASSERT_EQ(api.status, 200);
    CliRun cli = RunLedger({"stats", "--by", "department", "--format", "csv", "--data", data, "--log", uri}, tmp.path());
    ASSERT_EQ(cli.code, 0) << cli.err;
    EXPECT_EQ(api.body, cli.out);
    EXPECT_EQ(d.Term(), 0) << d.err();
  }
}

// The body of GET `target` once `d` has projected everything (lag 0).
std::string WhenCaughtUp(const Ledgerd& d, const std::string& token, const std::string& target) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         Http(d.url(), "GET", "/readyz").body.find("\"lag_records\": 0") == std::string::npos)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return Http(d.url(), "GET", target, token).body;
}

TEST(LedgerdKafkaTest, AStandbyAnswersWithTheWritersAddressFollowsItAndTakesOverWhenItStops) {
  MockKafkaCluster cluster(3);
  ASSERT_TRUE(cluster.CreateTopic("ledger.account-events", 6, 3).ok());
  ASSERT_TRUE(cluster.CreateTopic("ledger.account-events.writer", 1, 3).ok());  // the writer's lease
  ASSERT_TRUE(cluster.CreateTopic("ledger.account-events.keys", 3, 3).ok());    // the key store
  TempDir tmp("ledgerd-kafka-standby");
  const std::string uri = "kafka://" + cluster.bootstrap_servers() + "?replication=3";
  const std::string data_a = (tmp.path() / "a").string(), data_b = (tmp.path() / "b").string();
  const std::string token_a = AdminToken(data_a, tmp.path()), token_b = AdminToken(data_b, tmp.path());
  std::vector<Command> cmds = GenerateWorkload({60, 7, "f"});
  const size_t half = cmds.size() / 2;
  const std::vector<Command> first(cmds.begin(), cmds.begin() + static_cast<long>(half)),
      second(cmds.begin() + static_cast<long>(half), cmds.end());

  // One deployment: one master key (the key store is the topic's ".keys" twin).
  const std::string master = (tmp.path() / "master.key").string();
  Ledgerd a(data_a, tmp.path() / "run-a", {"--log", uri, "--master-key-file", master});
  ASSERT_TRUE(a.WaitWriter()) << a.err();
  Ledgerd b(data_b, tmp.path() / "run-b", {"--log", uri, "--master-key-file", master});
  ASSERT_TRUE(b.WaitReady()) << b.err();
  HttpResult ready = Http(b.url(), "GET", "/readyz");
  EXPECT_NE(ready.body.find("\"role\": \"standby\""), std::string::npos) << ready.body;

  // The standby refuses commands, naming the writer (once it has read the announcement).
  nlohmann::json one = nlohmann::json::array({json::parse(CommandToJson(first[0]).dump())});
  HttpResult refused;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    refused = Http(b.url(), "POST", "/v1/commands", token_b, one.dump());
  } while (refused.body.find(a.url()) == std::string::npos && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(refused.status, 503) << refused.body;
  const json error = json::parse(refused.body)["error"];
  EXPECT_EQ(error["code"], "STANDBY");
  EXPECT_EQ(error["writer"], a.url()) << refused.body;

  // /metrics says which instance writes; each reports its lag per partition.
  const std::string metrics_a = Http(a.url(), "GET", "/metrics").body, metrics_b = Http(b.url(), "GET", "/metrics").body;
  EXPECT_NE(metrics_a.find("\nledger_writer 1"), std::string::npos);
  EXPECT_NE(metrics_b.find("\nledger_writer 0"), std::string::npos);
  EXPECT_NE(metrics_b.find("\nledger_ready 1"), std::string::npos) << "a caught-up standby is ready (it serves reads)";
  EXPECT_NE(metrics_b.find("ledger_projector_lag_records{partition=\"5\"}"), std::string::npos);

  // Commands to the writer; the standby projects them too (a read replica).
  FailoverClient to_a({a.url()}, token_a);
  ASSERT_TRUE(to_a.Submit(first)) << a.err();
  EXPECT_EQ(to_a.outcomes("appended"), first.size());
  const std::string stats = "/v1/stats?by=department&format=csv";
  const std::string at_a = WhenCaughtUp(a, token_a, stats);
  std::string at_b;  // the replica polls the topic's ends: it follows within a moment
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       at_b != at_a && std::chrono::steady_clock::now() < until;)
    at_b = Http(b.url(), "GET", stats, token_b).body;
  EXPECT_EQ(at_b, at_a);

  // The writer stops: the standby takes over within seconds, replays what
  // the first writer appended (same ids: nothing twice) and appends the rest.
  const auto stopped = std::chrono::steady_clock::now();
  EXPECT_EQ(a.Term(), 0) << a.err();
  ASSERT_TRUE(b.WaitWriter(std::chrono::seconds(20))) << b.err();
  const double takeover = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  EXPECT_LT(takeover, 15.0);
  FailoverClient to_b({b.url()}, token_b);
  ASSERT_TRUE(to_b.Submit(first)) << b.err();
  EXPECT_EQ(to_b.outcomes("replayed"), first.size());
  ASSERT_TRUE(to_b.Submit(second)) << b.err();
  EXPECT_EQ(to_b.outcomes("appended"), second.size());
  EXPECT_TRUE(to_a.refused().empty() && to_b.refused().empty());

  std::map<std::string, size_t> acknowledged = to_a.acknowledged();
  acknowledged.insert(to_b.acknowledged().begin(), to_b.acknowledged().end());
  KafkaLogOptions options;
  options.brokers = cluster.bootstrap_servers();
  options.read_only = true;
  options.check_topic_settings = false;
  Result<std::unique_ptr<KafkaEventLog>> log = KafkaEventLog::Open(options);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ExpectEachCommandExactlyOnce(**log, acknowledged);
  log->reset();
  EXPECT_EQ(b.Term(), 0) << b.err();
}

}  // namespace
}  // namespace ledger::testing
