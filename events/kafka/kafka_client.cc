#include "events/kafka/kafka_client.h"

#include <syslog.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <thread>

#include "events/kafka/kafka_status.h"

namespace ledger::kafka {

namespace {

// Properties whose values the ledger's guarantees depend on (README).
constexpr const char* kProtected[] = {
    "acks",
    "request.required.acks",
    "enable.idempotence",
    "isolation.level",
    "enable.auto.commit",
    "bootstrap.servers",
    "metadata.broker.list",
    "transactional.id",
};

// Warnings and errors reach stderr; connection failures ("FAIL") do not: the
// adapter reports them in the Status of the call that could not proceed, and
// a broker being restarted would otherwise print a line per retry.
void LogFiltered(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  if (level > LOG_WARNING || std::strcmp(fac, "FAIL") == 0) return;
  std::fprintf(stderr, "librdkafka %s [%s]: %s\n", rd_kafka_name(rk), fac, buf);
}

Status Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK)
    return InvalidArgument("Kafka configuration " + name + "=" + value + ": " + errstr);
  return OkStatus();
}

}  // namespace

Status CheckExtraConfig(const std::map<std::string, std::string>& extra) {
  for (const char* name : kProtected)
    if (extra.count(name) != 0)
      return InvalidArgument(std::string("Kafka configuration ") + name +
                             " is fixed by the ledger (see events/kafka/README.md) and cannot "
                             "be overridden");
  return OkStatus();
}

Result<Conf> MakeConf(const Settings& settings, const std::map<std::string, std::string>& extra) {
  Conf conf(rd_kafka_conf_new());
  for (const auto& [name, value] : settings) LEDGER_RETURN_IF_ERROR(Set(conf.get(), name, value));
  for (const auto& [name, value] : extra) LEDGER_RETURN_IF_ERROR(Set(conf.get(), name, value));
  if (extra.count("debug") == 0) rd_kafka_conf_set_log_cb(conf.get(), LogFiltered);
  return conf;
}

Result<rd_kafka_t*> NewHandle(rd_kafka_type_t type, Conf conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) return InvalidArgument(std::string("Kafka client: ") + errstr);
  conf.release();  // rd_kafka_new() owns it now
  return rk;
}

Result<AdminOptions> MakeAdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                      std::chrono::milliseconds timeout, const std::string& what) {
  char errstr[512];
  AdminOptions admin(rd_kafka_AdminOptions_new(rk, op));
  const int wait_ms = std::max(1, TimeoutMs(timeout));
  if (rd_kafka_AdminOptions_set_request_timeout(admin.get(), wait_ms, errstr, sizeof errstr))
    return InvalidArgument(what + ": " + errstr);
  // Only operations that wait on the controller take an operation timeout.
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS &&
      rd_kafka_AdminOptions_set_operation_timeout(admin.get(), wait_ms, errstr, sizeof errstr))
    return InvalidArgument(what + ": " + errstr);
  return admin;
}

Result<std::vector<int64_t>> ListOffsets(rd_kafka_t* rk, const std::string& topic,
                                         const std::vector<int32_t>& partitions, int64_t which,
                                         std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
    // offsets_for_times() takes the timestamp in `offset`: -2 EARLIEST, -1 LATEST.
    for (int32_t p : partitions) rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = which;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, list, std::max(1, TimeoutMs(left)));
    std::vector<int64_t> offsets;
    int32_t failed = -1;
    for (int i = 0; i < list->cnt; ++i) {
      offsets.push_back(list->elems[i].offset);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        err = list->elems[i].err;
        failed = list->elems[i].partition;
      }
    }
    rd_kafka_topic_partition_list_destroy(list);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return offsets;
    // The callers checked the partitions exist: "unknown" here means a
    // leader is not known (offline: its brokers are down).
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) err = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
    std::string what = "offsets of Kafka topic " + topic + " partition ";
    what += failed >= 0 ? std::to_string(failed)
                        : partitions.size() == 1 ? std::to_string(partitions[0]) : "s 0.." + std::to_string(partitions.size() - 1);
    Status s = KafkaStatus(err, what);
    // A leader moving (NOT_LEADER…) or not yet known: ask again until the
    // deadline. So for UNKNOWN_TOPIC_OR_PART: a leader that has not yet
    // learnt of a topic just created answers it for a moment (a real-cluster
    // test met it on a key store topic created an instant before).
    const bool retry = s.code() == StatusCode::kUnavailable || err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    if (!retry || Clock::now() >= deadline) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status QueryWatermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                       std::chrono::milliseconds timeout, int64_t* low, int64_t* high) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int64_t* out : {low, high}) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    LEDGER_ASSIGN_OR_RETURN(std::vector<int64_t> got,
                            ListOffsets(rk, topic, {partition},
                                        out == low ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END,
                                        std::max(left, std::chrono::milliseconds(1))));
    *out = got[0];
  }
  return OkStatus();
}

Status CheckTopicName(std::string_view topic) {
  if (topic.empty() || topic.size() > 249)
    return InvalidArgument("Kafka topic name '" + std::string(topic) +
                           "' must have 1 to 249 characters");
  if (topic == "." || topic == "..")
    return InvalidArgument("Kafka topic name '" + std::string(topic) + "' is not allowed");
  for (char c : topic) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok)
      return InvalidArgument("Kafka topic name '" + std::string(topic) +
                             "' may only hold letters, digits, '.', '_' and '-'");
  }
  return OkStatus();
}

Status WithDetail(const Status& s, std::string_view detail) {
  if (s.ok() || detail.empty() || s.message().find(detail) != std::string::npos) return s;
  return Status(s.code(), s.message() + ": " + std::string(detail));
}

std::string Seconds(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  if (ms > 1000) {
    std::string s = std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100);
    return s + " s";
  }
  return std::to_string(ms) + " ms";
}

int TimeoutMs(std::chrono::milliseconds d) {
  const int64_t ms = std::clamp<int64_t>(d.count(), 0, std::numeric_limits<int>::max());
  return static_cast<int>(ms);
}

}  // namespace ledger::kafka
