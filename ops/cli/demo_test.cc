// The demo scenario through the real write path on an in-memory log, and the
// export contract (ARCHITECTURE.md §7) on what it produced.
#include <cstdio>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/event.h"
#include "events/testing/memory_event_log.h"
#include "ops/cli/demo.h"
#include "ops/cli/demo_scenario.h"
#include "ops/cli/export.h"

namespace ledger {
namespace {

Timestamp FixedClock() { return Timestamp{1'800'000'000'000'000}; }

std::vector<nlohmann::json> ExportLines(EventLog& log) {
  std::FILE* f = std::tmpfile();
  EXPECT_TRUE(ExportJsonl(log, f).ok());
  std::rewind(f);
  std::vector<nlohmann::json> lines;
  char buf[1 << 16];
  while (std::fgets(buf, sizeof buf, f)) lines.push_back(nlohmann::json::parse(buf));
  std::fclose(f);
  return lines;
}

TEST(DemoTest, EveryStepGoesAsWrittenAndEveryEventTypeAppears) {
  MemoryEventLog log;
  std::FILE* sink = std::tmpfile();
  Result<DemoSummary> sum = RunDemo(log, FixedClock, sink);
  std::fclose(sink);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->commands, DemoScenario().size());
  EXPECT_GE(sum->refused, 10u);
  EXPECT_EQ(sum->replayed, 0u);
  EXPECT_EQ(sum->event_types_covered, kEventTypeCount);
  EXPECT_EQ(sum->events_in_log, sum->events_appended);
}

TEST(DemoTest, SecondRunReplaysEverythingAndAppendsNothing) {
  MemoryEventLog log;
  std::FILE* sink = std::tmpfile();
  Result<DemoSummary> first = RunDemo(log, FixedClock, sink);
  Result<DemoSummary> second = RunDemo(log, FixedClock, sink);
  std::fclose(sink);
  ASSERT_TRUE(first.ok() && second.ok()) << second.status().ToString();
  EXPECT_EQ(second->accepted, 0u);
  EXPECT_EQ(second->events_appended, 0u);
  EXPECT_EQ(second->replayed, first->accepted);
  EXPECT_EQ(second->refused, first->refused);
  EXPECT_EQ(second->events_in_log, first->events_in_log);
}

TEST(ExportTest, DemoExportHasContractKeysDenseSeqsAndPartitionOrder) {
  MemoryEventLog log;
  std::FILE* sink = std::tmpfile();
  ASSERT_TRUE(RunDemo(log, FixedClock, sink).ok());
  std::fclose(sink);
  std::vector<nlohmann::json> lines = ExportLines(log);
  ASSERT_FALSE(lines.empty());
  const std::vector<std::string> keys = {"partition", "offset", "stream", "seq", "type",
                                         "event_id", "occurred_at", "actor", "data"};
  std::map<std::string, uint64_t> last_seq;
  std::set<std::string> types;
  std::pair<int, int64_t> prev{-1, -1};
  for (const auto& j : lines) {
    for (const auto& k : keys) ASSERT_TRUE(j.contains(k)) << k << " missing in " << j.dump();
    std::pair<int, int64_t> pos{j["partition"].get<int>(), j["offset"].get<int64_t>()};
    EXPECT_LT(prev, pos) << "export not in partition/offset order";
    prev = pos;
    uint64_t& seq = last_seq[j["stream"].get<std::string>()];
    EXPECT_EQ(j["seq"].get<uint64_t>(), seq + 1) << j.dump();
    seq = j["seq"].get<uint64_t>();
    types.insert(j["type"].get<std::string>());
    EXPECT_EQ(j["occurred_at"].get<std::string>().back(), 'Z');
  }
  EXPECT_EQ(types.size(), kEventTypeCount);
}

TEST(ExportTest, TamperedEventStopsTheExportNamingPartitionAndOffset) {
  MemoryEventLog log;
  std::FILE* sink = std::tmpfile();
  ASSERT_TRUE(RunDemo(log, FixedClock, sink).ok());
  // Find a partition with at least two records and alter the second record's bytes
  // by re-sealing nothing: flip one byte of the stored value.
  for (int32_t p = 0; p < log.partition_count(); ++p) {
    auto& recs = log.records(p);
    if (recs.size() < 2) continue;
    std::string& v = recs[1].value;
    v[v.size() / 2] ^= 0x20;
    Result<ExportSummary> r = ExportJsonl(log, sink);
    std::fclose(sink);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("log partition " + std::to_string(p) + " offset 1"),
              std::string::npos)
        << r.status().ToString();
    return;
  }
  std::fclose(sink);
  FAIL() << "no partition with two records";
}

}  // namespace
}  // namespace ledger
