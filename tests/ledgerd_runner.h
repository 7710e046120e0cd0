// Runs the real `ledgerd` binary (LEDGERD_BIN) on 127.0.0.1, port 0, as an
// operator would, and talks HTTP to it with a small Boost.Beast client.
// Test-only; blocking; every wait has a deadline.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ops/cli/http_client.h"
#include "tests/ledger_runner.h"

namespace ledger::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, reset, timed out)
  std::string body;
  std::string error;
  std::string content_type;
};

// One request on a fresh connection (ops/cli/http_client.h). `url` is
// "http://127.0.0.1:PORT".
inline HttpResult Http(const std::string& url, const std::string& method, const std::string& target,
                       const std::string& token = "", const std::string& body = "",
                       std::chrono::seconds timeout = std::chrono::seconds(30)) {
  Result<HttpReply> r = HttpCall(url, method, target, body, token, timeout);
  if (!r.ok()) return HttpResult{0, "", r.status().message(), ""};
  return HttpResult{r->status, std::move(r->body), "", std::move(r->content_type)};
}

// A ledgerd process on --data `data`; its stdout and stderr in `dir`.
class Ledgerd {
 public:
  // `command`: the program and arguments to run instead of ledgerd (e.g. `ledger demo --serve`);
  // `extra` is then ignored.
  Ledgerd(std::filesystem::path data, std::filesystem::path dir, std::vector<std::string> extra = {},
          std::vector<std::string> command = {})
      : data_(std::move(data)), dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    std::fflush(stdout);
    std::fflush(stderr);
    pid_ = fork();
    if (pid_ == 0) {
      std::freopen((dir_ / "ledgerd.out").c_str(), "w", stdout);
      std::freopen((dir_ / "ledgerd.err").c_str(), "a", stderr);
      std::vector<std::string> args = {LEDGERD_BIN, "--data", data_.string(), "--listen", "127.0.0.1:0"};
      args.insert(args.end(), extra.begin(), extra.end());
      if (!command.empty()) args = command;
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(args[0].c_str(), argv.data());
      _exit(127);
    }
    // The line `ledgerd: listening on http://…` says it serves.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(command.empty() ? 60 : 180);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string out = FileBytes(dir_ / "ledgerd.out");
      const std::string mark = "ledgerd: listening on ";
      size_t at = out.find(mark);
      while (at != std::string::npos && at > 0 && out[at - 1] != '\n') at = out.find(mark, at + 1);
      if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
        url_ = out.substr(at + mark.size(), out.find('\n', at) - at - mark.size());
        return;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~Ledgerd() {
    if (pid_ > 0) Kill();
  }

  bool serving() const { return !url_.empty() && pid_ > 0; }
  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  int exit_code() const { return exit_code_; }
  std::string err() const { return FileBytes(dir_ / "ledgerd.err"); }
  std::string out() const { return FileBytes(dir_ / "ledgerd.out"); }

  // Waits for /readyz 200 (writer loaded, projections caught up).
  bool WaitReady(std::chrono::seconds limit = std::chrono::seconds(60)) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Http(url_, "GET", "/readyz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Ready and holding the writer's role (on Kafka a lone instance is a
  // standby until the group grants it the role, a few seconds).
  bool WaitWriter(std::chrono::seconds limit = std::chrono::seconds(60)) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      HttpResult r = Http(url_, "GET", "/readyz");
      if (r.status == 200 && r.body.find("\"role\": \"writer\"") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // SIGTERM, then the exit code (or -1 after 60 s).
  int Term() { return Signal(SIGTERM); }
  int Kill() { return Signal(SIGKILL); }

 private:
  int Signal(int sig) {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

  std::filesystem::path data_, dir_;
  pid_t pid_ = -1;
  std::string url_;
  int exit_code_ = -1;
};

}  // namespace ledger::testing
