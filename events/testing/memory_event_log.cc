#include "events/testing/memory_event_log.h"

#include "events/identifiers.h"

namespace ledger {
namespace {

class MemoryReader final : public LogReader {
 public:
  MemoryReader(const std::vector<LogRecord>& records, int64_t from) : records_(records), next_(from) {}
  Result<std::optional<LogRecord>> Next() override {
    if (next_ >= static_cast<int64_t>(records_.size())) return std::optional<LogRecord>();
    return std::optional<LogRecord>(records_[next_++]);
  }
  int64_t next_offset() const override { return next_; }

 private:
  const std::vector<LogRecord>& records_;
  int64_t next_;
};

}  // namespace

Result<int64_t> MemoryEventLog::Append(std::string_view key, std::span<const std::string> values) {
  if (values.empty()) return InvalidArgument("Append needs at least one record");
  int32_t p = PartitionForKey(key, partition_count());
  auto& part = partitions_[p];
  int64_t first = static_cast<int64_t>(part.size());
  for (const auto& v : values)
    part.push_back(LogRecord{p, static_cast<int64_t>(part.size()), std::string(key), v});
  return first;
}

Status MemoryEventLog::Flush() {
  Status s = std::move(next_flush_);
  next_flush_ = Status();
  return s;
}

Result<int64_t> MemoryEventLog::EndOffset(int32_t partition) {
  if (partition < 0 || partition >= partition_count()) return InvalidArgument("no such partition");
  return static_cast<int64_t>(partitions_[partition].size());
}

Result<std::unique_ptr<LogReader>> MemoryEventLog::OpenReader(int32_t partition, int64_t from) {
  if (partition < 0 || partition >= partition_count()) return InvalidArgument("no such partition");
  return std::unique_ptr<LogReader>(std::make_unique<MemoryReader>(partitions_[partition], from));
}

}  // namespace ledger
