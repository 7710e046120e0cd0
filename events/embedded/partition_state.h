// PartitionState: what the writer of one partition publishes to its readers —
// the segment list, how many bytes of each segment hold complete frames, a
// sparse offset → byte index, and the end offset.
//
// Readers never look past committed_bytes, so they never see half of a frame
// the writer is writing, and an error the writer hits mid-write (the log is
// then poisoned) stays invisible to them.
//
// Thread-safety: one writer thread calls AddSegment/Publish; any number of
// readers call the const members concurrently. Shared by shared_ptr so a
// reader outliving its log stays memory-safe (it then sees no new records).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <vector>

namespace ledger::embedded {

// A frame boundary: the frame starting at byte `pos` has base offset `offset`.
struct IndexEntry {
  int64_t offset = 0;
  int64_t pos = 0;
};

struct SegmentInfo {
  int64_t base_offset = 0;  // the number in the file name
  std::filesystem::path path;
  int64_t committed_bytes = 0;    // complete, readable frames end here
  std::vector<IndexEntry> index;  // ascending; a frame start about every kIndexEveryBytes
};

// A reader seeking offset O reads at most this many bytes of frames before O.
inline constexpr int64_t kIndexEveryBytes = 256 << 10;

class PartitionState {
 public:
  PartitionState(std::vector<SegmentInfo> segments, int64_t end_offset)
      : segments_(std::move(segments)), end_offset_(end_offset) {}

  int64_t end_offset() const { return end_offset_.load(std::memory_order_acquire); }

  // Where a reader of `from` (0 <= from <= end_offset()) starts: a segment, and
  // a frame boundary in it at or before `from`.
  struct Start {
    size_t segment = 0;
    int64_t pos = 0;
    int64_t frame_offset = 0;
  };
  Start Locate(int64_t from) const;

  // What a reader needs to know about segment `i`, read atomically: if
  // has_next, committed_bytes is final.
  struct View {
    bool exists = false;
    int64_t base_offset = 0;
    int64_t committed_bytes = 0;
    bool has_next = false;
    int64_t next_base_offset = 0;
  };
  View Segment(size_t i) const;
  std::filesystem::path SegmentPath(size_t i) const;

  // Writer side. AddSegment starts a new, empty last segment.
  void AddSegment(SegmentInfo segment);
  // The last segment now holds a complete frame [frame_pos, committed_bytes)
  // whose first offset is frame_offset, and the partition ends at end_offset.
  void Publish(int64_t frame_pos, int64_t frame_offset, int64_t committed_bytes,
               int64_t end_offset);

 private:
  mutable std::mutex mu_;
  std::vector<SegmentInfo> segments_;  // ascending base_offset; guarded by mu_
  std::atomic<int64_t> end_offset_;
};

}  // namespace ledger::embedded
