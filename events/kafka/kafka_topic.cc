#include "events/kafka/kafka_topic.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "events/kafka/kafka_client.h"
#include "events/kafka/kafka_status.h"
#include "events/kafka/kafka_topic_settings.h"

namespace ledger::kafka {

namespace {

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};

constexpr char kHint[] =
    " (or create the topic beforehand: events/kafka/README.md lists its settings)";

}  // namespace

Result<std::optional<TopicShape>> FindTopic(const rd_kafka_metadata_t& md,
                                            const KafkaLogOptions& options) {
  for (int i = 0; i < md.topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md.topics[i];
    if (options.topic != t.topic) continue;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return KafkaStatus(t.err,
                         "Kafka topic " + options.topic + " on broker(s) " + options.brokers);
    if (t.partition_cnt <= 0)
      return Unavailable("Kafka topic " + options.topic + " has no partitions yet");
    TopicShape shape{t.partition_cnt, t.partitions[0].replica_cnt};
    for (int p = 1; p < t.partition_cnt; ++p)
      shape.replication = std::min(shape.replication, t.partitions[p].replica_cnt);
    return std::optional<TopicShape>(shape);
  }
  return std::optional<TopicShape>();
}

Status CreateTopicWithAdminApi(rd_kafka_t* rk, const KafkaLogOptions& options,
                               std::chrono::milliseconds timeout) {
  const std::string what = "creating Kafka topic " + options.topic + " (" +
                           std::to_string(options.partitions) + " partitions, replication factor " +
                           std::to_string(options.replication_factor) + ")";
  char errstr[512];
  std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> topic(
      rd_kafka_NewTopic_new(options.topic.c_str(), options.partitions, options.replication_factor,
                            errstr, sizeof errstr));
  if (topic == nullptr) return InvalidArgument(what + ": " + errstr);
  // A ledger is kept whole and forever, and an acknowledged record survives
  // the loss of a broker (README: topic settings).
  std::vector<std::pair<const char*, const char*>> configs = {
      {"cleanup.policy", "delete"},
      {"retention.ms", "-1"},
      {"unclean.leader.election.enable", "false"},
  };
  // A key store keeps each key's latest record; the older ones, and an erased
  // key's tombstone, go within the erasure bound.
  const std::string max_lag = std::to_string(options.max_compaction_lag.count());
  if (options.purpose == TopicPurpose::kKeyStore)
    configs = {{"cleanup.policy", "compact"},
               {"max.compaction.lag.ms", max_lag.c_str()},
               {"unclean.leader.election.enable", "false"}};
  // Explicit, whatever the brokers' default: 2 from 3 replicas up, else 1
  // (a broker default of 2 on a 1-replica topic refuses every write).
  const std::string min_insync = std::to_string(MinInsyncFor(options.replication_factor));
  configs.emplace_back("min.insync.replicas", min_insync.c_str());
  for (const auto& [name, value] : configs) {
    rd_kafka_resp_err_t err = rd_kafka_NewTopic_set_config(topic.get(), name, value);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaStatus(err, what);
  }
  LEDGER_ASSIGN_OR_RETURN(AdminOptions admin,
                          MakeAdminOptions(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout, what));
  const int wait_ms = std::max(1, TimeoutMs(timeout));
  Queue queue(rd_kafka_queue_new(rk));
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(rk, topics, 1, admin.get(), queue.get());
  // The request timeout ends the operation; the extra second covers its report.
  Event event(rd_kafka_queue_poll(queue.get(), wait_ms + 1000));
  if (event == nullptr)
    return Unavailable(what + ": no answer from broker(s) " + options.brokers + " within " +
                       Seconds(timeout) + kHint);
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Status s = WithDetail(
        KafkaStatus(rd_kafka_event_error(event.get()), what + " on broker(s) " + options.brokers),
        rd_kafka_event_error_string(event.get()));
    return Status(s.code(), s.message() + kHint);
  }
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    const char* detail = rd_kafka_topic_result_error_string(results[i]);
    return WithDetail(KafkaStatus(err, what), detail != nullptr ? detail : "");
  }
  return OkStatus();
}

}  // namespace ledger::kafka
