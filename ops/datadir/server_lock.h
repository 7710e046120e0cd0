// DATA/ledgerd.pid: who serves a ledger directory.
//
// `ledgerd` holds an exclusive flock on DATA/ledgerd.pid for as long as it
// runs, and writes in it its pid, what it is and, once it listens, its URL
// ("4242\nledgerd\nhttp://127.0.0.1:8080\n"). `ledger rebuild` holds the same
// lock while it swaps the projections, so the two never overlap. A lock held
// by no process (a SIGKILLed holder) is free again: the kernel drops flocks
// with their process, so a stale file never blocks anything.
//
// The CLI's write verbs ask RunningServer() first and refuse, naming the pid
// and the URL, instead of meeting the log's own writer lock with a vaguer
// message. Thread-safety: a ServerLock is owned by one thread.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "events/status.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

struct ServerInfo {
  pid_t pid = 0;
  std::string what;  // "ledgerd" or "ledger rebuild"
  std::string url;   // empty until it listens
};

class ServerLock {
 public:
  // Takes DATA/ledgerd.pid for `what`. FailedPrecondition naming the holder
  // (pid, what, URL) when another process holds it; Unavailable when the file
  // cannot be created.
  static Result<std::unique_ptr<ServerLock>> Acquire(const LogFlags& flags, const std::string& what);
  ~ServerLock();  // empties the file (it stays, so everyone locks the same inode), releases the lock

  // Records the URL the server listens on (rewrites the file in place).
  Status SetUrl(const std::string& url);

 private:
  ServerLock(std::string path, int fd, std::string what) : path_(std::move(path)), fd_(fd), what_(std::move(what)) {}
  Status Write(const std::string& url);
  std::string path_;
  int fd_;
  std::string what_;
};

// The process holding DATA/ledgerd.pid, if any.
std::optional<ServerInfo> RunningServer(const LogFlags& flags);

// FailedPrecondition saying who serves the ledger and what to do instead of
// `action` ("append", "rebuild"), or OK when nobody does.
Status RefuseWhileServed(const LogFlags& flags, const std::string& action);

}  // namespace ledger
