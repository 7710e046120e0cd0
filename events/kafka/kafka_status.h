// KafkaStatus: the one place where librdkafka's error codes become the ledger's
// Status codes, so every Kafka-facing caller gives the same retry meaning to
// the same failure. The table (and why) is in events/kafka/README.md.
//
// Pure function; thread-safe.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string_view>

#include "events/status.h"

namespace ledger {

// Maps `err` to a Status whose message is
// "<context>: <ERR_NAME> (<librdkafka's description>)":
//   transport, timeouts, leader moves, not enough replicas, queue full   -> Unavailable
//   unknown topic or partition                                          -> NotFound
//   oversized or invalid records, bad configuration or arguments        -> InvalidArgument
//   corrupt records, out-of-order sequence, offsets out of range        -> DataLoss
//   authentication and authorization failures                           -> PermissionDenied
//   topic already exists                                                -> AlreadyExists
//   broker lacks the feature or version, read-only handle               -> FailedPrecondition
//   fatal producer errors, fencing, anything unexpected                 -> Internal
// NO_ERROR and __PARTITION_EOF (reaching the end is not an error) give OK.
Status KafkaStatus(rd_kafka_resp_err_t err, std::string_view context);

}  // namespace ledger
