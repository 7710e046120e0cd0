// RunFileWriter, RunFileReader: the external sorter's run files, written once
// front to back and read once front to back, past the page cache (O_DIRECT)
// where the file system allows it.
//
// Why: a run is read back minutes after it is written, once, and then
// removed: caching it is of no use, and filling the page cache is what cost
// the most here. On this project's virtual machines a buffered write() runs
// at ~400 MB/s, for every page it puts in the cache is a fresh page of the
// host, while the same bytes written direct go at ~3 GB/s and read back at
// ~1.5 GB/s (README "National scale": a scale-1 rebuild spent 14 % of its
// CPU copying runs into the page cache).
//
// The writer gathers bytes into an aligned buffer and writes it whole; Close()
// writes the last, partial, buffer padded to the block size and truncates the
// file to the bytes appended, so the file holds exactly them. The reader
// reads aligned blocks of `buffer_bytes` and hands out the bytes asked for.
// Where O_DIRECT is refused (tmpfs), both use the page cache as before.
// Errors are Unavailable naming the file and the system's reason.
// Thread-safety: one thread per object.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "events/status.h"

namespace ledger {

struct AlignedBuffer;  // run_file.cc

// kBuffered: through the page cache whatever the file system allows — the
// way taken where O_DIRECT is refused, chosen by the tests to exercise it.
enum class RunFileIo { kDirectWhereAllowed, kBuffered };

class RunFileWriter {
 public:
  static Result<std::unique_ptr<RunFileWriter>> Create(const std::filesystem::path& path,
                                                       RunFileIo io = RunFileIo::kDirectWhereAllowed);
  ~RunFileWriter();
  Status Append(const char* data, size_t n);
  // Writes what is left; the file then holds every byte appended.
  Status Close();

 private:
  RunFileWriter(std::filesystem::path path, int fd, bool direct);
  Status WriteBuffer(size_t bytes);
  std::filesystem::path path_;
  int fd_;
  bool direct_;
  std::unique_ptr<AlignedBuffer> buffer_;
  size_t used_ = 0;
  size_t written_ = 0;  // bytes of the file written before the buffer
};

class RunFileReader {
 public:
  static Result<std::unique_ptr<RunFileReader>> Open(const std::filesystem::path& path, size_t buffer_bytes,
                                                     RunFileIo io = RunFileIo::kDirectWhereAllowed);
  ~RunFileReader();
  // Copies the next `n` bytes into `out`. Returns false (and copies nothing)
  // at the end of the file; a file ending inside those bytes is an error.
  Result<bool> Read(char* out, size_t n);

 private:
  RunFileReader(std::filesystem::path path, int fd, bool direct, size_t buffer_bytes);
  Status Fill();
  std::filesystem::path path_;
  int fd_;
  bool direct_;
  std::unique_ptr<AlignedBuffer> buffer_;
  size_t at_ = 0, size_ = 0;  // the unread bytes of the buffer: [at_, size_)
  bool end_ = false;          // the last read reached the end of the file
};

}  // namespace ledger
