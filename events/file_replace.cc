#include "events/file_replace.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace ledger {
namespace {

Status WriteError(const std::string& path) { return Unavailable(path + ": cannot write (" + std::strerror(errno) + ")"); }

Status WriteAndSync(const std::string& tmp, std::string_view data, mode_t mode) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return WriteError(tmp);
  Status s = OkStatus();
  while (s.ok() && !data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) s = WriteError(tmp);
    else data.remove_prefix(static_cast<size_t>(n));
  }
  if (s.ok() && ::fsync(fd) != 0) s = WriteError(tmp);
  if (::close(fd) != 0 && s.ok()) s = WriteError(tmp);
  return s;
}

// The rename is durable once the folder holding it is synced.
Status SyncParent(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return WriteError(dir);
  Status s = ::fsync(fd) == 0 ? OkStatus() : WriteError(dir);
  ::close(fd);
  return s;
}

}  // namespace

Status ReplaceFile(const std::string& path, std::string_view contents, mode_t mode) {
  const std::string tmp = path + ".tmp";
  Status s = WriteAndSync(tmp, contents, mode);
  if (s.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) s = WriteError(path);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncParent(path);
}

}  // namespace ledger
