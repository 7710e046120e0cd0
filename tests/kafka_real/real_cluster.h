// The real Kafka cluster of `ctest -L kafka-real` (test-only).
//
// CTest's fixture kafka_real (cluster_fixture.sh) starts 3 brokers of
// ../shared/kafka before these tests and stops them after; its state
// directory reaches the tests as KAFKA_REAL_STATE. With KAFKA_BROKERS set the
// fixture records that cluster instead and tests that kill brokers skip.
// Where no Java runtime can be had, every test skips with the reason.
//
// Tests share the cluster one after another (RESOURCE_LOCK kafka_real): each
// uses topics of its own (UniqueTopic) and leaves every broker running.
#pragma once

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace ledger::testing {

class RealCluster {
 public:
  static const RealCluster& Get() {
    static const RealCluster cluster;
    return cluster;
  }

  const std::string& brokers() const { return brokers_; }
  const std::string& skip_reason() const { return skip_; }
  // Why the cluster is unusable although it should be (the test fails).
  const std::string& problem() const { return problem_; }
  // Brokers can be killed and restarted (the fixture started them).
  bool local() const { return local_; }
  const std::string& state() const { return state_; }

  // SIGKILLs broker `id` (0-based): a crash. Returns once it is gone.
  void Kill(int id) const {
    const std::string pid = Read(state_ + "/cluster/broker-" + std::to_string(id) + ".pid");
    Run("kill " + std::to_string(id));
    for (int i = 0; i < 200 && !pid.empty() && ::kill(std::stoi(pid), 0) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Starts broker `id` again, same port and data; returns once the cluster
  // lists it. A broker restarted within ZooKeeper's session timeout of its
  // crash (6 s) finds its old registration, listens a moment and exits
  // ("node already exists"): kafka-cluster has seen the port open by then,
  // so the broker's survival is checked here and the start retried.
  void Restart(int id) const {
    const std::string pid_file = state_ + "/cluster/broker-" + std::to_string(id) + ".pid";
    for (int attempt = 0; attempt < 10; ++attempt) {
      Run("restart " + std::to_string(id));
      const std::string pid = Read(pid_file);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      bool alive = true;
      while (std::chrono::steady_clock::now() < deadline) {
        alive = !pid.empty() && ::kill(std::stoi(pid), 0) == 0;
        if (!alive || Lists(id)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
      if (alive) return;
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
    ADD_FAILURE() << "broker " << id << " kept exiting after its restart (see "
                  << state_ << "/cluster/logs)";
  }

  // Waits until every partition of `topic` has a leader and all its replicas
  // in sync (after a restart, before the next test counts on them).
  bool WaitInSync(const std::string& topic, std::chrono::seconds timeout) const {
    return PollTopic(topic, timeout, [](const rd_kafka_metadata_topic_t& t) {
      bool ok = t.partition_cnt > 0;
      for (int p = 0; p < t.partition_cnt; ++p)
        if (t.partitions[p].leader < 0 || t.partitions[p].isr_cnt < t.partitions[p].replica_cnt) ok = false;
      return ok;
    });
  }

  // The leader of each partition of `topic` (partition -> broker id), once
  // every partition has one; empty after `timeout`. Polled: a broker that
  // answers before the controller's update reaches it knows no topic yet.
  std::map<int32_t, int32_t> Leaders(const std::string& topic, std::chrono::seconds timeout) const {
    std::map<int32_t, int32_t> leaders;
    PollTopic(topic, timeout, [&](const rd_kafka_metadata_topic_t& t) {
      leaders.clear();
      for (int p = 0; p < t.partition_cnt; ++p)
        if (t.partitions[p].leader >= 0) leaders[t.partitions[p].id] = t.partitions[p].leader;
      if (t.partition_cnt > 0 && static_cast<int>(leaders.size()) == t.partition_cnt) return true;
      leaders.clear();
      return false;
    });
    return leaders;
  }

  // Waits until some partition of `topic` holds a record (a writer is past
  // opening its topics). False after `timeout`.
  bool WaitForRecords(const std::string& topic, std::chrono::seconds timeout) const {
    rd_kafka_t* rk = Client(brokers_);
    if (rk == nullptr) return false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool found = false;
    while (!found && std::chrono::steady_clock::now() < deadline) {
      int partitions = 0;
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk, 1, nullptr, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int t = 0; t < md->topic_cnt; ++t)
          if (topic == md->topics[t].topic) partitions = md->topics[t].partition_cnt;
        rd_kafka_metadata_destroy(md);
      }
      for (int p = 0; p < partitions && !found; ++p) {
        int64_t low = 0, high = 0;
        found = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 2000) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR &&
                high > 0;
      }
      if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    rd_kafka_destroy(rk);
    return found;
  }

 private:
  RealCluster() {
    const char* state = std::getenv("KAFKA_REAL_STATE");
    if (state == nullptr) {
      skip_ = "KAFKA_REAL_STATE is not set: run these tests through ctest -L kafka-real";
      return;
    }
    state_ = state;
    skip_ = Read(state_ + "/skip");
    brokers_ = Read(state_ + "/brokers");
    local_ = Read(state_ + "/mode") == "local";
    if (skip_.empty() && brokers_.empty())
      skip_ = "the kafka_real fixture left no brokers in " + state_ + " (did it run?)";
    // A broker listens a moment before it registers: wait until the
    // metadata lists all 3, or topics get fewer replicas than tests expect.
    if (skip_.empty() && local_ && BrokerCount(std::chrono::seconds(60)) < 3)
      problem_ = "the cluster of the kafka_real fixture does not list 3 brokers after 60 s";
  }

  // Asks for `topic`'s metadata every 250 ms until `done` says so or
  // `timeout` passes; returns `done`'s last answer.
  template <typename Done>
  bool PollTopic(const std::string& topic, std::chrono::seconds timeout, Done done) const {
    rd_kafka_t* rk = Client(brokers_);
    if (rk == nullptr) return false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool ok = false;
    while (!ok && std::chrono::steady_clock::now() < deadline) {
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk, 1, nullptr, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int t = 0; t < md->topic_cnt; ++t)
          if (topic == md->topics[t].topic) ok = done(md->topics[t]);
        rd_kafka_metadata_destroy(md);
      }
      if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    rd_kafka_destroy(rk);
    return ok;
  }

  // A quiet client handle for metadata requests (nullptr if librdkafka refuses).
  static rd_kafka_t* Client(const std::string& bootstrap) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    return rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  }

  // Whether broker `id` itself answers a metadata request listing it: a
  // broker processes requests only once registered (its port opens before).
  bool Lists(int id) const {
    const std::string self =
        "127.0.0.1:" + Read(state_ + "/cluster/broker-" + std::to_string(id) + ".port");
    rd_kafka_t* rk = Client(self);
    if (rk == nullptr) return false;
    bool listed = false;
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, nullptr, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int b = 0; b < md->broker_cnt; ++b) listed |= md->brokers[b].id == id;
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_destroy(rk);
    return listed;
  }

  int BrokerCount(std::chrono::seconds timeout) const {
    rd_kafka_t* rk = Client(brokers_);
    if (rk == nullptr) return 0;
    int count = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (count < 3 && std::chrono::steady_clock::now() < deadline) {
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk, 0, nullptr, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        count = md->broker_cnt;
        rd_kafka_metadata_destroy(md);
      }
      if (count < 3) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    rd_kafka_destroy(rk);
    return count;
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  void Run(const std::string& args) const {
    const std::string command = std::string(LEDGER_KAFKA_CLUSTER) + " " + args.substr(0, args.find(' ')) +
                                " " + state_ + "/cluster" + args.substr(args.find(' ')) +
                                " > " + state_ + "/last-command.log 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0)
        << command << ": " << Read(state_ + "/last-command.log");
  }

  std::string state_, brokers_, skip_, problem_;
  bool local_ = false;
};

// A topic name no earlier run used (tests may run against a kept cluster).
inline std::string UniqueTopic(const std::string& stem) {
  return "ledger.real." + stem + "." + std::to_string(getpid()) + "." +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000007);
}

}  // namespace ledger::testing

// Skips the test (saying why) when no real cluster is at hand.
#define LEDGER_REQUIRE_REAL_KAFKA()                                                  \
  do {                                                                               \
    if (!::ledger::testing::RealCluster::Get().skip_reason().empty())                \
      GTEST_SKIP() << ::ledger::testing::RealCluster::Get().skip_reason();           \
    if (!::ledger::testing::RealCluster::Get().problem().empty())                    \
      GTEST_FAIL() << ::ledger::testing::RealCluster::Get().problem();               \
  } while (0)

// Also skips when the brokers cannot be killed (KAFKA_BROKERS given).
#define LEDGER_REQUIRE_LOCAL_KAFKA()                                                 \
  do {                                                                               \
    LEDGER_REQUIRE_REAL_KAFKA();                                                     \
    if (!::ledger::testing::RealCluster::Get().local())                              \
      GTEST_SKIP() << "brokers of KAFKA_BROKERS cannot be killed by this test";      \
  } while (0)
