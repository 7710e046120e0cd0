#include "events/embedded/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace ledger::embedded {

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void ScopedFd::Reset() {
  // close(2) errors are not actionable here: durability comes from the explicit
  // fdatasync/fsync calls, which report their own errors.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status ErrnoError(const std::filesystem::path& path, std::string_view what, int err) {
  return Unavailable(path.string() + ": " + std::string(what) + ": " + std::strerror(err));
}

namespace {

std::atomic<bool> hooked{false};
FileFaultHook& Hook() {
  static FileFaultHook hook;
  return hook;
}
// The fault the hook asks for, if any.
FileFault FaultFor(const std::filesystem::path& path, size_t bytes) {
  if (!hooked.load(std::memory_order_relaxed)) return {};
  return Hook()(path, bytes);
}

}  // namespace

void SetFileFaultHookForTesting(FileFaultHook hook) {
  hooked = false;
  Hook() = std::move(hook);
  hooked = static_cast<bool>(Hook());
}

Result<ScopedFd> OpenFile(const std::filesystem::path& path, int flags, int mode) {
  if (flags & O_CREAT)
    if (FileFault f = FaultFor(path, 0); f.err != 0) return ErrnoError(path, "open failed", f.err);
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoError(path, "open failed", errno);
  return ScopedFd(fd);
}

namespace {

Status WriteAllUnhooked(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(path, "write failed", errno);
    }
    if (n == 0) return ErrnoError(path, "write made no progress", EIO);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

}  // namespace

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  if (FileFault f = FaultFor(path, data.size()); f.err != 0) {
    const size_t through = std::min(f.allow_bytes, data.size());
    if (through > 0) LEDGER_RETURN_IF_ERROR(WriteAllUnhooked(fd, data.substr(0, through), path));
    return ErrnoError(path, "write failed", f.err);
  }
  return WriteAllUnhooked(fd, data, path);
}

Status SyncData(int fd, const std::filesystem::path& path) {
  if (FileFault f = FaultFor(path, 0); f.err != 0) return ErrnoError(path, "fdatasync failed", f.err);
  if (::fdatasync(fd) != 0) return ErrnoError(path, "fdatasync failed", errno);
  return OkStatus();
}

Status SyncFile(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) return ErrnoError(path, "fsync failed", errno);
  return OkStatus();
}

Status SyncDir(const std::filesystem::path& dir) {
  LEDGER_ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(dir, O_RDONLY | O_DIRECTORY));
  return SyncFile(fd.get(), dir);
}

Result<int64_t> FileSize(int fd, const std::filesystem::path& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError(path, "fstat failed", errno);
  return static_cast<int64_t>(st.st_size);
}

Result<std::string_view> FileWindow::Read(int64_t pos, size_t n, int64_t limit) {
  if (pos >= limit) return std::string_view();
  n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(n), limit - pos));
  if (pos >= buf_start_ &&
      pos + static_cast<int64_t>(n) <= buf_start_ + static_cast<int64_t>(buf_len_))
    return std::string_view(buf_).substr(static_cast<size_t>(pos - buf_start_), n);

  size_t want = static_cast<size_t>(
      std::min<int64_t>(static_cast<int64_t>(std::max(n, kChunkBytes)), limit - pos));
  if (buf_.size() < want) buf_.resize(want);
  buf_start_ = pos;
  buf_len_ = 0;
  while (buf_len_ < want) {
    ssize_t got = ::pread(fd_, buf_.data() + buf_len_, want - buf_len_,
                          static_cast<off_t>(pos + static_cast<int64_t>(buf_len_)));
    if (got < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      buf_len_ = 0;
      return ErrnoError(path_, "read failed", err);
    }
    if (got == 0) break;  // end of file
    buf_len_ += static_cast<size_t>(got);
  }
  return std::string_view(buf_).substr(0, std::min(n, buf_len_));
}

}  // namespace ledger::embedded
