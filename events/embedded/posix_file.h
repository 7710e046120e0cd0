// Thin POSIX helpers for the embedded log: an owning file descriptor, writes
// that survive partial writes and EINTR, fsync of files and directories, and a
// buffered window for reading a file by byte position.
//
// Every error is Unavailable("<path>: <what>: <strerror>"). Not thread-safe
// (a FileWindow belongs to one reader).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "events/status.h"

namespace ledger::embedded {

// Owns a file descriptor; closes it on destruction. Move-only.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset();

 private:
  int fd_ = -1;
};

// Unavailable("<path>: <what>: <strerror(err)>").
Status ErrnoError(const std::filesystem::path& path, std::string_view what, int err);

// A fault to inject (the test seam of LevelDB's Env idea, process-wide):
// `err` (an errno, e.g. ENOSPC) after letting `allow_bytes` of the write
// through; err 0 is no fault.
struct FileFault {
  int err = 0;
  size_t allow_bytes = 0;
};
// Consulted by WriteAll, SyncData and OpenFile (with O_CREAT) before their
// system call, with the path and the bytes about to be written (0 for a sync
// or an open). Tests only; null (the default) costs one relaxed load.
using FileFaultHook = std::function<FileFault(const std::filesystem::path& path, size_t bytes)>;
void SetFileFaultHookForTesting(FileFaultHook hook);

// open(2) with O_CLOEXEC added, retried on EINTR.
Result<ScopedFd> OpenFile(const std::filesystem::path& path, int flags, int mode = 0644);

// Writes all of `data`, looping on partial writes and EINTR.
Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path);

Status SyncData(int fd, const std::filesystem::path& path);  // fdatasync
Status SyncFile(int fd, const std::filesystem::path& path);  // fsync
Status SyncDir(const std::filesystem::path& dir);            // fsync of the directory itself

Result<int64_t> FileSize(int fd, const std::filesystem::path& path);

// Reads a file by byte position through one buffer, refilled with pread(2) in
// chunks of at least kChunkBytes so that walking small frames costs one system
// call per chunk, while a far jump (skipping a large frame) reads nothing in
// between.
class FileWindow {
 public:
  static constexpr size_t kChunkBytes = 1 << 20;

  FileWindow() = default;
  FileWindow(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}

  // Bytes [pos, pos + n) of the file, never reading at or past `limit`: fewer
  // than n bytes when the file (or `limit`) ends first. The view is valid until
  // the next call.
  Result<std::string_view> Read(int64_t pos, size_t n, int64_t limit);

  // Forgets buffered bytes (the file was truncated or is being replaced).
  void Clear() { buf_len_ = 0; }
  const std::filesystem::path& path() const { return path_; }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  std::string buf_;
  int64_t buf_start_ = 0;
  size_t buf_len_ = 0;
};

}  // namespace ledger::embedded
