#include "events/embedded/embedded_event_log.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "events/embedded/frame.h"
#include "events/embedded/log_meta.h"
#include "events/embedded/partition_state.h"
#include "events/embedded/posix_file.h"
#include "events/embedded/recovery.h"
#include "events/embedded/segment.h"
#include "events/embedded/segment_reader.h"
#include "events/identifiers.h"

namespace ledger {

namespace fs = std::filesystem;
using embedded::ScopedFd;

namespace {

// The writer's side of one partition. Owned by the writer thread.
struct WriterPartition {
  fs::path dir;
  std::shared_ptr<embedded::PartitionState> state;
  int64_t end_offset = 0;
  ScopedFd active;  // O_APPEND descriptor of the last segment
  fs::path active_path;
  int64_t active_bytes = 0;
  bool active_unsynced = false;
  // Segments rolled away from since the last Flush, still to be fdatasync'ed.
  std::vector<std::pair<ScopedFd, fs::path>> rolled_unsynced;
  bool dir_unsynced = false;  // a segment was created since the last Flush
  // Appended, not yet written: records of whole Appends from pending_first on.
  std::string pending;
  int64_t pending_first = 0;
  uint32_t pending_count = 0;
};

Result<ScopedFd> LockDir(const fs::path& dir) {
  fs::path lock_path = dir / "LOCK";
  LEDGER_ASSIGN_OR_RETURN(ScopedFd fd, embedded::OpenFile(lock_path, O_RDWR | O_CREAT));
  int rc;
  do {
    rc = ::flock(fd.get(), LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK)
      return FailedPrecondition("another process holds the embedded log at " + dir.string() +
                                " (LOCK): stop it first");
    return embedded::ErrnoError(lock_path, "flock failed", errno);
  }
  return fd;
}

Result<bool> Exists(const fs::path& path) {
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  if (ec) return embedded::ErrnoError(path, "stat failed", ec.value());
  return exists;
}

}  // namespace

class EmbeddedEventLog::Impl {
 public:
  Impl(fs::path dir, EmbeddedLogOptions options) : dir_(std::move(dir)), options_(options) {}
  // Buffered records reach the file as they did when each Append wrote at
  // once: written, not synced. A failure here is nobody's to report (the
  // records were never flushed, so never acknowledged).
  ~Impl() {
    if (options_.read_only || !poisoned_.ok()) return;
    for (WriterPartition& part : parts_)
      if (!WritePending(part).ok()) return;
  }

  Status Open();
  Result<int64_t> Append(std::string_view key, std::span<const std::string> values);
  Status Flush();
  Result<int64_t> EndOffset(int32_t partition) const;
  Result<std::unique_ptr<LogReader>> OpenReader(int32_t partition, int64_t from) const;

  int32_t partition_count() const { return static_cast<int32_t>(parts_.size()); }
  const std::vector<std::string>& notes() const { return notes_; }
  const fs::path& dir() const { return dir_; }

 private:
  std::vector<std::optional<Result<embedded::RecoveredPartition>>> RecoverAll(
      int32_t partitions) const;
  Status OpenPartition(int32_t p, embedded::RecoveredPartition recovered);
  Status Roll(WriterPartition& part);
  // Writes the partition's buffered records as one frame (nothing when none).
  Status WritePending(WriterPartition& part);
  Status Poison(Status s) {
    poisoned_ = s.WithContext("embedded log disabled until reopened after");
    return s;
  }

  const fs::path dir_;
  const EmbeddedLogOptions options_;
  ScopedFd lock_;  // held for the life of a writer
  std::vector<WriterPartition> parts_;
  std::vector<std::string> notes_;
  Status poisoned_;    // set by a failed write or sync: the tail state is unknown
  std::string frame_;  // reused encoding buffer
};

Status EmbeddedEventLog::Impl::Open() {
  if (options_.read_only && options_.create_if_missing)
    return InvalidArgument("embedded log: read_only and create_if_missing exclude each other");
  if (options_.segment_bytes <= 0)
    return InvalidArgument("embedded log: segment_bytes must be positive");
  if (options_.block_bytes < 0 || options_.block_bytes > embedded::kMaxPayloadBytes / 2)
    return InvalidArgument("embedded log: block_bytes must be in [0, 512 MiB]");

  const fs::path meta = dir_ / embedded::kLogMetaFile;
  LEDGER_ASSIGN_OR_RETURN(bool has_meta, Exists(meta));
  if (!has_meta && !options_.create_if_missing)
    return NotFound("no embedded log at " + dir_.string() +
                    " (LOG_META missing): run `ledger demo` or pass --data pointing at an "
                    "existing ledger directory");
  if (!options_.read_only) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return embedded::ErrnoError(dir_, "mkdir failed", ec.value());
    LEDGER_ASSIGN_OR_RETURN(lock_, LockDir(dir_));
    // Decided again under the lock: another creator may have won the race.
    LEDGER_ASSIGN_OR_RETURN(has_meta, Exists(meta));
    if (!has_meta) LEDGER_RETURN_IF_ERROR(embedded::CreateLog(dir_, options_.partitions));
  }
  LEDGER_ASSIGN_OR_RETURN(int32_t partitions, embedded::ReadLogMeta(meta));
  auto recovered = RecoverAll(partitions);
  parts_.resize(static_cast<size_t>(partitions));
  for (int32_t p = 0; p < partitions; ++p) {
    LEDGER_ASSIGN_OR_RETURN(embedded::RecoveredPartition rec,
                            std::move(*recovered[static_cast<size_t>(p)]));
    LEDGER_RETURN_IF_ERROR(OpenPartition(p, std::move(rec)));
  }
  return OkStatus();
}

// Partitions are independent and recovery is mostly checksumming the last
// segments: spread it over the cores.
std::vector<std::optional<Result<embedded::RecoveredPartition>>> EmbeddedEventLog::Impl::RecoverAll(
    int32_t partitions) const {
  std::vector<std::optional<Result<embedded::RecoveredPartition>>> out(
      static_cast<size_t>(partitions));
  std::atomic<int32_t> next{0};
  auto work = [&] {
    for (int32_t p; (p = next.fetch_add(1)) < partitions;)
      out[static_cast<size_t>(p)] =
          embedded::RecoverPartition(dir_, embedded::PartitionDirName(p), options_.read_only);
  };
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned helpers = std::min(cores, static_cast<unsigned>(partitions)) - 1;
  std::vector<std::thread> threads;
  try {
    for (unsigned i = 0; i < helpers; ++i) threads.emplace_back(work);
  } catch (const std::system_error&) {
    // No more threads: this one does the remaining partitions.
  }
  work();
  for (std::thread& t : threads) t.join();
  return out;
}

Status EmbeddedEventLog::Impl::OpenPartition(int32_t p, embedded::RecoveredPartition rec) {
  WriterPartition& part = parts_[static_cast<size_t>(p)];
  part.dir = dir_ / embedded::PartitionDirName(p);
  for (std::string& note : rec.notes) notes_.push_back(std::move(note));
  part.end_offset = rec.end_offset;
  if (!options_.read_only && !rec.segments.empty()) {
    const embedded::SegmentInfo& last = rec.segments.back();
    LEDGER_ASSIGN_OR_RETURN(part.active, embedded::OpenFile(last.path, O_WRONLY | O_APPEND));
    part.active_path = last.path;
    part.active_bytes = last.committed_bytes;
  }
  part.state = std::make_shared<embedded::PartitionState>(std::move(rec.segments), rec.end_offset);
  return OkStatus();
}

// Starts a new segment named after the partition's end offset. The previous
// one stays open until the next Flush has synced it.
Status EmbeddedEventLog::Impl::Roll(WriterPartition& part) {
  const int64_t base = part.end_offset - part.pending_count;  // the first record not written
  fs::path path = part.dir / embedded::SegmentFileName(base);
  LEDGER_ASSIGN_OR_RETURN(ScopedFd fd,
                          embedded::OpenFile(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL));
  if (part.active.valid()) {
    if (part.active_unsynced)
      part.rolled_unsynced.emplace_back(std::move(part.active), part.active_path);
    part.active.Reset();
  }
  part.active = std::move(fd);
  part.active_path = path;
  part.active_bytes = 0;
  part.active_unsynced = false;
  part.dir_unsynced = true;
  part.state->AddSegment(embedded::SegmentInfo{base, std::move(path), 0, {}});
  return OkStatus();
}

Result<int64_t> EmbeddedEventLog::Impl::Append(std::string_view key,
                                               std::span<const std::string> values) {
  if (options_.read_only) return FailedPrecondition("embedded log opened read-only: no Append");
  if (!poisoned_.ok()) return poisoned_;
  LEDGER_RETURN_IF_ERROR(embedded::CheckAppend(key, values));
  WriterPartition& part = parts_[static_cast<size_t>(PartitionForKey(key, partition_count()))];
  const int64_t bytes = embedded::RecordsBytes(key, values);
  // A frame stays within kMaxPayloadBytes and its count within 32 bits.
  if (part.pending_count > 0 &&
      (static_cast<int64_t>(part.pending.size()) + bytes > options_.block_bytes ||
       part.pending_count + values.size() > UINT32_MAX))
    LEDGER_RETURN_IF_ERROR(WritePending(part));
  const int64_t first = part.end_offset;
  const size_t pending_before = part.pending.size();
  if (part.pending_count == 0) part.pending_first = first;
  embedded::AppendRecords(key, values, &part.pending);
  part.pending_count += static_cast<uint32_t>(values.size());
  part.end_offset += static_cast<int64_t>(values.size());
  if (static_cast<int64_t>(part.pending.size()) >= options_.block_bytes) {
    Status written = WritePending(part);
    if (!written.ok()) {
      if (poisoned_.ok()) {  // a failed roll: this Append takes its records back
        part.pending.resize(pending_before);
        part.pending_count -= static_cast<uint32_t>(values.size());
        part.end_offset = first;
      }
      return written;
    }
  }
  return first;
}

Status EmbeddedEventLog::Impl::WritePending(WriterPartition& part) {
  if (part.pending_count == 0) return OkStatus();
  // A failed roll wrote nothing: the records stay buffered and the caller may
  // retry (disk full, too many files).
  if (!part.active.valid() || part.active_bytes >= options_.segment_bytes)
    LEDGER_RETURN_IF_ERROR(Roll(part));
  embedded::EncodeFrame(part.pending_first, part.pending_count, part.pending,
                        options_.compression ? embedded::FrameCompression::kZstd
                                             : embedded::FrameCompression::kNone,
                        &frame_);
  Status s = embedded::WriteAll(part.active.get(), frame_, part.active_path);
  if (!s.ok()) return Poison(s);
  const int64_t frame_pos = part.active_bytes;
  part.active_bytes += static_cast<int64_t>(frame_.size());
  part.active_unsynced = true;
  part.state->Publish(frame_pos, part.pending_first, part.active_bytes,
                      part.pending_first + part.pending_count);
  part.pending.clear();
  if (part.pending.capacity() > 2 * static_cast<size_t>(options_.block_bytes) + (1 << 20))
    part.pending.shrink_to_fit();  // after one huge Append
  part.pending_count = 0;
  return OkStatus();
}

Status EmbeddedEventLog::Impl::Flush() {
  if (options_.read_only) return OkStatus();
  if (!poisoned_.ok()) return poisoned_;
  for (WriterPartition& part : parts_) LEDGER_RETURN_IF_ERROR(WritePending(part));
  for (WriterPartition& part : parts_) {
    if (options_.sync_on_flush) {
      for (auto& [fd, path] : part.rolled_unsynced) {
        Status s = embedded::SyncData(fd.get(), path);
        if (!s.ok()) return Poison(s);
      }
      if (part.active_unsynced) {
        Status s = embedded::SyncData(part.active.get(), part.active_path);
        if (!s.ok()) return Poison(s);
      }
      if (part.dir_unsynced) {
        Status s = embedded::SyncDir(part.dir);
        if (!s.ok()) return Poison(s);
      }
    }
    part.rolled_unsynced.clear();
    part.active_unsynced = false;
    part.dir_unsynced = false;
  }
  return OkStatus();
}

Result<int64_t> EmbeddedEventLog::Impl::EndOffset(int32_t partition) const {
  if (partition < 0 || partition >= partition_count())
    return InvalidArgument("embedded log: no partition " + std::to_string(partition) + " (0.." +
                           std::to_string(partition_count() - 1) + ")");
  return parts_[static_cast<size_t>(partition)].state->end_offset();
}

Result<std::unique_ptr<LogReader>> EmbeddedEventLog::Impl::OpenReader(int32_t partition,
                                                                      int64_t from) const {
  LEDGER_ASSIGN_OR_RETURN(int64_t end, EndOffset(partition));
  if (from < 0 || from > end)
    return InvalidArgument("embedded log partition " + std::to_string(partition) +
                           ": cannot read from offset " + std::to_string(from) + ", outside [0, " +
                           std::to_string(end) + "]");
  return std::unique_ptr<LogReader>(std::make_unique<embedded::SegmentReader>(
      parts_[static_cast<size_t>(partition)].state, partition, from));
}

Result<std::unique_ptr<EmbeddedEventLog>> EmbeddedEventLog::Open(
    const fs::path& dir, const EmbeddedLogOptions& options) {
  fs::path clean = dir.lexically_normal();
  if (!clean.has_filename() && clean.has_parent_path()) clean = clean.parent_path();  // "a/log/"
  auto impl = std::make_unique<Impl>(clean, options);
  LEDGER_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<EmbeddedEventLog>(new EmbeddedEventLog(std::move(impl)));
}

EmbeddedEventLog::EmbeddedEventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EmbeddedEventLog::~EmbeddedEventLog() = default;

int32_t EmbeddedEventLog::partition_count() const { return impl_->partition_count(); }

Result<int64_t> EmbeddedEventLog::Append(std::string_view key,
                                         std::span<const std::string> values) {
  return impl_->Append(key, values);
}

Status EmbeddedEventLog::Flush() { return impl_->Flush(); }

Result<int64_t> EmbeddedEventLog::EndOffset(int32_t partition) {
  return impl_->EndOffset(partition);
}

Result<std::unique_ptr<LogReader>> EmbeddedEventLog::OpenReader(int32_t partition, int64_t from) {
  return impl_->OpenReader(partition, from);
}

const std::vector<std::string>& EmbeddedEventLog::recovery_notes() const { return impl_->notes(); }
const fs::path& EmbeddedEventLog::dir() const { return impl_->dir(); }

}  // namespace ledger
