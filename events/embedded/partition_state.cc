#include "events/embedded/partition_state.h"

#include <algorithm>

namespace ledger::embedded {

PartitionState::Start PartitionState::Locate(int64_t from) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (segments_.empty()) return Start{};
  // The last segment whose base offset is <= from.
  auto seg = std::upper_bound(segments_.begin(), segments_.end(), from,
                              [](int64_t o, const SegmentInfo& s) { return o < s.base_offset; });
  if (seg != segments_.begin()) --seg;
  Start start{static_cast<size_t>(seg - segments_.begin()), 0, seg->base_offset};
  auto entry = std::upper_bound(seg->index.begin(), seg->index.end(), from,
                                [](int64_t o, const IndexEntry& e) { return o < e.offset; });
  if (entry != seg->index.begin()) {
    --entry;
    start.pos = entry->pos;
    start.frame_offset = entry->offset;
  }
  return start;
}

PartitionState::View PartitionState::Segment(size_t i) const {
  std::lock_guard<std::mutex> lock(mu_);
  View v;
  if (i >= segments_.size()) return v;
  v.exists = true;
  v.base_offset = segments_[i].base_offset;
  v.committed_bytes = segments_[i].committed_bytes;
  if (i + 1 < segments_.size()) {
    v.has_next = true;
    v.next_base_offset = segments_[i + 1].base_offset;
  }
  return v;
}

std::filesystem::path PartitionState::SegmentPath(size_t i) const {
  std::lock_guard<std::mutex> lock(mu_);
  return i < segments_.size() ? segments_[i].path : std::filesystem::path();
}

void PartitionState::AddSegment(SegmentInfo segment) {
  std::lock_guard<std::mutex> lock(mu_);
  segments_.push_back(std::move(segment));
}

void PartitionState::Publish(int64_t frame_pos, int64_t frame_offset, int64_t committed_bytes,
                             int64_t end_offset) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    SegmentInfo& last = segments_.back();
    int64_t last_indexed = last.index.empty() ? 0 : last.index.back().pos;
    if (frame_pos - last_indexed >= kIndexEveryBytes)
      last.index.push_back({frame_offset, frame_pos});
    last.committed_bytes = committed_bytes;
  }
  end_offset_.store(end_offset, std::memory_order_release);
}

}  // namespace ledger::embedded
