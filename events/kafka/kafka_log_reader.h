// Internal to events/kafka: the LogReader of KafkaEventLog, one partition read
// by a dedicated consumer.
//
// The consumer is assigned the partition at an explicit offset (assign(), no
// subscription: it never joins a group nor commits; librdkafka only requires a
// group.id to be set for assign()), reads with isolation.level=read_committed,
// checks record CRCs, and has auto.offset.reset=error so that a vanished offset
// is reported instead of silently skipped.
//
// Next(): the next record; nullopt at the end: the partition-EOF event, or
// the high watermark OpenReader saw or a later fetch brought (an empty
// partition ends at once instead of after a fetch the broker holds for
// fetch.wait.max.ms). Never blocks longer than the log's timeout
// (Unavailable then, naming topic, partition and offset, and the cause:
// librdkafka's last error event, e.g. a refused connection; the reader may be
// retried). Transient consumer errors (a broker restarting) are waited out
// within that bound. DataLoss for a gap in the offsets or a corrupt record;
// after an error other than Unavailable every call returns it.
// Thread-safety: one thread at a time.
#pragma once

#include <memory>

#include "events/event_log.h"
#include "events/kafka/kafka_event_log.h"

namespace ledger::kafka {

// `from` must have been checked against the partition's watermarks, `high`
// the high watermark seen then.
Result<std::unique_ptr<LogReader>> OpenPartitionReader(const KafkaLogOptions& options,
                                                       int32_t partition, int64_t from,
                                                       int64_t high);

}  // namespace ledger::kafka
