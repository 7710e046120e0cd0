#include "events/embedded/segment_reader.h"

#include <fcntl.h>

#include <string>
#include <utility>

#include "events/embedded/segment.h"

namespace ledger::embedded {

SegmentReader::SegmentReader(std::shared_ptr<const PartitionState> state, int32_t partition,
                             int64_t from)
    : state_(std::move(state)), partition_(partition), from_(from), next_(from) {
  PartitionState::Start start = state_->Locate(from);
  segment_ = start.segment;
  pos_ = start.pos;
  frame_offset_ = start.frame_offset;
}

Result<std::optional<LogRecord>> SegmentReader::Next() {
  if (!failed_.ok()) return failed_;
  while (pending_next_ == pending_.size()) {
    Result<bool> got = ReadNextFrame();
    if (!got.ok()) {
      failed_ = got.status();
      return failed_;
    }
    if (!*got) return std::optional<LogRecord>();
  }
  next_ = pending_[pending_next_].offset + 1;
  return std::optional<LogRecord>(std::move(pending_[pending_next_++]));
}

Status SegmentReader::OpenSegment() {
  std::filesystem::path path = state_->SegmentPath(segment_);
  LEDGER_ASSIGN_OR_RETURN(fd_, OpenFile(path, O_RDONLY));
  window_ = FileWindow(fd_.get(), std::move(path));
  return OkStatus();
}

Result<bool> SegmentReader::ReadNextFrame() {
  while (pos_ >= committed_) {
    PartitionState::View seg = state_->Segment(segment_);
    if (!seg.exists) return false;  // an empty partition: no segment yet
    committed_ = seg.committed_bytes;
    if (pos_ < committed_) break;
    if (!seg.has_next) return false;  // the current end of the partition
    if (seg.next_base_offset != frame_offset_)
      return DataLoss(state_->SegmentPath(segment_).string() + ": segment ends at offset " +
                      std::to_string(frame_offset_) + " but the next one starts at offset " +
                      std::to_string(seg.next_base_offset));
    ++segment_;
    fd_.Reset();
    pos_ = 0;
    committed_ = 0;
  }
  if (!fd_.valid()) LEDGER_RETURN_IF_ERROR(OpenSegment());

  LEDGER_ASSIGN_OR_RETURN(FrameRead f, ReadFrameAt(window_, pos_, committed_, Verify::kChecksum));
  std::vector<std::pair<std::string_view, std::string_view>> records;
  if (f.defect.empty() && f.prefix.base_offset != frame_offset_)
    f.defect = "base offset " + std::to_string(f.prefix.base_offset) + " out of sequence";
  if (f.defect.empty()) f.defect = DecodeRecords(f.prefix, f.payload, &scratch_, &records);
  if (!f.defect.empty())
    return DataLoss(window_.path().string() + ": corrupt frame at byte " + std::to_string(pos_) +
                    " (offset " + std::to_string(frame_offset_) + "): " + f.defect);

  pending_.clear();
  pending_next_ = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    int64_t offset = frame_offset_ + static_cast<int64_t>(i);
    if (offset < from_) continue;
    pending_.push_back(LogRecord{partition_, offset, std::string(records[i].first),
                                 std::string(records[i].second)});
  }
  pos_ += f.prefix.frame_bytes();
  frame_offset_ += f.prefix.count;
  return true;
}

}  // namespace ledger::embedded
