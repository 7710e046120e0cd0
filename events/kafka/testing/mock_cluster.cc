#include "events/kafka/testing/mock_cluster.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <set>

#include "events/kafka/kafka_status.h"

namespace ledger::testing {

namespace {

// Kafka protocol ApiKey of ProduceRequest (RD_KAFKAP_Produce is not public).
constexpr int16_t kProduceApiKey = 0;

// The hosting handle has no brokers of its own; its only log line would be
// that complaint.
void Quiet(const rd_kafka_t*, int, const char*, const char*) {}

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "MockKafkaCluster: %s\n", why.c_str());
  std::abort();
}

// Sets TCP_NODELAY on this process's listening sockets bound to one of
// `ports`; Linux hands the option down to the connections they accept.
// Returns how many listeners were changed.
int DisableNagleOnListeners(const std::set<int>& ports) {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return 0;
  int changed = 0;
  while (const dirent* e = readdir(fds)) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == dirfd(fds)) continue;
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    int listening = 0;
    socklen_t olen = sizeof listening;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        addr.sin_family != AF_INET || ports.count(ntohs(addr.sin_port)) == 0 ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &olen) != 0 || !listening)
      continue;
    const int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0) ++changed;
  }
  closedir(fds);
  return changed;
}

}  // namespace

MockKafkaCluster::MockKafkaCluster(int brokers) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, Quiet);
  char errstr[512];
  host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (host_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    Die(std::string("cannot create the hosting handle: ") + errstr);
  }
  cluster_ = rd_kafka_mock_cluster_new(host_, brokers);
  if (cluster_ == nullptr) Die("rd_kafka_mock_cluster_new failed");
  bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  // The mock's brokers leave Nagle's algorithm on; against the client's
  // delayed ACKs every second response of a connection then waits 40 ms.
  // Real brokers set TCP_NODELAY (Kafka's socket server does by default).
  std::set<int> ports;
  for (size_t at = 0; at < bootstrap_servers_.size();) {
    size_t colon = bootstrap_servers_.find(':', at), comma = bootstrap_servers_.find(',', at);
    if (colon == std::string::npos) break;
    ports.insert(std::atoi(bootstrap_servers_.c_str() + colon + 1));
    at = comma == std::string::npos ? bootstrap_servers_.size() : comma + 1;
  }
  if (DisableNagleOnListeners(ports) != brokers)
    std::fprintf(stderr, "MockKafkaCluster: could not set TCP_NODELAY on every broker; "
                         "responses may lag by 40 ms\n");
}

MockKafkaCluster::~MockKafkaCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(host_);
}

Status MockKafkaCluster::CreateTopic(const std::string& name, int32_t partitions,
                                     int replication_factor) {
  return KafkaStatus(
      rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication_factor),
      "mock cluster: creating topic " + name);
}

Status MockKafkaCluster::SetBrokerDown(int32_t broker_id, bool down) {
  rd_kafka_resp_err_t err = down ? rd_kafka_mock_broker_set_down(cluster_, broker_id)
                                 : rd_kafka_mock_broker_set_up(cluster_, broker_id);
  return KafkaStatus(
      err, "mock cluster: setting broker " + std::to_string(broker_id) + (down ? " down" : " up"));
}

Status MockKafkaCluster::SetBrokerRtt(int32_t broker_id, std::chrono::milliseconds rtt) {
  return KafkaStatus(
      rd_kafka_mock_broker_set_rtt(cluster_, broker_id, static_cast<int>(rtt.count())),
      "mock cluster: setting broker " + std::to_string(broker_id) + " round-trip time");
}

Status MockKafkaCluster::SetPartitionLeader(const std::string& topic, int32_t partition,
                                            int32_t broker_id) {
  return KafkaStatus(
      rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker_id),
      "mock cluster: leader of " + topic + " partition " + std::to_string(partition));
}

void MockKafkaCluster::PushProduceErrors(const std::vector<rd_kafka_resp_err_t>& errors) {
  rd_kafka_mock_push_request_errors_array(cluster_, kProduceApiKey, errors.size(), errors.data());
}

KafkaLogOptions MockKafkaCluster::LogOptions(const std::string& topic) const {
  KafkaLogOptions options;
  options.brokers = bootstrap_servers_;
  options.topic = topic;
  options.check_topic_settings = false;  // no DescribeConfigs on the mock
  options.create_topic = [cluster = cluster_](const std::string& name, int32_t partitions,
                                              int16_t replication_factor) {
    return KafkaStatus(
        rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, replication_factor),
        "mock cluster: creating topic " + name);
  };
  return options;
}

}  // namespace ledger::testing
