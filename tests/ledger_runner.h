// Runs the `ledger` binary (LEDGER_BIN, defined by the test target) as an
// operator would: arguments passed as given (no shell), stdout and stderr
// captured in files of a scratch directory, exit code as the shell reports it
// (128 + signal when killed). Test-only; blocking.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "events/testing/file_bytes.h"

namespace ledger::testing {

struct CliRun {
  int code = -1;
  std::string out, err;
};

// Starts `ledger ARGS…` with stdout/stderr to `dir`/out and `dir`/err.
inline pid_t SpawnLedger(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  std::fflush(stdout);  // or the child's freopen writes our buffer out again
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    std::freopen((dir / "out").c_str(), "w", stdout);
    std::freopen((dir / "err").c_str(), "w", stderr);
    std::vector<char*> argv;
    std::string bin = LEDGER_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

inline CliRun WaitLedger(pid_t pid, const std::filesystem::path& dir) {
  int status = 0;
  waitpid(pid, &status, 0);
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = FileBytes(dir / "out");
  r.err = FileBytes(dir / "err");
  return r;
}

inline CliRun RunLedger(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  return WaitLedger(SpawnLedger(args, dir), dir);
}

// `args` split on spaces (for arguments without spaces).
inline CliRun RunLedger(const std::string& args, const std::filesystem::path& dir) {
  std::vector<std::string> v;
  std::istringstream in(args);
  for (std::string a; in >> a;) v.push_back(a);
  return RunLedger(v, dir);
}

// The rows of a CSV output without quoting (`ledger stats --format csv`), the
// header line left out, each split on ','.
inline std::vector<std::vector<std::string>> CsvRows(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    rows.push_back(std::move(f));
  }
  return rows;
}

}  // namespace ledger::testing
