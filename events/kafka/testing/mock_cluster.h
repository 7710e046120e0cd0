// MockKafkaCluster: librdkafka's in-process mock Kafka cluster (rdkafka_mock.h)
// for tests of the Kafka adapters — the log, consumer groups, migration.
//
// Brokers have ids 1..N and listen on 127.0.0.1 ports; any librdkafka client
// in the process (or outside it) connects to bootstrap_servers(). The cluster
// lives while this object does: destroy every client (KafkaEventLog, readers,
// consumers) first, or their shutdown waits for brokers that are gone.
//
// Limits of librdkafka 2.0.2's mock (events/kafka/README.md):
//  - memory only; each partition keeps about 5 MiB / 100,000 message sets and
//    silently drops older ones: keep test data well below;
//  - no Admin API (CreateTopics): create topics with CreateTopic(), or pass
//    LogOptions()'s creator to KafkaEventLog;
//  - a metadata request naming a missing topic auto-creates it with 4
//    partitions: create topics before any client names them;
//  - broker down/up does not move partition leaders: use SetPartitionLeader;
//  - its brokers leave Nagle's algorithm on (a response can lag 40 ms behind
//    the client's delayed ACK); the constructor sets TCP_NODELAY on their
//    listening sockets, as real brokers do (Linux only: /proc/self/fd).
//
// Thread-safety: the mock is thread-safe; calls may come from any thread.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <string>
#include <vector>

#include "events/kafka/kafka_event_log.h"
#include "events/status.h"

namespace ledger::testing {

class MockKafkaCluster {
 public:
  // Starts `brokers` brokers (ids 1..brokers). Aborts the test binary if
  // librdkafka cannot start them (an environment fault, not a test outcome).
  explicit MockKafkaCluster(int brokers = 3);
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  // "127.0.0.1:port,127.0.0.1:port,…", for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

  // Creates topic `name` with `partitions`, leaders spread over the brokers.
  // AlreadyExists if the cluster has it.
  Status CreateTopic(const std::string& name, int32_t partitions, int replication_factor = 3);

  // Disconnects broker `broker_id` and refuses connections (down) or accepts
  // them again (up). Leaders do not move: the broker's partitions are
  // unavailable while it is down, as with a real broker before re-election.
  Status SetBrokerDown(int32_t broker_id, bool down);

  // Delays every response of broker `broker_id` by `rtt` (0: none), as a
  // distant broker would; makes a fast client's progress observable.
  Status SetBrokerRtt(int32_t broker_id, std::chrono::milliseconds rtt);

  // Makes `broker_id` the leader of topic `topic`'s `partition`.
  Status SetPartitionLeader(const std::string& topic, int32_t partition, int32_t broker_id);

  // The next errors.size() Produce requests, to any broker, fail with these
  // errors, in order, without appending anything. Retriable errors
  // (NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS…) are
  // retried by the producer; RD_KAFKA_RESP_ERR__TRANSPORT drops the connection.
  void PushProduceErrors(const std::vector<rd_kafka_resp_err_t>& errors);

  // Options for a KafkaEventLog on this cluster: its brokers, `topic`, a
  // creator using CreateTopic() (the mock has no CreateTopics API), and a
  // 10 s timeout.
  KafkaLogOptions LogOptions(const std::string& topic = "ledger.account-events") const;

  // For the rdkafka_mock.h calls not wrapped here.
  rd_kafka_mock_cluster_t* get() const { return cluster_; }

 private:
  rd_kafka_t* host_ = nullptr;  // the handle the mock cluster lives in
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_servers_;
};

}  // namespace ledger::testing
