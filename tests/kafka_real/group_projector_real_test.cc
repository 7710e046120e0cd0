// GroupProjector on a real 3-broker cluster (real_cluster.h): the takeover
// scenario of consumers/kafka/testing/group_takeover.h — a real group
// coordinator notices the killed member after session.timeout.ms and hands
// its partitions to the survivor.
#include <gtest/gtest.h>

#include "consumers/kafka/testing/group_takeover.h"
#include "events/testing/temp_dir.h"
#include "tests/kafka_real/real_cluster.h"

namespace ledger {
namespace {

TEST(GroupProjectorRealTest, TwoMembersSplitPartitionsOneIsKilledTheOtherTakesOverExactly) {
  LEDGER_REQUIRE_REAL_KAFKA();
  testing::TempDir tmp("group-projector-real");
  KafkaLogOptions o;
  o.brokers = testing::RealCluster::Get().brokers();
  o.topic = testing::UniqueTopic("group");
  testing::CheckGroupTakeover(o, o.topic + ".projectors", tmp.path());
}

}  // namespace
}  // namespace ledger
