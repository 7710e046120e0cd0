#include "events/kafka/kafka_topic_settings.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "events/kafka/kafka_client.h"
#include "events/kafka/kafka_status.h"

namespace ledger::kafka {

namespace {

struct ConfigResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};

// A numeric setting; 0 when missing or not a number.
int64_t Int(const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); }

std::string Config(const TopicFacts& f, const std::string& name) {
  auto it = f.configs.find(name);
  return it == f.configs.end() ? std::string() : it->second;
}

// The kafka-configs.sh command setting `assignment` ("name=value") on the topic.
std::string Fix(const TopicFacts& f, const std::string& assignment) {
  return "kafka-configs.sh --bootstrap-server " + f.brokers +
         " --alter --entity-type topics --entity-name " + f.topic + " --add-config " + assignment;
}

}  // namespace

int16_t DefaultReplication(int32_t cluster_brokers) {
  return static_cast<int16_t>(std::clamp(cluster_brokers, 1, 3));
}

int32_t MinInsyncFor(int32_t replication) { return replication >= 3 ? 2 : 1; }

TopicVerdict CheckTopicSettings(const TopicFacts& f) {
  TopicVerdict v;
  const std::string topic = "Kafka topic " + f.topic;
  const std::string policy = Config(f, "cleanup.policy");
  const std::string retention_ms = Config(f, "retention.ms");
  const std::string retention_bytes = Config(f, "retention.bytes");
  const std::string min_insync = Config(f, "min.insync.replicas");
  if (f.purpose == TopicPurpose::kKeyStore) {
    if (!policy.empty() && policy != "compact")  // empty: the settings could not be read
      v.refusal = FailedPrecondition(
          topic + " has cleanup.policy=" + policy +
          ": a key store keeps each key's latest record for as long as it is not erased (deletion "
          "by age would make data unreadable, and without compaction erased keys stay); fix: " +
          Fix(f, "cleanup.policy=compact"));
  } else if (policy.find("compact") != std::string::npos) {
    v.refusal = FailedPrecondition(
        topic + " has cleanup.policy=" + policy +
        ": compaction deletes events a ledger must keep (and breaks its dense offsets); fix: " +
        Fix(f, "cleanup.policy=delete"));
  } else if (!retention_ms.empty() && retention_ms != "-1") {
    v.refusal = FailedPrecondition(topic + " has retention.ms=" + retention_ms +
                                   ": the brokers would delete older events, and a ledger keeps "
                                   "every event; fix: " +
                                   Fix(f, "retention.ms=-1"));
  } else if (!retention_bytes.empty() && retention_bytes != "-1") {
    v.refusal = FailedPrecondition(topic + " has retention.bytes=" + retention_bytes +
                                   ": the brokers would delete the oldest events beyond it; fix: " +
                                   Fix(f, "retention.bytes=-1"));
  }
  if (v.refusal.ok() && !min_insync.empty() && f.replication > 0 && Int(min_insync) > f.replication) {
    v.refusal = FailedPrecondition(
        topic + " has " + std::to_string(f.replication) + " replica(s) but min.insync.replicas=" +
        min_insync + ": no acks=all write can ever be acknowledged (NOT_ENOUGH_REPLICAS); fix: " +
        Fix(f, "min.insync.replicas=" + std::to_string(MinInsyncFor(f.replication))) +
        ", or give the topic more replicas (kafka-reassign-partitions.sh)");
  }
  if (f.purpose == TopicPurpose::kKeyStore && f.max_compaction_lag_ms > 0 && !f.configs.empty()) {
    const std::string lag = Config(f, "max.compaction.lag.ms");
    if (lag.empty() || Int(lag) <= 0 || Int(lag) > f.max_compaction_lag_ms)
      v.warnings.push_back(topic + " has max.compaction.lag.ms=" + (lag.empty() ? "(unset)" : lag) +
                           ": an erased or replaced key may stay on the brokers' disks longer than " +
                           std::to_string(f.max_compaction_lag_ms) + " ms; fix: " +
                           Fix(f, "max.compaction.lag.ms=" + std::to_string(f.max_compaction_lag_ms)));
  }
  const int32_t wanted_replication = DefaultReplication(f.cluster_brokers);
  if (f.replication > 0 && f.replication < wanted_replication)
    v.warnings.push_back(topic + " has " + std::to_string(f.replication) +
                         " replica(s) on a cluster of " + std::to_string(f.cluster_brokers) +
                         " brokers: losing one broker stops the ledger or loses its events; give "
                         "it " +
                         std::to_string(wanted_replication) +
                         " replicas (kafka-reassign-partitions.sh)");
  if (f.replication >= 3 && !min_insync.empty() && Int(min_insync) < 2)
    v.warnings.push_back(topic + " has min.insync.replicas=" + min_insync + " with " +
                         std::to_string(f.replication) +
                         " replicas: an event acknowledged by its leader alone is lost with that "
                         "broker; fix: " +
                         Fix(f, "min.insync.replicas=2"));
  if (Config(f, "unclean.leader.election.enable") == "true")
    v.warnings.push_back(topic +
                         " allows unclean leader election: an out-of-date replica may become "
                         "leader and acknowledged events vanish; fix: " +
                         Fix(f, "unclean.leader.election.enable=false"));
  if (f.wanted_partitions && *f.wanted_partitions != f.partitions)
    v.warnings.push_back(topic + " exists with " + std::to_string(f.partitions) +
                         " partitions, not the " + std::to_string(*f.wanted_partitions) +
                         " asked for: the ledger uses its " + std::to_string(f.partitions));
  return v;
}

Result<std::map<std::string, std::string>> DescribeTopicConfigs(
    rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout) {
  const std::string what = "reading the settings of Kafka topic " + topic;
  LEDGER_ASSIGN_OR_RETURN(AdminOptions admin,
                          MakeAdminOptions(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout, what));
  std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  Queue queue(rd_kafka_queue_new(rk));
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  rd_kafka_DescribeConfigs(rk, resources, 1, admin.get(), queue.get());
  Event event(rd_kafka_queue_poll(queue.get(), std::max(1, TimeoutMs(timeout)) + 1000));
  if (event == nullptr) return Unavailable(what + ": no answer within " + Seconds(timeout));
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return WithDetail(KafkaStatus(rd_kafka_event_error(event.get()), what),
                      rd_kafka_event_error_string(event.get()));
  size_t count = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  std::map<std::string, std::string> configs;
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return WithDetail(KafkaStatus(rd_kafka_ConfigResource_error(results[i]), what),
                        rd_kafka_ConfigResource_error_string(results[i]));
    size_t n = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(results[i], &n);
    for (size_t e = 0; e < n; ++e) {
      const char* value = rd_kafka_ConfigEntry_value(entries[e]);
      configs[rd_kafka_ConfigEntry_name(entries[e])] = value != nullptr ? value : "";
    }
  }
  // A real broker lists every setting, defaults included: none listed is a
  // broker that has not loaded the topic yet, as UNKNOWN_TOPIC_OR_PART is.
  if (configs.empty()) return NotFound(what + ": the brokers listed none of its settings");
  return configs;
}

}  // namespace ledger::kafka
