// ledgerd on a Kafka topic (librdkafka's mock cluster, 3 brokers): the same
// service over the KafkaEventLog port — commands appended through the API
// are acknowledged after the brokers' delivery reports, projected live from
// the topic with offsets kept in the projection store, visible within a
// second, and `ledger stats --log kafka://…` reads what the API serves.
// (Real-cluster runs, fencing and failover belong to the Kafka issue.)
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aggregates/command_json.h"
#include "aggregates/testing/workload.h"
#include "events/kafka/testing/mock_cluster.h"
#include "events/testing/temp_dir.h"
#include "tests/ledgerd_runner.h"

namespace ledger::testing {
namespace {

using nlohmann::json;

TEST(LedgerdKafkaTest, CommandsThroughTheApiAreProjectedLiveFromTheTopic) {
  MockKafkaCluster cluster(3);
  ASSERT_TRUE(cluster.CreateTopic("ledger.account-events", 12, 3).ok());
  TempDir tmp("ledgerd-kafka");
  const std::string data = (tmp.path() / "data").string();
  const std::string uri = "kafka://" + cluster.bootstrap_servers() + "?replication=3";
  CliRun token = RunLedger({"token", "add", "--name", "svc", "--role", "admin", "--data", data}, tmp.path());
  ASSERT_EQ(token.code, 0) << token.err;
  const std::string admin = token.out.substr(0, token.out.find('\n'));
  {
    Ledgerd d(data, tmp.path() / "run", {"--log", uri});
    ASSERT_TRUE(d.serving()) << d.err();
    ASSERT_TRUE(d.WaitReady()) << d.err();
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

}  // namespace
}  // namespace ledger::testing
