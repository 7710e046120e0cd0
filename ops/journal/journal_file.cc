#include "ops/journal/journal_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace ledger::journal {
namespace {

// Far above any line the journal writes (entry.h's limits keep them under 2 KiB).
constexpr off_t kMaxLineBytes = 64 << 10;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);  // also releases the flock
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string Where(const std::filesystem::path& file) { return "access journal " + file.string(); }

Status Errno(const std::filesystem::path& file, const char* doing) {
  return Unavailable(Where(file) + ": cannot " + doing + ": " + std::strerror(errno));
}

// Where the file's complete lines end, and the last one's seq and hash.
struct Tail {
  off_t complete = 0;  // bytes up to and including the last '\n'
  uint64_t seq = 0;
  Hash hash{};
};

Result<Tail> ReadTail(int fd, const std::filesystem::path& file) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return Errno(file, "stat it");
  const off_t size = st.st_size;
  const auto not_a_journal = [&] {
    return DataLoss(Where(file) +
                    ": its end is not an entry (longer than any line the journal "
                    "writes): nothing can be recorded after it; see docs/ACCESS_JOURNAL.md");
  };
  Tail tail;
  std::string buf;
  // A window ending at the end of the file, grown until it holds the last complete line whole.
  for (off_t window = std::min<off_t>(size, 4096);; window = std::min<off_t>(size, window * 2)) {
    buf.resize(static_cast<size_t>(window));
    if (pread(fd, buf.data(), buf.size(), size - window) != static_cast<ssize_t>(buf.size()))
      return Errno(file, "read its last line");
    const size_t end = buf.rfind('\n');  // the last complete line's '\n'
    if (end == std::string::npos) {
      // Only a torn line (never longer than a line) may follow the last complete one.
      if (window > kMaxLineBytes) return not_a_journal();
      if (window == size) return tail;  // no complete line at all
      continue;
    }
    tail.complete = size - window + static_cast<off_t>(end) + 1;
    if (size - tail.complete > kMaxLineBytes) return not_a_journal();
    const size_t start = end == 0 ? std::string::npos : buf.rfind('\n', end - 1);
    if (start == std::string::npos && window < size) {
      if (window > 2 * kMaxLineBytes) return not_a_journal();
      continue;
    }
    const size_t from = start == std::string::npos ? 0 : start + 1;
    Result<AccessEntry> last = ParseLine(std::string_view(buf).substr(from, end - from));
    if (!last.ok())
      return DataLoss(Where(file) + ": its last line is not an entry (" + last.status().message() +
                      "): nothing can be recorded after it; `ledger access-log` names the break, "
                      "docs/ACCESS_JOURNAL.md says what to do");
    tail.seq = last->seq;
    tail.hash = last->hash;
    return tail;
  }
}

Status WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status(StatusCode::kUnavailable, std::strerror(n < 0 ? errno : ENOSPC));
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

Status SyncFolder(const std::filesystem::path& file) {
  const std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno(file, "open its folder");
  Fd closer(fd);
  if (fsync(fd) != 0) return Errno(file, "sync its folder");
  return OkStatus();
}

}  // namespace

std::filesystem::path JournalPath(const std::filesystem::path& data_dir) {
  return data_dir / "access-journal.jsonl";
}

Result<std::vector<AccessEntry>> AccessJournal::Append(std::vector<AccessEntry> entries) const {
  for (const AccessEntry& e : entries) LEDGER_RETURN_IF_ERROR(Validate(e));
  if (entries.empty()) return entries;
  bool created = false;
  int raw = ::open(file_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (raw < 0 && errno == ENOENT) {
    raw = ::open(file_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    created = true;
  }
  if (raw < 0) return Errno(file_, "open it");
  Fd fd(raw);
  while (flock(fd.get(), LOCK_EX) != 0)
    if (errno != EINTR) return Errno(file_, "lock it");
  LEDGER_ASSIGN_OR_RETURN(Tail tail, ReadTail(fd.get(), file_));
  // An unterminated last line was never synced by its writer: drop it (see the header).
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Errno(file_, "stat it");
  if (st.st_size > tail.complete && ftruncate(fd.get(), tail.complete) != 0)
    return Errno(file_, "drop an unfinished last line");
  std::string text;
  Hash prev = tail.hash;
  for (AccessEntry& e : entries) {
    e.seq = ++tail.seq;
    e.prev_hash = prev;
    e.hash = prev = EntryHash(e.prev_hash, e);
    text += FormatLine(e);
  }
  Status wrote = WriteAll(fd.get(), text);
  if (wrote.ok() && fdatasync(fd.get()) != 0)
    wrote = Status(StatusCode::kUnavailable, std::strerror(errno));
  if (!wrote.ok()) {
    // Leave no entry whose read will be refused (the truncation may fail too: the next appender
    // drops a torn line).
    if (ftruncate(fd.get(), tail.complete) == 0) fdatasync(fd.get());
    return Unavailable(Where(file_) + ": cannot write it: " + wrote.message());
  }
  if (created) LEDGER_RETURN_IF_ERROR(SyncFolder(file_));
  return entries;
}

Result<JournalHead> AccessJournal::Read(
    const std::function<void(const AccessEntry&)>& visit) const {
  JournalHead head;
  std::ifstream in(file_, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(file_, ec)) return head;
    return Unavailable(Where(file_) + ": cannot read it");
  }
  std::string line;
  for (uint64_t n = 1; std::getline(in, line); ++n) {
    if (in.eof()) {  // no '\n' after it: a write in progress, or one a crash cut short
      head.torn_tail = true;
      break;
    }
    auto broken = [&](const std::string& why) {
      return DataLoss(Where(file_) + ", line " + std::to_string(n) + ": " + why);
    };
    Result<AccessEntry> e = ParseLine(line);
    if (!e.ok()) return broken("not an entry (" + e.status().message() + ")");
    if (EntryHash(e->prev_hash, *e) != e->hash)
      return broken("its hash does not match its content: the line was edited");
    if (e->prev_hash != head.hash)
      return broken(n == 1 ? "the first entry does not start the chain (prev_hash is not zeros): "
                             "entries before it "
                             "were removed"
                           : "its prev_hash is not line " + std::to_string(n - 1) +
                                 "'s hash: an entry was deleted, inserted or moved here");
    if (e->seq != n)
      return broken("seq " + std::to_string(e->seq) + " where " + std::to_string(n) +
                    " was expected");
    head.entries = n;
    head.hash = e->hash;
    visit(*e);
  }
  if (in.bad())
    return Unavailable(Where(file_) + ": read failed after line " + std::to_string(head.entries));
  return head;
}

}  // namespace ledger::journal
