// KafkaEventLog: the EventLog port on one Kafka topic, through librdkafka.
// Settings and their reasons, the error table and the mock cluster's limits:
// events/kafka/README.md.
//
// Contract (beyond event_log.h):
//  - Open() fetches the cluster's metadata within `timeout`: unreachable brokers
//    give Unavailable naming them (and librdkafka's last error), never a hang.
//    A missing topic is created (when create_topic_if_missing and not
//    read_only) with `partitions`, `replication_factor` (default min(3,
//    brokers)), cleanup.policy=delete, retention.ms=-1 (a kKeyStore:
//    cleanup.policy=compact, max.compaction.lag.ms) and min.insync.replicas
//    set explicitly (README.md); an existing topic keeps its own partition
//    count, which partition_count() reports and placement uses, and has its
//    settings checked (check_topic_settings).
//  - A delivery that times out while the partition has fewer in-sync replicas
//    than min.insync.replicas is reported as NOT_ENOUGH_REPLICAS, naming them.
//  - Append() produces each value, keyed, to partition
//    PartitionForKey(key, partition_count()) with an idempotent acks=all
//    producer, then waits for the delivery reports of those values: it is
//    synchronous per call (one round trip to the partition leader and its
//    in-sync replicas), bounded by the producer's message.timeout.ms (30 s).
//    A delivery failure poisons the log: every later Append/Flush returns that
//    error until the log is reopened (the tail's state is unknown).
//    Atomicity: the values of one Append are enqueued together and leave in
//    one record batch (which a broker appends atomically) as long as they fit
//    in one (batch.size, 1 MB by default); a bigger Append that fails midway
//    can leave a prefix in the topic.
//  - AppendAsync() enqueues and returns; Flush() waits (up to
//    message.timeout.ms + `timeout`) for
//    every outstanding delivery report, then hands each AppendAsync its first
//    offset. After Append alone, Flush() only reports: those records are
//    already acknowledged by the in-sync replicas when Append returns.
//  - EndOffset() is the partition's high watermark. Offset lookups and
//    readers wait for a partition's leader as long as a delivery may take
//    (message.timeout.ms + `timeout`): a killed leader's successor may take
//    longer than `timeout` to be elected. Readers read with
//    isolation.level=read_committed, each on its own consumer (no group
//    membership, no offset commits).
//  - Offsets increase but need not be dense: transaction markers and aborted
//    records (transactional_id) take offsets readers skip. A record behind a
//    reader's position is DataLoss.
//
// Thread-safety: as the port (one writer thread at a time; each reader on one
// thread). Destroy readers and logs before the cluster they talk to goes away
// (tests: before the MockKafkaCluster).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "events/event_log.h"

namespace ledger {

// What a topic holds, which decides the settings it is created with and
// checked against (README.md "Topic settings").
enum class TopicPurpose {
  // The ledger's events: every record kept forever (cleanup.policy=delete,
  // retention.ms=-1); compaction refused.
  kEvents,
  // Per-person keys (the privacy issue's key store): the latest record of
  // each key kept, older ones and erased keys purged by compaction within
  // max_compaction_lag (cleanup.policy=compact); deletion by age refused.
  kKeyStore,
};

struct KafkaLogOptions {
  std::string brokers;  // "host:port[,host:port…]" (bootstrap.servers)
  TopicPurpose purpose = TopicPurpose::kEvents;
  // kKeyStore: the longest an overwritten or erased key's older record may
  // stay on the brokers' disks (max.compaction.lag.ms): the erasure bound.
  std::chrono::milliseconds max_compaction_lag{std::chrono::hours(24 * 7)};
  std::string topic = "ledger.account-events";
  int32_t partitions = 12;  // when creating the topic
  // Set when the user asked for `partitions` (kafka://…?partitions=N): an
  // existing topic with another count is then reported (it keeps its own).
  bool partitions_given = false;
  // When creating; 0: min(3, brokers in the cluster). min.insync.replicas is
  // set with it: 2 from 3 replicas up, else 1.
  int16_t replication_factor = 0;
  bool create_topic_if_missing = true;
  // Check an existing topic's settings on Open (kafka_topic_settings.h):
  // what would lose events or block writes is refused, the rest warned about
  // through on_warning. Off for librdkafka 2.0.2's mock (no DescribeConfigs).
  bool check_topic_settings = true;
  std::function<void(const std::string&)> on_warning;
  // Non-empty: a transactional writer (Kafka's transactional.id). Opening
  // fences every earlier writer of the same id (their later appends fail,
  // their open transaction is aborted); every Flush — and every synchronous
  // Append — commits one transaction, and nothing is acknowledged before it
  // commits. Readers (read_committed) never see aborted records; commit
  // markers take offsets, so a transactional topic's offsets are not dense.
  // A fenced writer's calls return Aborted.
  std::string transactional_id;
  bool read_only = false;  // no producer: Append/Flush are refused
  // Bound on the metadata, topic creation, Flush, EndOffset and reader waits.
  std::chrono::milliseconds timeout{10000};
  // librdkafka properties applied to every handle after ours (security.protocol,
  // sasl.*, ssl.*, debug, timeouts for tests…). The settings the ledger's
  // guarantees rest on (acks, enable.idempotence, isolation.level,
  // enable.auto.commit, bootstrap.servers) are refused: InvalidArgument.
  std::map<std::string, std::string> extra_config;
  // Creates a missing topic: OK when it made it; AlreadyExists when another
  // party had meanwhile (Open then checks it as an existing topic). Empty (the
  // default): the Admin API's CreateTopics with the topic configs above.
  // librdkafka 2.0.2's mock cluster does not implement CreateTopics, so tests
  // on it pass MockKafkaCluster's creator.
  std::function<Status(const std::string& topic, int32_t partitions, int16_t replication_factor)>
      create_topic;
};

// The URI's shape, for messages: kafka://host:port[,host:port…][?topic=…&…].
extern const char kKafkaUriShape[];

// Parses "kafka://host:port[,host:port…][?topic=NAME&partitions=N&replication=R]"
// into options (the other fields keep their defaults). InvalidArgument naming
// the offending part otherwise ("kafka://b1:x: broker 'b1:x' has port 'x', not a
// number in 1..65535 (expected …)").
Result<KafkaLogOptions> ParseKafkaUri(std::string_view uri);

class KafkaEventLog final : public EventLog {
 public:
  // Unavailable when no broker answers within options.timeout; NotFound when
  // the topic is missing and may not be created; InvalidArgument for bad
  // options or configuration; creation errors as KafkaStatus maps them.
  static Result<std::unique_ptr<KafkaEventLog>> Open(const KafkaLogOptions& options);
  // Waits up to options.timeout for undelivered records (normally none), then
  // closes the producer.
  ~KafkaEventLog() override;

  int32_t partition_count() const override;
  // FailedPrecondition when read_only; InvalidArgument for an empty `values`
  // or a record over the producer's message.max.bytes; otherwise the mapped
  // delivery error (and the log is poisoned). Never hangs: bounded by
  // message.timeout.ms.
  Result<int64_t> Append(std::string_view key, std::span<const std::string> values) override;
  // OK (nothing to do) for a read_only log; the poisoning error if any
  // delivery failed; Unavailable (and poisoned) if records are still
  // undelivered after message.timeout.ms + options.timeout.
  // Enqueues like Append without waiting: many AppendAsync calls share round
  // trips (group commit). The callbacks are called by the next Flush that
  // returns OK, in append order; a delivery failure poisons the log and no
  // callback pending then is ever called. Same errors as Append for what can
  // be checked at once.
  Status AppendAsync(std::string_view key, std::span<const std::string> values,
                     std::function<void(int64_t first_offset)> on_offset) override;
  Status Flush() override;
  // InvalidArgument for a partition outside [0, partition_count()).
  Result<int64_t> EndOffset(int32_t partition) override;
  // Every partition's end in one ListOffsets round trip.
  Result<std::vector<int64_t>> EndOffsets() override;
  // InvalidArgument when `from` is outside [0, EndOffset]; DataLoss when the
  // brokers no longer hold offset `from` (retention or deletion). The reader's
  // Next() never blocks longer than message.timeout.ms + options.timeout
  // (Unavailable then).
  Result<std::unique_ptr<LogReader>> OpenReader(int32_t partition, int64_t from) override;

  const KafkaLogOptions& options() const;
  // The cluster's id (Kafka's cluster.id), "" if the brokers did not give one.
  const std::string& cluster_id() const;
  // Where the projections of this log are kept apart from other logs':
  // "kafka-<cluster id>-<topic>", the same for every URI naming this topic.
  std::string Identity() const override;

  class Impl;

 private:
  explicit KafkaEventLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger
