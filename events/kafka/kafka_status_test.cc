// The librdkafka error table: each code's retry meaning (README.md).
#include "events/kafka/kafka_status.h"

#include <gtest/gtest.h>

namespace ledger {
namespace {

TEST(KafkaStatusTest, MapsEachFamilyToItsRetryMeaning) {
  const struct {
    rd_kafka_resp_err_t err;
    StatusCode code;
  } table[] = {
      {RD_KAFKA_RESP_ERR_NO_ERROR, StatusCode::kOk},
      {RD_KAFKA_RESP_ERR__PARTITION_EOF, StatusCode::kOk},
      {RD_KAFKA_RESP_ERR__TRANSPORT, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR__TIMED_OUT, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR__QUEUE_FULL, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, StatusCode::kNotFound},
      {RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, StatusCode::kNotFound},
      {RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, StatusCode::kNotFound},
      {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, StatusCode::kInvalidArgument},
      {RD_KAFKA_RESP_ERR_INVALID_MSG, StatusCode::kInvalidArgument},
      {RD_KAFKA_RESP_ERR_INVALID_CONFIG, StatusCode::kInvalidArgument},
      {RD_KAFKA_RESP_ERR__BAD_MSG, StatusCode::kDataLoss},
      {RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, StatusCode::kDataLoss},
      {RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, StatusCode::kDataLoss},
      {RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, StatusCode::kDataLoss},
      {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, StatusCode::kPermissionDenied},
      {RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, StatusCode::kPermissionDenied},
      {RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, StatusCode::kPermissionDenied},
      {RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, StatusCode::kAlreadyExists},
      {RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, StatusCode::kFailedPrecondition},
      {RD_KAFKA_RESP_ERR__FATAL, StatusCode::kInternal},
      {RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH, StatusCode::kInternal},
      {RD_KAFKA_RESP_ERR_PRODUCER_FENCED, StatusCode::kInternal},
  };
  for (const auto& row : table)
    EXPECT_EQ(KafkaStatus(row.err, "ctx").code(), row.code) << rd_kafka_err2name(row.err);
}

TEST(KafkaStatusTest, MessageNamesTheContextAndTheError) {
  Status s = KafkaStatus(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                         "Append under key acc-1 to topic t partition 3");
  EXPECT_EQ(s.message(),
            "Append under key acc-1 to topic t partition 3: NOT_ENOUGH_REPLICAS (Broker: Not "
            "enough in-sync replicas)");
}

}  // namespace
}  // namespace ledger
