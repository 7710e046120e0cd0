#include "events/embedded/log_meta.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <system_error>

#include "events/embedded/posix_file.h"
#include "events/embedded/segment.h"

namespace ledger::embedded {

namespace fs = std::filesystem;

std::string LogMetaText(int32_t partitions) {
  return "ledger-embedded-log 1\npartitions " + std::to_string(partitions) + "\n";
}

std::string PartitionDirName(int32_t partition) {
  char name[16];
  std::snprintf(name, sizeof name, "p%03d", static_cast<int>(partition));
  return name;
}

Result<int32_t> ReadLogMeta(const fs::path& path) {
  LEDGER_ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(path, O_RDONLY));
  char buf[256];
  size_t len = 0;
  while (len < sizeof buf) {
    ssize_t n = ::read(fd.get(), buf + len, sizeof buf - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(path, "read failed", errno);
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  const std::string_view text(buf, len);
  auto malformed = [&](std::string_view why) {
    return DataLoss(path.string() + ": malformed (" + std::string(why) +
                    "); expected \"ledger-embedded-log 1\\npartitions N\\n\"");
  };
  constexpr std::string_view kHead = "ledger-embedded-log 1\npartitions ";
  if (!text.starts_with(kHead)) return malformed("unknown header or version");
  std::string_view rest = text.substr(kHead.size());
  int32_t partitions = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), partitions);
  if (ec != std::errc() || std::string_view(end, rest.data() + rest.size() - end) != "\n")
    return malformed("bad partition count line");
  if (partitions < 1 || partitions > kMaxPartitions)
    return malformed("partition count " + std::to_string(partitions) + " out of range");
  if (LogMetaText(partitions) != text) return malformed("non-canonical text");
  return partitions;
}

Status CreateLog(const fs::path& dir, int32_t partitions) {
  if (partitions < 1 || partitions > kMaxPartitions)
    return InvalidArgument("embedded log: partitions must be within [1, " +
                           std::to_string(kMaxPartitions) + "], got " + std::to_string(partitions));
  for (int32_t p = 0; p < partitions; ++p) {
    fs::path pdir = dir / PartitionDirName(p);
    std::error_code ec;
    fs::create_directory(pdir, ec);
    if (ec) return ErrnoError(pdir, "mkdir failed", ec.value());
    for (fs::directory_iterator it(pdir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      if (ParseSegmentFileName(it->path().filename().string()))
        return FailedPrecondition(dir.string() + " has no LOG_META but " + it->path().string() +
                                  " exists: refusing to create a log over existing segments");
    }
    if (ec) return ErrnoError(pdir, "listing failed", ec.value());
  }
  LEDGER_RETURN_IF_ERROR(SyncDir(dir));

  fs::path tmp = dir / "LOG_META.tmp";
  {
    LEDGER_ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(tmp, O_WRONLY | O_CREAT | O_TRUNC));
    LEDGER_RETURN_IF_ERROR(WriteAll(fd.get(), LogMetaText(partitions), tmp));
    LEDGER_RETURN_IF_ERROR(SyncFile(fd.get(), tmp));
  }
  fs::path meta = dir / kLogMetaFile;
  if (::rename(tmp.c_str(), meta.c_str()) != 0) return ErrnoError(meta, "rename failed", errno);
  LEDGER_RETURN_IF_ERROR(SyncDir(dir));
  // The log directory itself may be new: make its entry durable too.
  return SyncDir(dir.has_parent_path() ? dir.parent_path() : fs::path("."));
}

}  // namespace ledger::embedded
