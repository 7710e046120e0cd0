#include "ops/datadir/server_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace ledger {
namespace {

std::string LockPath(const LogFlags& flags) {
  return (std::filesystem::path(flags.data) / "ledgerd.pid").string();
}

std::optional<ServerInfo> ReadInfo(int fd) {
  char buf[512];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return ServerInfo{};
  std::istringstream in(std::string(buf, static_cast<size_t>(n)));
  ServerInfo info;
  std::string pid;
  std::getline(in, pid);
  std::getline(in, info.what);
  std::getline(in, info.url);
  info.pid = static_cast<pid_t>(std::atol(pid.c_str()));
  return info;
}

std::string Describe(const ServerInfo& s) {
  std::string d = (s.what.empty() ? std::string("another process") : s.what) +
                  (s.pid > 0 ? " (pid " + std::to_string(s.pid) + ")" : "");
  if (!s.url.empty()) d += " at " + s.url;
  return d;
}

}  // namespace

Result<std::unique_ptr<ServerLock>> ServerLock::Acquire(const LogFlags& flags, const std::string& what) {
  std::error_code ec;
  std::filesystem::create_directories(flags.data, ec);
  const std::string path = LockPath(flags);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::optional<ServerInfo> holder = ReadInfo(fd);
    ::close(fd);
    return FailedPrecondition(flags.data + " is in use by " + Describe(holder.value_or(ServerInfo{})) +
                              ": stop it first (kill -TERM its pid), or use another --data");
  }
  std::unique_ptr<ServerLock> lock(new ServerLock(path, fd, what));
  LEDGER_RETURN_IF_ERROR(lock->Write(""));
  return lock;
}

ServerLock::~ServerLock() {
  // The file stays (emptied): unlinking it would let a process that opened it
  // just before lock the deleted inode while another locks a new file.
  if (ftruncate(fd_, 0) != 0) {
  }
  ::close(fd_);
}

Status ServerLock::SetUrl(const std::string& url) { return Write(url); }

Status ServerLock::Write(const std::string& url) {
  const std::string text = std::to_string(getpid()) + "\n" + what_ + "\n" + url + "\n";
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    return Unavailable("cannot write " + path_ + ": " + std::strerror(errno));
  return OkStatus();
}

std::optional<ServerInfo> RunningServer(const LogFlags& flags) {
  int fd = ::open(LockPath(flags).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<ServerInfo> info;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) info = ReadInfo(fd);
  ::close(fd);  // also drops the shared lock if we got it
  return info;
}

Status RefuseWhileServed(const LogFlags& flags, const std::string& action) {
  std::optional<ServerInfo> s = RunningServer(flags);
  if (!s) return OkStatus();
  std::string next = s->what == "ledgerd"
                         ? "it is the ledger's only writer: send commands through it (`ledger submit "
                           "--server " + (s->url.empty() ? std::string("URL") : s->url) +
                           " FILE.jsonl`, or POST /v1/commands), or stop it first (kill -TERM " +
                           std::to_string(s->pid) + ")"
                         : "wait for it to finish";
  return FailedPrecondition("cannot " + action + ": " + flags.data + " is served by " + Describe(*s) +
                            "; " + next);
}

}  // namespace ledger
