#include "events/testing/log_contents.h"

#include <gtest/gtest.h>

namespace ledger::testing {

LogContents ReadLog(EventLog& log) {
  LogContents out;
  for (int32_t p = 0; p < log.partition_count(); ++p) {
    auto reader = log.OpenReader(p, 0);
    EXPECT_TRUE(reader.ok()) << "partition " << p << ": " << reader.status().ToString();
    if (!reader.ok()) continue;
    for (;;) {
      auto next = (*reader)->Next();
      EXPECT_TRUE(next.ok()) << "partition " << p << ": " << next.status().ToString();
      if (!next.ok() || !next->has_value()) break;
      const LogRecord& r = **next;
      EXPECT_EQ(r.partition, p);
      out.emplace_back(r.partition, r.offset, r.key, r.value);
    }
  }
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
