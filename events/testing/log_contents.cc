#include "events/testing/log_contents.h"

#include <gtest/gtest.h>

namespace ledger::testing {

std::vector<LogRecord> ReadPartition(EventLog& log, int32_t partition, int64_t from) {
  std::vector<LogRecord> out;
  auto reader = log.OpenReader(partition, from);
  EXPECT_TRUE(reader.ok()) << "partition " << partition << ": " << reader.status().ToString();
  if (!reader.ok()) return out;
  for (;;) {
    auto next = (*reader)->Next();
    EXPECT_TRUE(next.ok()) << "partition " << partition << ": " << next.status().ToString();
    if (!next.ok() || !next->has_value()) return out;
    EXPECT_EQ((*next)->partition, partition);
    out.push_back(std::move(**next));
  }
}

LogContents ReadLog(EventLog& log) {
  LogContents out;
  for (int32_t p = 0; p < log.partition_count(); ++p)
    for (LogRecord& r : ReadPartition(log, p)) out.emplace_back(r.partition, r.offset, r.key, r.value);
  return out;
}

std::vector<int64_t> EndOffsets(EventLog& log) {
  std::vector<int64_t> out;
  for (int32_t p = 0; p < log.partition_count(); ++p) {
    auto end = log.EndOffset(p);
    EXPECT_TRUE(end.ok()) << "partition " << p << ": " << end.status().ToString();
    out.push_back(end.ok() ? *end : -1);
  }
  return out;
}

}  // namespace ledger::testing
