// Internal to events/kafka: owning handles for librdkafka objects and the
// configuration every handle of the adapter shares.
// Thread-safety: functions are thread-safe; the owned objects follow
// librdkafka's rules (handles are thread-safe, messages and metadata are not).
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/status.h"

namespace ledger::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using Topic = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using AdminOptions = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;

// Admin options for `op` with a request timeout of `timeout` (at least 1 ms;
// also the operation timeout of CreateTopics); InvalidArgument naming `what` if librdkafka refuses them.
Result<AdminOptions> MakeAdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                      std::chrono::milliseconds timeout, const std::string& what);

using Settings = std::vector<std::pair<std::string, std::string>>;

// InvalidArgument when `extra` names a property the ledger's guarantees rest on.
Status CheckExtraConfig(const std::map<std::string, std::string>& extra);

// A configuration with `settings` applied, then `extra`; routine librdkafka log
// lines (connection failures, which callers report in their Status instead)
// are dropped unless `extra` sets "debug". InvalidArgument naming the property
// librdkafka refuses.
Result<Conf> MakeConf(const Settings& settings, const std::map<std::string, std::string>& extra);

// rd_kafka_new() taking ownership of `conf` (also on failure). The handle must
// be destroyed with rd_kafka_destroy / rd_kafka_destroy_flags by its owner.
Result<rd_kafka_t*> NewHandle(rd_kafka_type_t type, Conf conf);

// The partition's first offset and high watermark, asked of its leader
// within `timeout` (ListOffsets through rd_kafka_offsets_for_times, EARLIEST
// and LATEST). Not rd_kafka_query_watermark_offsets: in librdkafka before
// 2.3.0 it ignores its timeout and hangs while the leader is down
// (librdkafka #2588). Leader moves, and UNKNOWN_TOPIC_OR_PART from a leader
// that has not yet learnt of a topic just created, are retried until
// `timeout`; then the mapped error (Unavailable, LEADER_NOT_AVAILABLE for a
// partition whose brokers are all down; NotFound). `partition` must exist.
Status QueryWatermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                       std::chrono::milliseconds timeout, int64_t* low, int64_t* high);
// The same request for many partitions at once: each one's first offset
// (`which` = RD_KAFKA_OFFSET_BEGINNING) or end (RD_KAFKA_OFFSET_END; the last
// stable offset for a read_committed handle), in the order asked.
Result<std::vector<int64_t>> ListOffsets(rd_kafka_t* rk, const std::string& topic,
                                         const std::vector<int32_t>& partitions, int64_t which,
                                         std::chrono::milliseconds timeout);

// OK for a valid Kafka topic name (1..249 of [A-Za-z0-9._-], not "." or "..");
// InvalidArgument saying what is wrong otherwise.
Status CheckTopicName(std::string_view topic);

// `s` with librdkafka's detailed error string appended (when it adds something).
Status WithDetail(const Status& s, std::string_view detail);

// "10 s", "2.5 s", "250 ms": durations in messages a person reads.
std::string Seconds(std::chrono::milliseconds d);

int TimeoutMs(std::chrono::milliseconds d);

}  // namespace ledger::kafka
