// SegmentReader: the embedded log's LogReader. Reads one partition's segment
// files in offset order through a buffered window, verifying every frame's
// checksum and base offset, never past the bytes the writer has published
// (PartitionState), so it may run on another thread than the writer and sees
// appends made after it returned nullopt.
//
// Errors: DataLoss "<file>: corrupt frame at byte B (offset O): <reason>";
// Unavailable when a file cannot be read. After an error every call returns it.
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "events/embedded/partition_state.h"
#include "events/embedded/posix_file.h"
#include "events/event_log.h"

namespace ledger::embedded {

class SegmentReader final : public LogReader {
 public:
  // Starts at `from`, which must be within [0, state->end_offset()].
  SegmentReader(std::shared_ptr<const PartitionState> state, int32_t partition, int64_t from);

  Result<std::optional<LogRecord>> Next() override;
  int64_t next_offset() const override { return next_; }

 private:
  // Decodes the next frame into pending_; false at the end of what is published.
  Result<bool> ReadNextFrame();
  Status OpenSegment();

  std::shared_ptr<const PartitionState> state_;
  int32_t partition_;
  int64_t from_;        // records before it (in the first frame) are skipped
  int64_t next_;        // one past the last record returned
  size_t segment_ = 0;  // index into the partition's segment list
  ScopedFd fd_;         // of segment_, opened lazily
  FileWindow window_;
  int64_t pos_ = 0;           // byte position of the next frame in segment_
  int64_t frame_offset_ = 0;  // base offset the next frame must have
  int64_t committed_ = 0;     // last known published length of segment_
  std::string scratch_;  // a compressed frame's records
  std::vector<LogRecord> pending_;
  size_t pending_next_ = 0;
  Status failed_;
};

}  // namespace ledger::embedded
