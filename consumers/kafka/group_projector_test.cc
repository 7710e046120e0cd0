// GroupProjector on librdkafka's mock cluster: the takeover scenario of
// testing/group_takeover.h (the same runs on a real cluster: tests/kafka_real).
#include "consumers/kafka/testing/group_takeover.h"

#include <gtest/gtest.h>

#include "events/kafka/testing/mock_cluster.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

TEST(GroupProjectorTest, TwoMembersSplitPartitionsOneIsKilledTheOtherTakesOverExactly) {
  testing::TempDir tmp("group-projector");
  testing::MockKafkaCluster cluster(3);
  ASSERT_TRUE(cluster.CreateTopic("ledger.account-events", 12, 3).ok());
  testing::CheckGroupTakeover(cluster.LogOptions("ledger.account-events"), "ledger-projectors",
                              tmp.path());
}

}  // namespace
}  // namespace ledger
