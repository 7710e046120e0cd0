#include "consumers/run_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

namespace ledger {
namespace {

constexpr size_t kAlign = 4096;               // O_DIRECT: offsets, sizes and addresses
constexpr size_t kWriteBytes = size_t{1} << 20;

size_t RoundUp(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

Status Error(const std::filesystem::path& f, const char* what) {
  return Unavailable(std::string("sort file ") + f.string() + ": " + what + ": " + std::strerror(errno));
}

// Opens with O_DIRECT where the file system takes it (and `io` asks), else without.
int OpenFile(const std::filesystem::path& path, int flags, RunFileIo io, bool& direct) {
  direct = false;
  if (io == RunFileIo::kDirectWhereAllowed) {
    const int fd = ::open(path.c_str(), flags | O_DIRECT | O_CLOEXEC, 0600);
    if (fd >= 0 || errno != EINVAL) {  // opened, or failed for another reason than O_DIRECT
      direct = fd >= 0;
      return fd;
    }
  }
  return ::open(path.c_str(), flags | O_CLOEXEC, 0600);
}

}  // namespace

struct AlignedBuffer {
  explicit AlignedBuffer(size_t n) : data(static_cast<char*>(std::aligned_alloc(kAlign, n))), size(n) {
    if (data == nullptr) throw std::bad_alloc();
  }
  ~AlignedBuffer() { std::free(data); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  char* data;
  size_t size;
};

Result<std::unique_ptr<RunFileWriter>> RunFileWriter::Create(const std::filesystem::path& path, RunFileIo io) {
  bool direct = false;
  const int fd = OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC, io, direct);
  if (fd < 0) return Error(path, "cannot create");
  return std::unique_ptr<RunFileWriter>(new RunFileWriter(path, fd, direct));
}

RunFileWriter::RunFileWriter(std::filesystem::path path, int fd, bool direct)
    : path_(std::move(path)), fd_(fd), direct_(direct), buffer_(std::make_unique<AlignedBuffer>(kWriteBytes)) {}

RunFileWriter::~RunFileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status RunFileWriter::Append(const char* data, size_t n) {
  while (n > 0) {
    const size_t take = std::min(n, buffer_->size - used_);
    std::memcpy(buffer_->data + used_, data, take);
    used_ += take;
    data += take;
    n -= take;
    if (used_ == buffer_->size) LEDGER_RETURN_IF_ERROR(WriteBuffer(used_));
  }
  return OkStatus();
}

Status RunFileWriter::WriteBuffer(size_t bytes) {
  size_t done = 0;
  while (done < bytes) {
    const ssize_t n = ::write(fd_, buffer_->data + done, bytes - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && direct_ && done == 0) {
      // Opened, but direct writes refused after all: through the cache.
      if (::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_DIRECT) != 0) return Error(path_, "cannot write");
      direct_ = false;
      continue;
    }
    if (n <= 0) return Error(path_, "cannot write");
    done += static_cast<size_t>(n);
  }
  written_ += used_;
  used_ = 0;
  return OkStatus();
}

Status RunFileWriter::Close() {
  if (fd_ < 0) return OkStatus();
  const size_t size = written_ + used_;
  if (used_ > 0) {
    const size_t padded = direct_ ? RoundUp(used_) : used_;
    std::memset(buffer_->data + used_, 0, padded - used_);
    LEDGER_RETURN_IF_ERROR(WriteBuffer(padded));
  }
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return Error(path_, "cannot write");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Error(path_, "cannot write");
  return OkStatus();
}

Result<std::unique_ptr<RunFileReader>> RunFileReader::Open(const std::filesystem::path& path, size_t buffer_bytes,
                                                           RunFileIo io) {
  bool direct = false;
  const int fd = OpenFile(path, O_RDONLY, io, direct);
  if (fd < 0) return Error(path, "cannot open");
  return std::unique_ptr<RunFileReader>(new RunFileReader(path, fd, direct, RoundUp(buffer_bytes)));
}

RunFileReader::RunFileReader(std::filesystem::path path, int fd, bool direct, size_t buffer_bytes)
    : path_(std::move(path)), fd_(fd), direct_(direct), buffer_(std::make_unique<AlignedBuffer>(buffer_bytes)) {}

RunFileReader::~RunFileReader() { ::close(fd_); }

Status RunFileReader::Fill() {
  at_ = size_ = 0;
  while (size_ < buffer_->size && !end_) {
    const ssize_t n = ::read(fd_, buffer_->data + size_, buffer_->size - size_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(path_, "cannot read");
    size_ += static_cast<size_t>(n);
    // A direct read comes back short only at the end (and its offset is
    // then no longer aligned for another).
    if (n == 0 || (direct_ && size_ < buffer_->size)) end_ = true;
  }
  return OkStatus();
}

Result<bool> RunFileReader::Read(char* out, size_t n) {
  size_t copied = 0;
  while (copied < n) {
    if (at_ == size_) {
      if (end_) {
        if (copied == 0) return false;
        return Unavailable("sort file " + path_.string() + ": cut short");
      }
      LEDGER_RETURN_IF_ERROR(Fill());
      continue;
    }
    const size_t take = std::min(n - copied, size_ - at_);
    std::memcpy(out + copied, buffer_->data + at_, take);
    at_ += take;
    copied += take;
  }
  return true;
}

}  // namespace ledger
