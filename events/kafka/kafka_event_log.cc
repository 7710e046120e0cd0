#include "events/kafka/kafka_event_log.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <list>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "events/identifiers.h"
#include "events/kafka/kafka_client.h"
#include "events/kafka/kafka_log_reader.h"
#include "events/kafka/kafka_status.h"
#include "events/kafka/kafka_topic.h"
#include "events/kafka/kafka_topic_settings.h"

namespace ledger {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// message.timeout.ms: a record is delivered or reported failed within it, so
// an Append never hangs on a broker that does not come back.
constexpr milliseconds kMessageTimeout{30000};
constexpr milliseconds kRetryPause{100};

milliseconds Left(Clock::time_point deadline) {
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

// One Append's (or AppendAsync's) records awaiting their delivery reports.
// Each record's librdkafka opaque points at its Delivery, so a report finds
// its slot.
struct Batch {
  struct Delivery {
    Batch* batch;
    size_t index;
  };
  explicit Batch(size_t n) : offsets(n, -1) {
    deliveries.reserve(n);
    for (size_t i = 0; i < n; ++i) deliveries.push_back(Delivery{this, i});
  }
  Batch(const Batch&) = delete;  // deliveries point at this Batch
  Batch& operator=(const Batch&) = delete;
  std::vector<Delivery> deliveries;
  std::vector<int64_t> offsets;                          // -1 until delivered
  size_t pending = 0;                                    // enqueued, not yet reported
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;  // the first failure
  // AppendAsync's callback: called by Flush once every batch is delivered.
  // Cleared when the log is poisoned (never called then).
  std::function<void(int64_t)> on_offset;
  std::string key;  // for messages
  int32_t partition = 0;
};

}  // namespace

class KafkaEventLog::Impl {
 public:
  explicit Impl(KafkaLogOptions options) : options_(std::move(options)) {}
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Open();
  Result<int64_t> Append(std::string_view key, std::span<const std::string> values);
  Status AppendAsync(std::string_view key, std::span<const std::string> values,
                     std::function<void(int64_t)> on_offset);
  Status Flush();
  Result<int64_t> EndOffset(int32_t partition);
  Result<std::vector<int64_t>> EndOffsets() {
    std::vector<int32_t> all;
    for (int32_t p = 0; p < partitions_; ++p) all.push_back(p);
    Result<std::vector<int64_t>> ends = kafka::ListOffsets(rk_, options_.topic, all, RD_KAFKA_OFFSET_END, LeaderWait());
    if (!ends.ok()) return WithCause(ends.status());
    return ends;
  }
  Result<std::unique_ptr<LogReader>> OpenReader(int32_t partition, int64_t from);

  int32_t partition_count() const { return partitions_; }
  const KafkaLogOptions& options() const { return options_; }
  // How long an offset lookup or a reader waits for a partition's leader: as
  // long as a delivery may take. A killed leader is noticed after ZooKeeper's
  // session timeout (6 s) and a new one elected after that; on a loaded
  // machine that took more than `timeout` (10 s) — a real-cluster test saw
  // the key store's offsets time out while a broker was down.
  milliseconds LeaderWait() const { return message_timeout_ + options_.timeout; }
  const std::string& cluster_id() const { return cluster_id_; }

 private:
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  Result<kafka::Conf> MakeClientConf();
  // The topic's partition count, nullopt when the cluster has no such topic;
  // also notes the cluster's broker count and the topic's replication.
  Result<std::optional<int32_t>> DescribeTopic(Clock::time_point deadline);
  // OK when it made the topic; AlreadyExists when another party just had.
  Status CreateTopic(Clock::time_point deadline);
  // CheckTopicSettings on the existing topic: its refusal, or OK after
  // passing its warnings to options_.on_warning.
  Status CheckTopic(Clock::time_point deadline);
  // `s` with librdkafka's last error event (a refused connection…), which
  // says why when a request only timed out.
  Status WithCause(const Status& s) {
    rd_kafka_poll(rk_, 0);  // serves error events into last_error_
    if (last_error_.empty() || s.message().find(last_error_) != std::string::npos) return s;
    return Status(s.code(), s.message() + " (last error: " + last_error_ + ")");
  }
  void Warn(const std::string& warning) const {
    if (options_.on_warning) options_.on_warning(warning);
  }
  // A failed batch's Status; a timed-out one says why when the cause shows
  // in the metadata (too few in-sync replicas, no leader).
  Status DeliveryError(const Batch& batch);
  // What the metadata shows wrong with `partition` (no leader, too few
  // in-sync replicas); empty when nothing, or when no broker answers.
  std::string PartitionCause(int32_t partition);
  bool transactional() const { return !options_.transactional_id.empty(); }
  // Transactional writer: opens a transaction before the first record after
  // a commit; commits the open one (every record enqueued so far).
  Status BeginTransaction();
  Status CommitTransaction();
  // A transactional API error as a Status (and frees it): fencing is Aborted
  // naming the transactional.id; an abortable error aborts the transaction.
  Status TxnError(rd_kafka_error_t* error, const std::string& what);
  Status Unreachable() const;
  Status CheckPartition(int32_t partition) const;
  // A producer error as a Status; __FATAL is resolved to its cause.
  Status ProducerError(rd_kafka_resp_err_t err, std::string_view detail, std::string context);
  std::string Where(std::string_view key, int32_t partition) const;
  // Checks an Append's arguments and enqueues its records as a new batch (at
  // the end of batches_). On an error nothing of it is left queued, or the log
  // is poisoned.
  Result<Batch*> Enqueue(std::string_view key, std::span<const std::string> values);
  // The first offset of a fully reported batch, or its failure (poisoning).
  Result<int64_t> Settle(const Batch& batch);
  // Poisons the log if a reported batch failed; forgets reported synchronous
  // batches (asynchronous ones wait for Flush to call their callback).
  void ReapBatches();
  // Records the first failure that leaves the tail's state unknown; returns it.
  Status Poison(Status s) {
    MarkPoisoned(s);
    return s;
  }
  void MarkPoisoned(const Status& s) {
    if (poisoned_.ok()) poisoned_ = s.WithContext("Kafka log disabled until reopened after");
  }

  const KafkaLogOptions options_;
  // The producer, or for a read_only log a consumer handle that only serves
  // metadata and watermark queries.
  rd_kafka_t* rk_ = nullptr;
  kafka::Topic topic_;  // producer's topic handle
  int32_t partitions_ = 0;
  int32_t cluster_brokers_ = 0;  // in the last metadata
  int32_t replication_ = 0;      // the topic's smallest replica count
  int32_t min_insync_ = 0;       // the topic's min.insync.replicas, 0 if unknown
  std::string cluster_id_;
  bool in_transaction_ = false;  // transactional writer: a transaction is open
  int64_t max_record_bytes_ = 1000000;  // the producer's message.max.bytes
  milliseconds message_timeout_ = kMessageTimeout;  // a writer's, as configured; a reader's 30 s
  std::list<std::unique_ptr<Batch>> batches_;  // awaiting reports; opaques point into them
  bool reap_needed_ = false;  // a report left something in batches_ for ReapBatches
  Status poisoned_;
  std::string last_error_;  // the last error event, for messages
};

void KafkaEventLog::Impl::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<Batch::Delivery*>(m->_private);
  Batch& b = *d->batch;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    b.offsets[d->index] = m->offset;
  } else if (b.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Not rd_kafka_message_errstr(): for a producer's message it returns the
    // payload (the record, personal data) as a C string.
    b.err = m->err;
  }
  // A failed batch, or a finished one nobody waits for, is ReapBatches' work.
  if (--b.pending == 0 && (!b.on_offset || b.err != RD_KAFKA_RESP_ERR_NO_ERROR))
    static_cast<Impl*>(opaque)->reap_needed_ = true;
}

void KafkaEventLog::Impl::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Impl*>(opaque);
  self->last_error_ = reason;
  if (err == RD_KAFKA_RESP_ERR__FATAL)
    self->MarkPoisoned(self->ProducerError(RD_KAFKA_RESP_ERR__FATAL, reason,
                                           "Kafka producer for topic " + self->options_.topic));
}

KafkaEventLog::Impl::~Impl() {
  if (rk_ == nullptr) return;
  if (topic_ != nullptr &&
      rd_kafka_flush(rk_, kafka::TimeoutMs(options_.timeout)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Undeliverable records: fail them now rather than in rd_kafka_destroy.
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 0);
  }
  topic_.reset();
  rd_kafka_destroy(rk_);
}

Result<kafka::Conf> KafkaEventLog::Impl::MakeClientConf() {
  kafka::Settings settings = {{"bootstrap.servers", options_.brokers}};
  if (options_.read_only) {
    // A consumer handle: never auto-creates topics (librdkafka's default).
    settings.emplace_back("client.id", "ledger-reader");
  } else {
    const kafka::Settings producer = {
        {"client.id", "ledger-writer"},
        // Never let the broker create the topic with its defaults: Open
        // creates it explicitly (librdkafka's producer default is true).
        {"allow.auto.create.topics", "false"},
        {"acks", "all"},
        {"enable.idempotence", "true"},
        // Topic-level: lands on the default topic configuration. The ledger
        // names the partition itself; other clients of the topic place keys
        // the same way with this partitioner (the Java clients' murmur2).
        {"partitioner", "murmur2_random"},
        // Long enough for the values of one Append, enqueued together, to
        // leave in one record batch; short, since Append waits for them.
        {"linger.ms", "5"},
        // Record batches leave compressed (the topic keeps them so: its
        // compression.type is the broker's default, "producer"); a batch of one
        // Append's events or of a group commit shrinks about 3x (README "Scale").
        {"compression.type", "zstd"},
        {"message.timeout.ms", std::to_string(kMessageTimeout.count())},
    };
    settings.insert(settings.end(), producer.begin(), producer.end());
    if (transactional()) settings.emplace_back("transactional.id", options_.transactional_id);
  }
  LEDGER_ASSIGN_OR_RETURN(kafka::Conf conf, kafka::MakeConf(settings, options_.extra_config));
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_error_cb(conf.get(), OnError);
  if (!options_.read_only) {
    rd_kafka_conf_set_dr_msg_cb(conf.get(), OnDelivery);
    char value[64];
    size_t size = sizeof value;
    if (rd_kafka_conf_get(conf.get(), "message.max.bytes", value, &size) == RD_KAFKA_CONF_OK)
      max_record_bytes_ = std::strtoll(value, nullptr, 10);
    size = sizeof value;
    if (rd_kafka_topic_conf_get(rd_kafka_conf_get_default_topic_conf(conf.get()),
                                "message.timeout.ms", value, &size) == RD_KAFKA_CONF_OK)
      message_timeout_ = milliseconds(std::strtoll(value, nullptr, 10));
  }
  return conf;
}

Status KafkaEventLog::Impl::Open() {
  if (options_.brokers.empty())
    return InvalidArgument("no Kafka brokers given: use --log kafka://host:port[,host:port]");
  LEDGER_RETURN_IF_ERROR(kafka::CheckTopicName(options_.topic));
  if (options_.partitions <= 0)
    return InvalidArgument("Kafka topic " + options_.topic + ": partitions must be positive");
  if (options_.replication_factor < 0)
    return InvalidArgument("Kafka topic " + options_.topic +
                           ": replication_factor must be positive (or 0: min(3, brokers))");
  if (options_.timeout <= milliseconds(0))
    return InvalidArgument("Kafka log: timeout must be positive");
  LEDGER_RETURN_IF_ERROR(kafka::CheckExtraConfig(options_.extra_config));

  const Clock::time_point deadline = Clock::now() + options_.timeout;
  LEDGER_ASSIGN_OR_RETURN(kafka::Conf conf, MakeClientConf());
  LEDGER_ASSIGN_OR_RETURN(
      rk_, kafka::NewHandle(options_.read_only ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER,
                            std::move(conf)));

  // `created`: this call made the topic, with the ledger's settings; one
  // another party made meanwhile (AlreadyExists) has its settings checked.
  bool created = false, create_asked = false;
  for (;;) {
    Result<std::optional<int32_t>> described = DescribeTopic(deadline);
    if (described.ok() && described->has_value()) {
      partitions_ = **described;
      break;
    }
    if (!described.ok()) {
      // Leaderless partitions right after creation, a broker restarting: retry.
      if (described.status().code() != StatusCode::kUnavailable || Left(deadline).count() == 0)
        return described.status();
    } else if (!create_asked) {
      if (options_.read_only || !options_.create_topic_if_missing)
        return NotFound("Kafka topic " + options_.topic + " does not exist on broker(s) " +
                        options_.brokers +
                        ": create it (see events/kafka/README.md for its settings) or open the "
                        "log for writing with topic creation allowed");
      const Status s = CreateTopic(deadline);
      if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
      create_asked = true;
      created = s.ok();
      continue;
    } else if (Left(deadline).count() == 0) {
      const char* made = created ? " was created" : " was just created by another party";
      return Unavailable("Kafka topic " + options_.topic + made + " but broker(s) " +
                         options_.brokers + " did not list it within " +
                         kafka::Seconds(options_.timeout));
    }
    std::this_thread::sleep_for(std::min(kRetryPause, Left(deadline)));
  }

  if (char* id = rd_kafka_clusterid(rk_, std::max(1, kafka::TimeoutMs(Left(deadline))))) {
    cluster_id_ = id;
    rd_kafka_mem_free(rk_, id);
  }
  if (!created && options_.check_topic_settings) LEDGER_RETURN_IF_ERROR(CheckTopic(deadline));

  if (!options_.read_only) {
    // Only now that the topic exists: naming a missing topic would let a
    // broker (or the mock cluster) auto-create it with its defaults.
    topic_.reset(rd_kafka_topic_new(rk_, options_.topic.c_str(), nullptr));
    if (topic_ == nullptr)
      return KafkaStatus(rd_kafka_last_error(), "Kafka topic handle for " + options_.topic);
    // Fences every earlier producer of this transactional.id: from here on,
    // their appends fail and their open transaction is aborted.
    if (transactional())
      if (rd_kafka_error_t* e =
              rd_kafka_init_transactions(rk_, std::max(1, kafka::TimeoutMs(Left(deadline)))))
        return TxnError(e, "taking the writer's role (transactional.id " +
                               options_.transactional_id + ")");
  }
  return OkStatus();
}

// Lists every topic rather than asking for ours: a metadata request naming a
// missing topic may auto-create it (brokers with auto.create.topics.enable,
// the mock cluster always) with the wrong partition count and retention.
Result<std::optional<int32_t>> KafkaEventLog::Impl::DescribeTopic(Clock::time_point deadline) {
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk_, 1, nullptr, &raw, std::max(1, kafka::TimeoutMs(Left(deadline))));
  rd_kafka_poll(rk_, 0);  // serves error events: last_error_ says why
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Status s = KafkaStatus(err, "metadata from Kafka broker(s) " + options_.brokers);
    return s.code() == StatusCode::kUnavailable ? Unreachable() : s;
  }
  kafka::Metadata md(raw);
  cluster_brokers_ = md->broker_cnt;
  LEDGER_ASSIGN_OR_RETURN(std::optional<kafka::TopicShape> shape, kafka::FindTopic(*md, options_));
  if (!shape) return std::optional<int32_t>();
  replication_ = shape->replication;
  return std::optional<int32_t>(shape->partitions);
}

Status KafkaEventLog::Impl::CreateTopic(Clock::time_point deadline) {
  KafkaLogOptions options = options_;
  if (options.replication_factor == 0)
    options.replication_factor = kafka::DefaultReplication(cluster_brokers_);
  const Status s =
      options.create_topic
          ? options.create_topic(options.topic, options.partitions, options.replication_factor)
          : kafka::CreateTopicWithAdminApi(rk_, options, Left(deadline));
  // Ours: the setting it was made with. Another's (AlreadyExists): CheckTopic reads it.
  if (s.ok()) min_insync_ = kafka::MinInsyncFor(options.replication_factor);
  return s;
}

Status KafkaEventLog::Impl::CheckTopic(Clock::time_point deadline) {
  kafka::TopicFacts facts;
  facts.topic = options_.topic;
  facts.brokers = options_.brokers;
  facts.partitions = partitions_;
  facts.replication = replication_;
  facts.cluster_brokers = cluster_brokers_;
  facts.purpose = options_.purpose;
  facts.max_compaction_lag_ms = options_.max_compaction_lag.count();
  if (options_.partitions_given) facts.wanted_partitions = options_.partitions;
  // librdkafka's mock cluster (id "mockCluster…"; a real cluster's id is a
  // base64 UUID) has no DescribeConfigs: asking would wait out the deadline.
  Result<std::map<std::string, std::string>> configs =
      cluster_id_.rfind("mockCluster", 0) == 0
          ? Result<std::map<std::string, std::string>>(
                FailedPrecondition("librdkafka's mock cluster has no DescribeConfigs"))
          : kafka::DescribeTopicConfigs(rk_, options_.topic, Left(deadline));
  // A broker whose metadata does not list a topic just created answers
  // UNKNOWN_TOPIC_OR_PART for a while, or lists none of its settings (both
  // NotFound): ask again until the deadline; settings still missing then are
  // not checked, and said so.
  while (!configs.ok() && configs.status().code() == StatusCode::kNotFound && Left(deadline) > kRetryPause) {
    std::this_thread::sleep_for(kRetryPause);
    configs = kafka::DescribeTopicConfigs(rk_, options_.topic, Left(deadline));
  }
  if (configs.ok()) {
    facts.configs = std::move(*configs);
    min_insync_ = static_cast<int32_t>(
        std::strtol(facts.configs["min.insync.replicas"].c_str(), nullptr, 10));
  } else if (configs.status().code() != StatusCode::kFailedPrecondition) {
    Warn("the settings of Kafka topic " + options_.topic +
         " could not be checked: " + configs.status().message());
  }
  kafka::TopicVerdict verdict = kafka::CheckTopicSettings(facts);
  for (const std::string& w : verdict.warnings) Warn(w);
  return verdict.refusal;
}

Status KafkaEventLog::Impl::DeliveryError(const Batch& batch) {
  Status s = ProducerError(batch.err, "", Where(batch.key, batch.partition));
  // librdkafka retried until message.timeout.ms and reports only that; the
  // metadata shows the usual cause.
  if (batch.err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT && topic_ != nullptr)
    if (std::string why = PartitionCause(batch.partition); !why.empty())
      return Unavailable(s.message() + "; cause: " + why);
  // Else the connections' last error says why: brokers not yet declared down
  // (a ZooKeeper session outlives a crash by seconds), or none answering the
  // metadata request (every broker down).
  return WithCause(s);
}

std::string KafkaEventLog::Impl::PartitionCause(int32_t partition) {
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_metadata(rk_, 0, topic_.get(), &raw, kafka::TimeoutMs(options_.timeout)) !=
      RD_KAFKA_RESP_ERR_NO_ERROR)
    return "";
  kafka::Metadata md(raw);
  for (int i = 0; i < md->topic_cnt; ++i)
    for (int p = 0; p < md->topics[i].partition_cnt; ++p) {
      const rd_kafka_metadata_partition_t& part = md->topics[i].partitions[p];
      if (part.id != partition) continue;
      if (part.leader < 0)
        return "LEADER_NOT_AVAILABLE: the partition has no leader (its brokers are down)";
      if (min_insync_ > 0 && part.isr_cnt < min_insync_)
        return "NOT_ENOUGH_REPLICAS: the partition has " + std::to_string(part.isr_cnt) +
               " in-sync replica(s) of " + std::to_string(part.replica_cnt) +
               " and the topic requires min.insync.replicas=" + std::to_string(min_insync_) +
               ", so no acks=all write is acknowledged: bring its brokers back (or check the "
               "topic's min.insync.replicas)";
    }
  return "";
}

Status KafkaEventLog::Impl::Unreachable() const {
  std::string m = "Kafka broker(s) " + options_.brokers + " unreachable after " +
                  kafka::Seconds(options_.timeout) +
                  ": check --log kafka://host:port and that the brokers are up";
  if (!last_error_.empty()) m += " (last error: " + last_error_ + ")";
  return Unavailable(m);
}

Status KafkaEventLog::Impl::CheckPartition(int32_t partition) const {
  if (partition < 0 || partition >= partitions_)
    return InvalidArgument("Kafka topic " + options_.topic + ": no partition " +
                           std::to_string(partition) + " (0.." + std::to_string(partitions_ - 1) +
                           ")");
  return OkStatus();
}

Status KafkaEventLog::Impl::ProducerError(rd_kafka_resp_err_t err, std::string_view detail,
                                          std::string context) {
  std::string fatal_detail;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk_, buf, sizeof buf);
    if (cause != RD_KAFKA_RESP_ERR_NO_ERROR) {
      err = cause;
      fatal_detail = buf;
      detail = fatal_detail;
    }
    context += " (fatal producer error)";
  }
  if (err == RD_KAFKA_RESP_ERR__FENCED || err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
      err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
    return Aborted(context + ": fenced — another writer opened transactional.id " +
                   options_.transactional_id + " since");
  return kafka::WithDetail(KafkaStatus(err, context), detail);
}

std::string KafkaEventLog::Impl::Where(std::string_view key, int32_t partition) const {
  return "Append under key " + std::string(key) + " to topic " + options_.topic + " partition " +
         std::to_string(partition);
}

void KafkaEventLog::Impl::ReapBatches() {
  // Only reports set reap_needed_: appending and flushing stay O(1) per batch.
  if (!reap_needed_ && poisoned_.ok()) return;
  reap_needed_ = false;
  for (auto it = batches_.begin(); it != batches_.end();) {
    Batch& b = **it;
    if (b.pending > 0 || (b.on_offset && b.err == RD_KAFKA_RESP_ERR_NO_ERROR)) {
      ++it;
      continue;
    }
    if (b.err != RD_KAFKA_RESP_ERR_NO_ERROR)
      MarkPoisoned(DeliveryError(b));
    it = batches_.erase(it);
  }
  if (!poisoned_.ok())
    for (auto& b : batches_) b->on_offset = nullptr;
}

Result<Batch*> KafkaEventLog::Impl::Enqueue(std::string_view key,
                                            std::span<const std::string> values) {
  if (options_.read_only)
    return FailedPrecondition("Kafka log on topic " + options_.topic +
                              " opened read-only: no Append");
  ReapBatches();
  if (!poisoned_.ok()) return poisoned_;
  if (values.empty()) return InvalidArgument("Append needs at least one record");
  if (transactional() && !in_transaction_) LEDGER_RETURN_IF_ERROR(BeginTransaction());
  for (const std::string& v : values)
    if (static_cast<int64_t>(key.size() + v.size()) > max_record_bytes_)
      return InvalidArgument("Append under key " + std::string(key) + ": a record of " +
                             std::to_string(key.size() + v.size()) +
                             " bytes (key and value) exceeds the producer's message.max.bytes (" +
                             std::to_string(max_record_bytes_) + ")");
  const int32_t partition = PartitionForKey(key, partitions_);
  const size_t n = values.size();
  Batch& batch = *batches_.emplace_back(std::make_unique<Batch>(n));
  const auto mine = std::prev(batches_.end());
  batch.key = key;
  batch.partition = partition;

  std::vector<rd_kafka_message_t> messages(n);
  for (size_t i = 0; i < n; ++i) {
    messages[i] = rd_kafka_message_t{};
    // An empty value is produced as a null one: a tombstone (the key store's erasure).
    messages[i].payload = values[i].empty() ? nullptr : const_cast<char*>(values[i].data());
    messages[i].len = values[i].size();
    messages[i].key = const_cast<char*>(key.data());
    messages[i].key_len = key.size();
    messages[i]._private = &batch.deliveries[i];
  }
  // Bounded like a delivery: records wait at most message.timeout.ms anyway.
  const Clock::time_point deadline = Clock::now() + message_timeout_ + options_.timeout;
  size_t sent = 0;
  while (sent < n) {
    const int good = rd_kafka_produce_batch(topic_.get(), partition, RD_KAFKA_MSG_F_COPY,
                                            messages.data() + sent, static_cast<int>(n - sent));
    size_t prefix = sent;
    while (prefix < n && messages[prefix].err == RD_KAFKA_RESP_ERR_NO_ERROR) ++prefix;
    batch.pending += static_cast<size_t>(good);
    if (static_cast<size_t>(good) != prefix - sent)
      return Poison(Internal(Where(key, partition) + ": librdkafka enqueued records out of order"));
    sent = prefix;
    if (sent == n) break;
    const rd_kafka_resp_err_t err = messages[sent].err;
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && Clock::now() < deadline) {
      rd_kafka_poll(rk_, 100);  // deliveries of earlier records make room
      continue;
    }
    Status s = ProducerError(err, "", Where(key, partition));
    if (sent == 0 && err != RD_KAFKA_RESP_ERR__FATAL) {
      batches_.erase(mine);  // nothing left: the log is as before the call
      return s;
    }
    // Part of the Append is on its way: the log may end with a prefix of it.
    return Poison(
        s.WithContext(std::to_string(sent) + " of " + std::to_string(n) + " records enqueued"));
  }
  return &batch;
}

Result<int64_t> KafkaEventLog::Impl::Settle(const Batch& batch) {
  const std::string where = Where(batch.key, batch.partition);
  if (batch.err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Poison(DeliveryError(batch));
  // With one idempotent producer per partition the records are contiguous;
  // anything else means another writer interleaved, which the port forbids.
  const std::vector<int64_t>& offsets = batch.offsets;
  const size_t n = offsets.size();
  int64_t first = -1;
  for (size_t i = 0; i < n && first < 0; ++i)
    if (offsets[i] >= 0) first = offsets[i] - static_cast<int64_t>(i);
  if (first < 0) return Poison(Internal(where + ": delivered without offsets"));
  last_error_.clear();  // delivered: earlier connection errors explain nothing later
  for (size_t i = 0; i < n; ++i)
    if (offsets[i] >= 0 && offsets[i] != first + static_cast<int64_t>(i))
      return Poison(Internal(where + ": records landed at offsets " + std::to_string(offsets[0]) +
                             ".." + std::to_string(offsets[n - 1]) +
                             ", not contiguous: another producer writes to this partition (the "
                             "ledger needs one writer per partition)"));
  return first;
}

Result<int64_t> KafkaEventLog::Impl::Append(std::string_view key,
                                            std::span<const std::string> values) {
  LEDGER_ASSIGN_OR_RETURN(Batch * batch, Enqueue(key, values));
  const Clock::time_point deadline = Clock::now() + message_timeout_ + options_.timeout;
  while (batch->pending > 0) {
    if (Clock::now() >= deadline)
      return Poison(Unavailable(Where(key, batch->partition) + ": no delivery report for " +
                                std::to_string(batch->pending) + " of " +
                                std::to_string(values.size()) + " records after " +
                                kafka::Seconds(message_timeout_ + options_.timeout)));
    // Flushing sends at once (no linger.ms wait) and serves the reports; it
    // also hurries records of pending AppendAsync calls, which is harmless.
    rd_kafka_flush(rk_, 100);
  }
  Result<int64_t> first = Settle(*batch);
  batches_.remove_if([batch](const std::unique_ptr<Batch>& b) { return b.get() == batch; });
  if (first.ok() && in_transaction_) LEDGER_RETURN_IF_ERROR(CommitTransaction());
  return first;
}

Status KafkaEventLog::Impl::AppendAsync(std::string_view key, std::span<const std::string> values,
                                        std::function<void(int64_t)> on_offset) {
  LEDGER_ASSIGN_OR_RETURN(Batch * batch, Enqueue(key, values));
  batch->on_offset = on_offset ? std::move(on_offset) : [](int64_t) {};
  rd_kafka_poll(rk_, 0);  // serve reports as we go: keeps the queue short
  return OkStatus();
}

Status KafkaEventLog::Impl::Flush() {
  if (options_.read_only) return OkStatus();
  ReapBatches();
  if (!poisoned_.ok()) return poisoned_;
  // Every record is reported (delivered or failed) within message.timeout.ms.
  const milliseconds bound = message_timeout_ + options_.timeout;
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_, kafka::TimeoutMs(bound));
  ReapBatches();
  if (!poisoned_.ok()) return poisoned_;
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    MarkPoisoned(Unavailable(
        "Flush of topic " + options_.topic + ": " + std::to_string(rd_kafka_outq_len(rk_)) +
        " records or requests still undelivered after " + kafka::Seconds(bound)));
    ReapBatches();
    return poisoned_;
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    MarkPoisoned(KafkaStatus(err, "Flush of topic " + options_.topic));
    ReapBatches();
    return poisoned_;
  }
  // Every batch is reported and none failed: settle them all, then answer
  // their callbacks in append order (none at all if one is inconsistent).
  std::vector<std::pair<std::function<void(int64_t)>, int64_t>> answers;
  answers.reserve(batches_.size());
  for (const auto& b : batches_) {
    Result<int64_t> first = Settle(*b);
    if (!first.ok()) {
      ReapBatches();
      return first.status();
    }
    answers.emplace_back(std::move(b->on_offset), *first);
  }
  // Nothing is acknowledged before its transaction commits.
  if (in_transaction_) {
    Status committed = CommitTransaction();
    if (!committed.ok()) {
      for (auto& b : batches_) b->on_offset = nullptr;
      batches_.clear();
      return committed;
    }
  }
  batches_.clear();
  for (auto& [on_offset, first] : answers) on_offset(first);
  return OkStatus();
}

Status KafkaEventLog::Impl::BeginTransaction() {
  if (rd_kafka_error_t* e = rd_kafka_begin_transaction(rk_))
    return Poison(TxnError(e, "beginning a transaction"));
  in_transaction_ = true;
  return OkStatus();
}

Status KafkaEventLog::Impl::CommitTransaction() {
  rd_kafka_error_t* e =
      rd_kafka_commit_transaction(rk_, kafka::TimeoutMs(message_timeout_ + options_.timeout));
  in_transaction_ = false;
  if (e == nullptr) return OkStatus();
  return Poison(TxnError(e, "committing the transaction"));
}

Status KafkaEventLog::Impl::TxnError(rd_kafka_error_t* error, const std::string& what) {
  const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  const std::string text = rd_kafka_error_string(error);
  const bool abortable = rd_kafka_error_txn_requires_abort(error);
  rd_kafka_error_destroy(error);
  const std::string where = "Kafka writer of topic " + options_.topic + ", " + what;
  rd_kafka_resp_err_t cause = code;
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    cause = rd_kafka_fatal_error(rk_, buf, sizeof buf);
  }
  if (cause == RD_KAFKA_RESP_ERR__FENCED || cause == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
      cause == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
    return Aborted(where + ": fenced — another writer opened transactional.id " +
                   options_.transactional_id +
                   " since; nothing this writer had not committed will ever be read (reopen to "
                   "take the role back, or leave it to the new writer)");
  if (abortable) {
    if (rd_kafka_error_t* a =
            rd_kafka_abort_transaction(rk_, kafka::TimeoutMs(message_timeout_ + options_.timeout)))
      rd_kafka_error_destroy(a);
    in_transaction_ = false;
    return Unavailable(where + ": " + text + " (transaction aborted: none of its records is read)");
  }
  return kafka::WithDetail(KafkaStatus(code, where), text);
}

Result<int64_t> KafkaEventLog::Impl::EndOffset(int32_t partition) {
  LEDGER_RETURN_IF_ERROR(CheckPartition(partition));
  int64_t low = 0;
  int64_t high = 0;
  Status s = kafka::QueryWatermarks(rk_, options_.topic, partition, LeaderWait(), &low, &high);
  if (!s.ok()) return WithCause(s);
  return high;
}

Result<std::unique_ptr<LogReader>> KafkaEventLog::Impl::OpenReader(int32_t partition,
                                                                   int64_t from) {
  LEDGER_RETURN_IF_ERROR(CheckPartition(partition));
  const std::string where =
      "Kafka topic " + options_.topic + " partition " + std::to_string(partition);
  int64_t low = 0;
  int64_t high = 0;
  Status s = kafka::QueryWatermarks(rk_, options_.topic, partition, LeaderWait(), &low, &high);
  if (!s.ok()) return WithCause(s);
  if (from < 0 || from > high)
    return InvalidArgument(where + ": cannot read from offset " + std::to_string(from) +
                           ", outside [0, " + std::to_string(high) + "]");
  if (from < low)
    return DataLoss(where + " starts at offset " + std::to_string(low) + ": offsets " +
                    std::to_string(from) + ".." + std::to_string(low - 1) +
                    " are no longer on the brokers (a ledger topic needs retention.ms=-1)");
  KafkaLogOptions reader_options = options_;
  reader_options.timeout = LeaderWait();
  return kafka::OpenPartitionReader(reader_options, partition, from, high);
}

Result<std::unique_ptr<KafkaEventLog>> KafkaEventLog::Open(const KafkaLogOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  LEDGER_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<KafkaEventLog>(new KafkaEventLog(std::move(impl)));
}

KafkaEventLog::KafkaEventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaEventLog::~KafkaEventLog() = default;

int32_t KafkaEventLog::partition_count() const { return impl_->partition_count(); }

Result<int64_t> KafkaEventLog::Append(std::string_view key, std::span<const std::string> values) {
  return impl_->Append(key, values);
}

Status KafkaEventLog::AppendAsync(std::string_view key, std::span<const std::string> values,
                                  std::function<void(int64_t)> on_offset) {
  return impl_->AppendAsync(key, values, std::move(on_offset));
}

Status KafkaEventLog::Flush() { return impl_->Flush(); }

Result<int64_t> KafkaEventLog::EndOffset(int32_t partition) { return impl_->EndOffset(partition); }
Result<std::vector<int64_t>> KafkaEventLog::EndOffsets() { return impl_->EndOffsets(); }

Result<std::unique_ptr<LogReader>> KafkaEventLog::OpenReader(int32_t partition, int64_t from) {
  return impl_->OpenReader(partition, from);
}

const KafkaLogOptions& KafkaEventLog::options() const { return impl_->options(); }

const std::string& KafkaEventLog::cluster_id() const { return impl_->cluster_id(); }

std::string KafkaEventLog::Identity() const {
  return "kafka-" + (cluster_id().empty() ? std::string("unknown") : cluster_id()) + "-" +
         options().topic;
}

}  // namespace ledger
