// Segment files: naming, and reading frames out of them by byte position.
//
// A partition directory holds segments named "%020lld.seg" after the offset of
// their first record (frame layout: frame.h). Used by recovery at Open() and
// by readers. Not thread-safe (a FileWindow belongs to one caller).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/embedded/frame.h"
#include "events/embedded/partition_state.h"
#include "events/embedded/posix_file.h"
#include "events/status.h"

namespace ledger::embedded {

// "00000000000000000042.seg"
std::string SegmentFileName(int64_t base_offset);
// The base offset named by `file_name`, or nullopt if it is not a segment's name.
std::optional<int64_t> ParseSegmentFileName(std::string_view file_name);

enum class Verify {
  kPrefixOnly,  // magic, lengths, count and that the frame fits; no checksum
  kChecksum,    // also the crc32 of the payload
};

struct FrameRead {
  FramePrefix prefix;
  std::string_view payload;  // kChecksum only; valid until the window's next Read
  FrameDefect defect;        // empty when the frame is intact
};

// The frame starting at byte `pos` (< limit) of a file whose readable bytes end
// at `limit`. An incomplete frame, an implausible prefix and (kChecksum) a crc
// mismatch are defects; Unavailable only when the file cannot be read.
Result<FrameRead> ReadFrameAt(FileWindow& window, int64_t pos, int64_t limit, Verify verify);

// The result of walking one segment from its first byte.
struct SegmentScan {
  int64_t file_bytes = 0;
  int64_t valid_bytes = 0;  // the intact frames, from byte 0, end here
  int64_t end_offset = 0;   // the offset after the last intact frame
  std::vector<IndexEntry> index;
  // Set when a bad frame starts at valid_bytes (< file_bytes).
  FrameDefect defect;
  // True when the bad frame fails its integrity checks (incomplete, bad
  // prefix, crc), as a torn write would; false when it is intact but wrong
  // (base offset out of sequence, records not filling the payload).
  bool integrity_defect = false;
};

// Walks the segment open on `fd` whose name says it starts at `base_offset`,
// checking each frame (`verify`), its base offset continuity and, with
// kChecksum, its records' layout. Stops at the first bad frame.
Result<SegmentScan> ScanSegment(int fd, const std::filesystem::path& path, int64_t base_offset,
                                Verify verify);

// Whether an intact frame (checksum verified) with a base offset greater than
// `after_offset` starts anywhere in (pos, limit) of the file open on `fd`:
// what tells corruption (intact data follows) from a torn tail (it does not).
Result<bool> IntactFrameFollows(int fd, const std::filesystem::path& path, int64_t pos,
                                int64_t limit, int64_t after_offset);

}  // namespace ledger::embedded
