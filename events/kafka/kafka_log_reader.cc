#include "events/kafka/kafka_log_reader.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "events/kafka/kafka_client.h"
#include "events/kafka/kafka_status.h"

namespace ledger::kafka {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class KafkaLogReader final : public LogReader {
 public:
  KafkaLogReader(std::string topic, int32_t partition, int64_t from, int64_t high,
                 milliseconds timeout)
      : topic_(std::move(topic)), partition_(partition), next_(from), high_(high),
        timeout_(timeout) {}
  // The consumer handle, once created with this reader as its opaque.
  void Attach(rd_kafka_t* rk) { rk_ = rk; }
  static void OnError(rd_kafka_t*, int, const char* reason, void* opaque) {
    static_cast<KafkaLogReader*>(opaque)->last_error_ = reason;
  }

  // Never waits for a consumer-group exchange: the reader is not a member.
  ~KafkaLogReader() override {
    if (rk_ != nullptr) rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }

  KafkaLogReader(const KafkaLogReader&) = delete;
  KafkaLogReader& operator=(const KafkaLogReader&) = delete;

  Result<std::optional<LogRecord>> Next() override;
  int64_t next_offset() const override { return next_; }

 private:
  std::string Where() const {
    return "topic " + topic_ + " partition " + std::to_string(partition_) + " offset " +
           std::to_string(next_);
  }
  // Whether the reader has reached the partition's end: the high watermark
  // OpenReader saw (so that an empty partition ends at once, not after a
  // fetch its broker holds for fetch.wait.max.ms), or a later one that the
  // consumer's fetches brought. Never asks the broker: a request on the
  // consumer's connection would wait behind that held fetch.
  bool AtEnd() {
    int64_t low = -1;
    int64_t high = -1;
    if (rd_kafka_get_watermark_offsets(rk_, topic_.c_str(), partition_, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high > high_)
      high_ = high;
    return next_ >= high_;
  }
  // `what`, with librdkafka's last error event (connection refused…).
  std::string Because(std::string what) const {
    if (!last_error_.empty()) what += " (last error: " + last_error_ + ")";
    return what;
  }
  Result<std::optional<LogRecord>> Take(const rd_kafka_message_t& m);
  Status Fail(Status s) {
    failed_ = s;
    return s;
  }

  rd_kafka_t* rk_ = nullptr;
  const std::string topic_;
  const int32_t partition_;
  int64_t next_;  // where reading continues (markers before it are skipped)
  int64_t high_;  // the partition's high watermark, as last known
  const milliseconds timeout_;
  Status failed_;
  std::string last_error_;  // from the error callback (this thread's polls)
};

Result<std::optional<LogRecord>> KafkaLogReader::Take(const rd_kafka_message_t& m) {
  if (m.partition != partition_)
    return Fail(Internal("reader of " + Where() + " received a record of partition " +
                         std::to_string(m.partition)));
  // Forward gaps are transaction markers and aborted records, which a
  // read_committed consumer skips, or records compaction removed (a key store).
  if (m.offset < next_)
    return Fail(DataLoss(Where() + ": the next record has offset " + std::to_string(m.offset) +
                         ", behind the reader"));
  next_ = m.offset;
  LogRecord record;
  record.partition = partition_;
  record.offset = m.offset;
  if (m.key != nullptr) record.key.assign(static_cast<const char*>(m.key), m.key_len);
  if (m.payload != nullptr) record.value.assign(static_cast<const char*>(m.payload), m.len);
  ++next_;
  return std::optional<LogRecord>(std::move(record));
}

Result<std::optional<LogRecord>> KafkaLogReader::Next() {
  if (!failed_.ok()) return failed_;
  const Clock::time_point deadline = Clock::now() + timeout_;
  Status transient;  // the last error librdkafka is retrying by itself
  for (int round = 0;; ++round) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    // First look at what is already fetched; then wait in short slices.
    const int wait_ms = round == 0 ? 0 : std::clamp(TimeoutMs(left), 0, 100);
    Message m(rd_kafka_consumer_poll(rk_, wait_ms));
    if (m != nullptr) {
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return Take(*m);
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        // The end the fetch reached (the last stable offset): past any
        // transaction markers after the last record.
        next_ = std::max(next_, m->offset);
        return std::optional<LogRecord>();
      }
      // A consumer's error message carries its error string as payload.
      Status s =
          WithDetail(KafkaStatus(m->err, "reading " + Where()), rd_kafka_message_errstr(m.get()));
      if (s.code() != StatusCode::kUnavailable) return Fail(s);
      transient = s;
    } else if (AtEnd()) {
      return std::optional<LogRecord>();
    }
    if (Clock::now() >= deadline) {
      std::string why = "no record from " + Where() + " within " + Seconds(timeout_) +
                        " although the partition's high watermark (" + std::to_string(high_) +
                        ") is beyond it";
      if (!transient.ok()) why += ": " + transient.message();
      return Unavailable(Because(why));
    }
  }
}

}  // namespace

Result<std::unique_ptr<LogReader>> OpenPartitionReader(const KafkaLogOptions& options,
                                                       int32_t partition, int64_t from,
                                                       int64_t high) {
  const Settings settings = {
      {"bootstrap.servers", options.brokers}, {"client.id", "ledger-reader"},
      {"group.id", "ledger-log-reader"},  // required by assign(); never joined
      {"enable.auto.commit", "false"},        {"enable.auto.offset.store", "false"},
      {"isolation.level", "read_committed"},  {"enable.partition.eof", "true"},
      {"auto.offset.reset", "error"},         {"check.crcs", "true"},
  };
  LEDGER_ASSIGN_OR_RETURN(Conf conf, MakeConf(settings, options.extra_config));
  auto reader =
      std::make_unique<KafkaLogReader>(options.topic, partition, from, high, options.timeout);
  rd_kafka_conf_set_opaque(conf.get(), reader.get());
  rd_kafka_conf_set_error_cb(conf.get(), KafkaLogReader::OnError);
  LEDGER_ASSIGN_OR_RETURN(rd_kafka_t * rk, NewHandle(RD_KAFKA_CONSUMER, std::move(conf)));
  reader->Attach(rk);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, options.topic.c_str(), partition)->offset = from;
  rd_kafka_resp_err_t err = rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaStatus(err, "assigning topic " + options.topic + " partition " +
                                std::to_string(partition) + " offset " + std::to_string(from));
  return std::unique_ptr<LogReader>(std::move(reader));
}

}  // namespace ledger::kafka
