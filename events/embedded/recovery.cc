#include "events/embedded/recovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <system_error>
#include <utility>

#include "events/embedded/segment.h"

namespace ledger::embedded {
namespace {

namespace fs = std::filesystem;

// The segment files of `dir`, ascending by base offset. Other files are ignored.
Result<std::vector<std::pair<int64_t, fs::path>>> ListSegments(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (ec && ec != std::errc::no_such_file_or_directory)
      return ErrnoError(dir, "stat failed", ec.value());
    return DataLoss(dir.string() + ": partition directory missing (LOG_META lists it)");
  }
  std::vector<std::pair<int64_t, fs::path>> segments;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (auto base = ParseSegmentFileName(it->path().filename().string()))
      segments.emplace_back(*base, it->path());
  }
  if (ec) return ErrnoError(dir, "listing failed", ec.value());
  std::sort(segments.begin(), segments.end());
  return segments;
}

std::string Where(const fs::path& path, int64_t pos, int64_t offset) {
  return path.string() + ": corrupt frame at byte " + std::to_string(pos) + " (offset " +
         std::to_string(offset) + ")";
}

// The segment names of a partition skip offsets [from, next_base): the file
// that held them is gone. There is no retention, so even a partition's first
// segment missing is data loss, not a moved log start.
Status MissingRange(const fs::path& log_dir, const std::string& partition_name, int64_t from,
                    const fs::path& next, int64_t next_base) {
  int partition = 0;
  std::from_chars(partition_name.data() + 1, partition_name.data() + partition_name.size(), partition);
  return DataLoss("partition " + std::to_string(partition) + ": offsets " + std::to_string(from) + " to " +
                  std::to_string(next_base - 1) + " missing: segment file " +
                  (log_dir / partition_name / SegmentFileName(from)).string() + " absent (the " +
                  (from == 0 ? "first" : "next") + " segment present is " + next.filename().string() +
                  "); the embedded log keeps every segment, so restore the file from a backup");
}

}  // namespace

Result<RecoveredPartition> RecoverPartition(const fs::path& log_dir,
                                            const std::string& partition_name, bool read_only) {
  RecoveredPartition out;
  LEDGER_ASSIGN_OR_RETURN(auto segments, ListSegments(log_dir / partition_name));
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& [base, path] = segments[i];
    const bool last = i + 1 == segments.size();
    if (base > out.end_offset) return MissingRange(log_dir, partition_name, out.end_offset, path, base);
    if (base < out.end_offset)
      return DataLoss(path.string() + ": segment starts at offset " + std::to_string(base) +
                      " but the previous segment ends at offset " + std::to_string(out.end_offset) +
                      " (a stray segment file)");

    LEDGER_ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(path, last && !read_only ? O_RDWR : O_RDONLY));
    LEDGER_ASSIGN_OR_RETURN(
        SegmentScan scan,
        ScanSegment(fd.get(), path, base, last ? Verify::kChecksum : Verify::kPrefixOnly));
    if (!scan.defect.empty()) {
      std::string where = Where(path, scan.valid_bytes, scan.end_offset) + ": " + scan.defect;
      if (!last) return DataLoss(where);
      if (!scan.integrity_defect) return DataLoss(where);
      LEDGER_ASSIGN_OR_RETURN(bool follows, IntactFrameFollows(fd.get(), path, scan.valid_bytes,
                                                               scan.file_bytes, scan.end_offset));
      if (follows) return DataLoss(where + "; intact frames follow it, so it is not a torn write");

      std::string note = partition_name + "/" + path.filename().string() + ": ";
      std::string torn = std::to_string(scan.file_bytes - scan.valid_bytes) +
                         " torn bytes at byte " + std::to_string(scan.valid_bytes) + " (offset " +
                         std::to_string(scan.end_offset) + "): " + scan.defect;
      if (read_only) {
        out.notes.push_back(note + "ignoring " + torn + " (read-only: not truncated)");
      } else {
        if (::ftruncate(fd.get(), static_cast<off_t>(scan.valid_bytes)) != 0)
          return ErrnoError(path, "ftruncate of the torn tail failed", errno);
        LEDGER_RETURN_IF_ERROR(SyncFile(fd.get(), path));
        out.notes.push_back(note + "truncated " + torn);
      }
    }
    out.segments.push_back(SegmentInfo{base, path, scan.valid_bytes, std::move(scan.index)});
    out.end_offset = scan.end_offset;
  }
  return out;
}

}  // namespace ledger::embedded
