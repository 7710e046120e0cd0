// EmbeddedEventLog: the EventLog port on local segment files, for one machine
// without a broker. On-disk format and fsync policy: events/embedded/README.md.
//
// Contract:
//  - Open() takes an exclusive flock on <dir>/LOCK unless read_only; a second
//    writer on the same directory gets FailedPrecondition naming the directory.
//  - Open() recovers: a torn frame at the tail of a partition's last segment
//    (a crash mid-append) is truncated away and described in recovery_notes();
//    corruption anywhere else is DataLoss naming the file, byte position and
//    offset, and nothing is truncated. read_only never modifies any file (a torn
//    tail is then just not read).
//  - Append() gives its values contiguous offsets and keeps them with the
//    partition's other appends since its last write; they are written as one
//    checksummed frame (zstd-compressed unless `compression` is off) at the
//    next Flush(), or at once when they reach `block_bytes`. An Append is never
//    split between frames, so after a crash a batch is entirely present or
//    entirely absent. A failed write poisons the log (every later call fails
//    until it is reopened).
//  - Flush() writes what is buffered, then makes every frame durable
//    (fdatasync of each touched segment and, after a roll, of the partition
//    directory) when sync_on_flush.
//  - Readers, and EndOffset(), see records once written (before each Next()),
//    durable or not. Closing the log writes what is buffered, unsynced.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "events/event_log.h"

namespace ledger {

struct EmbeddedLogOptions {
  int32_t partitions = 12;        // used when creating; an existing log keeps its own count
  bool create_if_missing = false;
  bool read_only = false;
  bool sync_on_flush = true;       // false only for benchmarks/tests that measure without fsync
  int64_t segment_bytes = 64 << 20;  // a segment is rolled once it reaches this size
  // A partition's appends are written as one frame once they reach this many
  // bytes of records (or at Flush); 0 writes each Append at once, in a frame of
  // its own. Bigger frames compress better (README: "Compression").
  int64_t block_bytes = 1 << 20;
  bool compression = true;  // zstd; false stores every frame's records as they are
};

class EmbeddedEventLog final : public EventLog {
 public:
  // NotFound (with what to do next) when `dir` or its LOG_META is missing and
  // !create_if_missing; DataLoss/InvalidArgument for corrupt metadata or frames.
  static Result<std::unique_ptr<EmbeddedEventLog>> Open(const std::filesystem::path& dir,
                                                        const EmbeddedLogOptions& options);
  ~EmbeddedEventLog() override;

  int32_t partition_count() const override;
  Result<int64_t> Append(std::string_view key, std::span<const std::string> values) override;
  Status Flush() override;
  Result<int64_t> EndOffset(int32_t partition) override;
  Result<std::unique_ptr<LogReader>> OpenReader(int32_t partition, int64_t from) override;

  // What recovery did at Open (e.g. "p003/00000000000000000000.seg: truncated
  // 17 torn bytes at byte 4096"); empty after a clean shutdown.
  const std::vector<std::string>& recovery_notes() const;
  const std::filesystem::path& dir() const;

  class Impl;

 private:
  explicit EmbeddedEventLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger
