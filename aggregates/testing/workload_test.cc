// The workload is only useful if every command in it is accepted by the rules.
#include "aggregates/testing/workload.h"

#include <set>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "events/testing/memory_event_log.h"

namespace ledger::testing {
namespace {

TEST(WorkloadTest, EveryCommandIsAcceptedAndEveryEventTypeButDelegationRevokedAppears) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  std::vector<Command> cmds = GenerateWorkload(WorkloadOptions{2000, 7, "t"});
  std::set<std::string> types;
  size_t events = 0;
  for (const auto& r : (*h)->HandleBatch(cmds)) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    events += r->count;
    for (const Event& e : r->events) types.insert(std::string(EventTypeName(e.payload)));
  }
  EXPECT_GT(events, 2000u * 8);
  EXPECT_EQ(types.size(), kEventTypeCount - 1) << "missing types";
  EXPECT_EQ(GenerateWorkload(WorkloadOptions{50, 3, "x"}).size(),
            GenerateWorkload(WorkloadOptions{50, 3, "x"}).size());
}

}  // namespace
}  // namespace ledger::testing
