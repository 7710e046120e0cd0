// MemoryEventLog: an in-memory EventLog for tests. Same partitioner and offset
// model as the real adapters; Flush() always succeeds unless a failure was
// armed with FailNextFlush(). Not thread-safe.
#pragma once

#include <vector>

#include "events/event_log.h"

namespace ledger {

class MemoryEventLog final : public EventLog {
 public:
  explicit MemoryEventLog(int32_t partitions = 12) : partitions_(partitions) {}

  int32_t partition_count() const override { return static_cast<int32_t>(partitions_.size()); }
  Result<int64_t> Append(std::string_view key, std::span<const std::string> values) override;
  Status Flush() override;
  Result<int64_t> EndOffset(int32_t partition) override;
  Result<std::unique_ptr<LogReader>> OpenReader(int32_t partition, int64_t from) override;

  void FailNextFlush(Status s) { next_flush_ = std::move(s); }
  // Every record of `partition`, in offset order (tests inspect and corrupt them).
  std::vector<LogRecord>& records(int32_t partition) { return partitions_.at(partition); }

 private:
  std::vector<std::vector<LogRecord>> partitions_;
  Status next_flush_;
};

}  // namespace ledger
