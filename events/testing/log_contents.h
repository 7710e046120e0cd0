// ReadLog: every record of an EventLog, read through the port, as one
// comparable value — for tests that check two logs hold exactly the same
// records (a migration, the same workload on two adapters).
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "events/event_log.h"

namespace ledger::testing {

// (partition, offset, key, value), partition by partition in offset order.
using LogContents = std::vector<std::tuple<int32_t, int64_t, std::string, std::string>>;

// The records of `partition` from `from` to its end. A failed read is a test
// failure (EXPECT) and ends the list early.
std::vector<LogRecord> ReadPartition(EventLog& log, int32_t partition, int64_t from = 0);

// Reads each partition from offset 0 to its end. A failed read is a test
// failure (EXPECT) and ends that partition early.
LogContents ReadLog(EventLog& log);

// The partitions' end offsets, in partition order.
std::vector<int64_t> EndOffsets(EventLog& log);

}  // namespace ledger::testing
