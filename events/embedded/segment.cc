#include "events/embedded/segment.h"

#include <charconv>
#include <cstdio>

namespace ledger::embedded {

std::string SegmentFileName(int64_t base_offset) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld.seg", static_cast<long long>(base_offset));
  return name;
}

std::optional<int64_t> ParseSegmentFileName(std::string_view file_name) {
  constexpr std::string_view kSuffix = ".seg";
  if (file_name.size() != 20 + kSuffix.size() || !file_name.ends_with(kSuffix)) return std::nullopt;
  int64_t base = 0;
  auto [end, ec] = std::from_chars(file_name.data(), file_name.data() + 20, base);
  if (ec != std::errc() || end != file_name.data() + 20 || base < 0) return std::nullopt;
  return base;
}

Result<FrameRead> ReadFrameAt(FileWindow& window, int64_t pos, int64_t limit, Verify verify) {
  FrameRead f;
  LEDGER_ASSIGN_OR_RETURN(std::string_view prefix, window.Read(pos, kFramePrefixBytes, limit));
  if (static_cast<int64_t>(prefix.size()) < kFramePrefixBytes) {
    f.defect = "incomplete frame: only " + std::to_string(prefix.size()) +
               " bytes before the end of the file";
    return f;
  }
  f.prefix = ParsePrefix(prefix);
  f.defect = CheckPrefix(f.prefix);
  if (!f.defect.empty()) return f;
  int64_t frame_bytes = f.prefix.frame_bytes();
  if (frame_bytes > limit - pos) {
    f.defect = "incomplete frame: " + std::to_string(frame_bytes) + " bytes long but only " +
               std::to_string(limit - pos) + " before the end of the file";
    return f;
  }
  if (verify == Verify::kPrefixOnly) return f;

  LEDGER_ASSIGN_OR_RETURN(std::string_view frame,
                          window.Read(pos, static_cast<size_t>(frame_bytes), limit));
  if (static_cast<int64_t>(frame.size()) < frame_bytes) {  // the file shrank under us
    f.defect = "incomplete frame: the file ends early";
    return f;
  }
  f.payload = frame.substr(kFrameHeaderBytes);
  uint32_t crc = Crc32(f.payload);
  if (crc != f.prefix.crc)
    f.defect = "checksum mismatch (stored " + std::to_string(f.prefix.crc) + ", computed " +
               std::to_string(crc) + ")";
  return f;
}

Result<SegmentScan> ScanSegment(int fd, const std::filesystem::path& path, int64_t base_offset,
                                Verify verify) {
  SegmentScan scan;
  LEDGER_ASSIGN_OR_RETURN(scan.file_bytes, FileSize(fd, path));
  scan.end_offset = base_offset;
  FileWindow window(fd, path);
  std::vector<std::pair<std::string_view, std::string_view>> records;
  std::string scratch;  // a compressed frame's records
  int64_t last_indexed = 0;
  while (scan.valid_bytes < scan.file_bytes) {
    LEDGER_ASSIGN_OR_RETURN(FrameRead f,
                            ReadFrameAt(window, scan.valid_bytes, scan.file_bytes, verify));
    if (!f.defect.empty()) {
      scan.defect = std::move(f.defect);
      scan.integrity_defect = true;
      return scan;
    }
    if (f.prefix.base_offset != scan.end_offset) {
      scan.defect = "base offset " + std::to_string(f.prefix.base_offset) + " out of sequence";
      // Without a verified checksum the base offset itself may be what is torn.
      scan.integrity_defect = verify == Verify::kPrefixOnly;
      return scan;
    }
    if (verify == Verify::kChecksum) {
      scan.defect = DecodeRecords(f.prefix, f.payload, &scratch, &records);
      if (!scan.defect.empty()) return scan;
    }
    if (scan.valid_bytes - last_indexed >= kIndexEveryBytes) {
      scan.index.push_back({scan.end_offset, scan.valid_bytes});
      last_indexed = scan.valid_bytes;
    }
    scan.valid_bytes += f.prefix.frame_bytes();
    scan.end_offset += f.prefix.count;
  }
  return scan;
}

Result<bool> IntactFrameFollows(int fd, const std::filesystem::path& path, int64_t pos,
                                int64_t limit, int64_t after_offset) {
  // Both magics share their first three bytes ("LDE", little-endian).
  static constexpr char kStem[] = {0x4C, 0x44, 0x45};
  const std::string_view stem(kStem, sizeof kStem);
  FileWindow scan(fd, path);
  FileWindow candidate(fd, path);
  int64_t chunk_start = pos + 1;
  while (limit - chunk_start >= kFrameHeaderBytes + kMinPayloadBytes) {
    LEDGER_ASSIGN_OR_RETURN(std::string_view chunk,
                            scan.Read(chunk_start, FileWindow::kChunkBytes, limit));
    for (size_t at = chunk.find(stem); at != std::string_view::npos;
         at = chunk.find(stem, at + 1)) {
      LEDGER_ASSIGN_OR_RETURN(
          FrameRead f,
          ReadFrameAt(candidate, chunk_start + static_cast<int64_t>(at), limit, Verify::kChecksum));
      if (f.defect.empty() && f.prefix.base_offset > after_offset) return true;
    }
    if (static_cast<int64_t>(chunk.size()) < static_cast<int64_t>(FileWindow::kChunkBytes)) break;
    chunk_start += static_cast<int64_t>(chunk.size()) - (stem.size() - 1);  // may straddle
  }
  return false;
}

}  // namespace ledger::embedded
