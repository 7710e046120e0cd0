// Internal to events/kafka: the settings a ledger topic must have, checked
// when the log opens an existing topic (README.md: topic settings).
//
// A ledger keeps every event forever and an acknowledged event survives the
// loss of a broker; a key store (TopicPurpose::kKeyStore) keeps each key's
// latest record and must purge older and erased ones within a bound.
// CheckTopicSettings is pure: it judges the facts Open gathered (metadata
// and DescribeConfigs) and
//  - refuses (FailedPrecondition, the message giving the kafka-configs.sh
//    command that fixes it) what loses records or blocks every write:
//    events: cleanup.policy with compact, retention.ms or retention.bytes
//    other than -1; key store: cleanup.policy other than exactly compact
//    (deletion by age would lose live keys); both: min.insync.replicas
//    above the replication factor;
//  - key store: warns when max.compaction.lag.ms is unset or beyond the
//    erasure bound asked for (an erased key could stay on disk for ever);
//  - warns about what weakens durability or surprises: fewer replicas than
//    min(3, brokers), min.insync.replicas=1 with 3 replicas or more, unclean
//    leader election, a partition count other than the one asked for.
// Thread-safety: pure functions; DescribeTopicConfigs as librdkafka handles.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "events/kafka/kafka_event_log.h"
#include "events/status.h"

namespace ledger::kafka {

struct TopicFacts {
  std::string topic;
  std::string brokers;          // bootstrap list, for the commands in messages
  int32_t partitions = 0;       // from the metadata
  int32_t replication = 0;      // the smallest replica count of its partitions
  int32_t cluster_brokers = 0;  // brokers the metadata lists
  std::optional<int32_t> wanted_partitions;  // given explicitly by the user
  TopicPurpose purpose = TopicPurpose::kEvents;
  int64_t max_compaction_lag_ms = 0;  // kKeyStore: the erasure bound asked for
  std::map<std::string, std::string> configs;  // DescribeConfigs; empty if unknown
};

struct TopicVerdict {
  Status refusal;  // OK, or why the topic cannot hold a ledger
  std::vector<std::string> warnings;
};

TopicVerdict CheckTopicSettings(const TopicFacts& facts);

// The replication factor to create a topic with when none is given: 3, or
// the cluster's broker count when it has fewer.
int16_t DefaultReplication(int32_t cluster_brokers);
// min.insync.replicas for a new topic: 2 from 3 replicas up (one broker may
// fail and writes go on), else 1 (more would refuse every write).
int32_t MinInsyncFor(int32_t replication);

// The topic's configuration entries through the Admin API's DescribeConfigs,
// within `timeout`. Unavailable when the cluster does not answer (librdkafka
// 2.0.2's mock has no DescribeConfigs); NotFound when the topic is unknown
// to the broker asked or its answer lists none of the topic's settings (a
// broker that has not loaded a topic just created: ask again).
Result<std::map<std::string, std::string>> DescribeTopicConfigs(rd_kafka_t* rk,
                                                                const std::string& topic,
                                                                std::chrono::milliseconds timeout);

}  // namespace ledger::kafka
