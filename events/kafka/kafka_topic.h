// Internal to events/kafka: the ledger's topic as the cluster's metadata
// describes it, and its creation through the Admin API.
// Thread-safety: thread-safe (librdkafka handles are).
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <optional>

#include "events/kafka/kafka_event_log.h"

namespace ledger::kafka {

// The topic as the metadata shows it.
struct TopicShape {
  int32_t partitions = 0;
  int32_t replication = 0;  // the smallest replica count of its partitions
};

// options.topic in `md`, nullopt when `md` does not list it. The topic's own
// error as KafkaStatus maps it; Unavailable while it has no partitions yet
// (just created).
Result<std::optional<TopicShape>> FindTopic(const rd_kafka_metadata_t& md,
                                            const KafkaLogOptions& options);

// CreateTopics(options.topic, options.partitions, options.replication_factor
// (resolved: not 0), cleanup.policy=delete, retention.ms=-1 — for a
// kKeyStore: cleanup.policy=compact, max.compaction.lag.ms — ,
// unclean.leader.election.enable=false, and min.insync.replicas =
// MinInsyncFor(replication factor), explicitly) through `rk`, waiting at most
// `timeout` (+1 s for the report). OK when created; AlreadyExists when the
// topic exists already (another writer or an administrator created it since
// the metadata said it was missing: its settings are theirs, for the caller to
// check); the mapped error otherwise (Unavailable when the cluster does not
// answer in time, e.g. librdkafka 2.0.2's mock, which has no CreateTopics).
Status CreateTopicWithAdminApi(rd_kafka_t* rk, const KafkaLogOptions& options,
                               std::chrono::milliseconds timeout);

}  // namespace ledger::kafka
