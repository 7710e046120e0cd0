#include "ops/cli/serve_demo.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/core.h>

#include "ops/auth/token_store.h"

namespace ledger {
namespace {

constexpr char kTokenName[] = "demo-tableau";

volatile sig_atomic_t g_ledgerd_pid = 0;
// SIGINT/SIGTERM to this process are passed on to ledgerd, which stops cleanly.
void Forward(int sig) {
  if (g_ledgerd_pid > 0) ::kill(g_ledgerd_pid, sig);
}

std::filesystem::path LedgerdBinary() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("ledgerd") : self.parent_path() / "ledgerd";
}

}  // namespace

Result<int> ServeDemo(const LogFlags& flags, const std::string& listen, std::FILE* out) {
  const std::filesystem::path tokens = std::filesystem::path(flags.data) / "tokens";
  if (Status s = auth::TokenStore::Revoke(tokens, kTokenName, SystemNow()); !s.ok() && s.code() != StatusCode::kNotFound)
    return s;
  LEDGER_ASSIGN_OR_RETURN(std::string token, auth::TokenStore::Add(tokens, kTokenName, auth::Role::kDashboard,
                                                                   auth::AccessScope{}, SystemNow()));
  const std::filesystem::path ledgerd = LedgerdBinary();
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return Unavailable("cannot start ledgerd: no pipe");
  std::fflush(out);
  const pid_t pid = ::fork();
  if (pid < 0) return Unavailable("cannot start ledgerd: fork failed");
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    const std::string data = flags.data, log = flags.log;
    ::execl(ledgerd.c_str(), "ledgerd", "--data", data.c_str(), "--log", log.c_str(), "--listen", listen.c_str(),
            "--quiet", static_cast<char*>(nullptr));
    std::fprintf(stderr, "ledger demo --serve: cannot run %s (build it: cmake --build build)\n", ledgerd.c_str());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  g_ledgerd_pid = pid;
  ::signal(SIGINT, Forward);
  ::signal(SIGTERM, Forward);
  std::FILE* from = ::fdopen(pipe_fds[0], "r");
  std::string url;
  char line[512];
  while (from && std::fgets(line, sizeof line, from)) {  // EINTR: SA_RESTART restarts the read
    const std::string l(line);
    constexpr std::string_view kPrefix = "ledgerd: listening on ";
    if (l.rfind(kPrefix, 0) == 0) {
      url = l.substr(kPrefix.size());
      while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
      break;
    }
  }
  if (!url.empty()) {
    fmt::print(out,
               "ledgerd: listening on {}\n"
               "\n== Tableau de bord ==\n"
               "  Ouvrez {}/ dans un navigateur et connectez-vous avec ce jeton (rôle dashboard) :\n"
               "  {}\n"
               "  Ctrl-C arrête le service.\n",
               url, url, token);
    std::fflush(out);
  }
  if (from) std::fclose(from);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (url.empty()) return Unavailable("ledgerd did not start (its error is above): the demo ledger is kept in " + flags.data);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace ledger
