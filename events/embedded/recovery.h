// Recovery of one partition at Open(): list its segments, check them, and cut
// a torn tail off its last segment. The rules (README "Recovery"):
//  - segment names continue each other: the first is 0, each next one is the
//    previous one's end offset;
//  - every segment but the last is walked frame by frame (prefix, length and
//    base offset chain, no checksum: readers verify checksums as they read);
//  - the last segment is fully verified (checksums, record layout);
//  - a bad frame in the last segment is a torn tail when no intact frame
//    follows it: the file is truncated at the frame's start (not in read_only,
//    where the tail is just left unread). Anything else is DataLoss naming the
//    file, byte position and offset, and nothing is modified.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "events/embedded/partition_state.h"
#include "events/status.h"

namespace ledger::embedded {

struct RecoveredPartition {
  std::vector<SegmentInfo> segments;  // ascending; committed_bytes = intact bytes
  int64_t end_offset = 0;
  std::vector<std::string> notes;  // what was truncated (or would be, read_only)
};

// Recovers `log_dir`/`partition_name`. DataLoss for corruption or a missing
// directory, Unavailable for I/O errors.
Result<RecoveredPartition> RecoverPartition(const std::filesystem::path& log_dir,
                                            const std::string& partition_name, bool read_only);

}  // namespace ledger::embedded
