// ledgerd: the ledger as a running service (ARCHITECTURE.md §7) — the single
// writer of the log, the live projector, and the JSON API, metrics and roles.
//
// Prints "ledgerd: listening on http://HOST:PORT" on stdout once it serves;
// one line per request and notable events on stderr. SIGTERM/SIGINT: stop
// accepting, answer what is in flight, project what is durable, exit 0.
// Exit codes: 0 clean stop; 1 could not start (the message says why: another
// process serves --data, the port is taken, the log does not open); 2 bad usage.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "ops/server/api.h"
#include "ops/server/http_server.h"
#include "ops/server/metrics.h"
#include "ops/server/request_log.h"
#include "ops/server/token_cache.h"
#include "ops/service/ledger_service.h"

namespace ledger::server {
namespace {

void Note(const std::string& line) { fmt::print(stderr, "{} ledgerd: {}\n", FormatRfc3339(SystemNow()), line); }

// Lets the process hold max_connections sockets plus its files: raises the
// soft descriptor limit towards the hard one, and lowers max_connections
// (saying so) when the hard limit is lower.
void FitDescriptorLimit(size_t& max_connections) {
  constexpr rlim_t kSpare = 256;  // log segments, RocksDB files, Kafka sockets
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t want = static_cast<rlim_t>(max_connections) + kSpare;
  if (lim.rlim_cur < want) {
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? want : std::min(want, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < want) {
    const size_t fits = lim.rlim_cur > 2 * kSpare ? static_cast<size_t>(lim.rlim_cur - kSpare) : lim.rlim_cur / 2;
    Note(fmt::format("--max-connections {} lowered to {}: the descriptor limit is {} (raise it with ulimit -n)",
                     max_connections, fits, static_cast<uint64_t>(lim.rlim_cur)));
    max_connections = fits;
  }
}

int Fail(const Status& s) {
  fmt::print(stderr, "ledgerd: {}\n", s.ToString());
  return 1;
}

struct Flags {
  LogFlags log;
  std::string listen = "127.0.0.1:8080";
  HttpServerOptions http;
  ApiOptions api;
  ServiceOptions service;
  int64_t header_timeout_s = 10, body_timeout_s = 30, commit_timeout_s = 30;
  int64_t grace_s = 30;
  bool quiet = false;
};

int Main(int argc, char** argv) {
  CLI::App app{
      "ledgerd — the account ledger as a service: the single writer of the log (commands arrive\n"
      "through its API, group-committed), a live projector that makes every event visible within a\n"
      "second, and the JSON API of ARCHITECTURE.md §7 with roles and scoped tokens (`ledger token\n"
      "add`), Prometheus metrics at /metrics, /healthz and /readyz. While it runs, `ledger` read\n"
      "commands on the same --data still answer; `ledger` write commands refuse, naming its pid.\n"
      "Every read of a person's data (views, histories, links, search hits, attention lists; ?reason=TICKET)\n"
      "is recorded in --data's access journal before it is answered (`ledger access-log`), else 503.\n"
      "SIGTERM or SIGINT: stop accepting, answer what is in flight, project what is durable, exit 0."};
  Flags f;
  app.add_option("--data", f.log.data, "Directory of the ledger's files (log, projections, tokens)")
      ->capture_default_str();
  app.add_option("--log", f.log.log, "The event log: 'embedded' (files under --data) or kafka://host:port[,…]")
      ->capture_default_str();
  app.add_option("--master-key-file", f.log.master_key_file,
                 "The master key that wraps every person's data key (default DATA/master.key, created 0600 "
                 "when absent). Every ledgerd of one Kafka deployment must be given the same one");
  app.add_option("--listen", f.listen, "Address to serve on, HOST:PORT (port 0 picks a free one; the URL "
                                       "printed once it serves says which)")
      ->capture_default_str();
  app.add_option("--io-threads", f.http.io_threads, "Threads reading and writing connections")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--workers", f.http.worker_threads,
                 "Threads answering requests (each request waiting for a group commit holds one)")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--max-connections", f.http.max_connections,
                 "Most open connections; past it the longest idle one is closed to make room")
      ->capture_default_str()->check(CLI::Range(size_t{16}, size_t{1'000'000}));
  app.add_option("--max-body-bytes", f.http.max_body_bytes, "Largest request body; larger ones get 413")
      ->capture_default_str()->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  app.add_option("--max-commands", f.api.max_commands, "Most commands in one POST /v1/commands; more get 400")
      ->capture_default_str()->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--header-timeout", f.header_timeout_s,
                 "Seconds to receive a request's headers (and to keep an idle connection); then 400 or close")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--body-timeout", f.body_timeout_s, "Seconds to receive a request's body; then 400")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--commit-timeout", f.commit_timeout_s,
                 "Seconds a request waits for its group commit before 503 (resubmitting is safe)")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--group-commands", f.service.max_group_commands,
                 "Most commands decided and flushed together in one group commit")
      ->capture_default_str()->check(CLI::Range(size_t{1}, size_t{1} << 20));
  app.add_option("--projector-threads", f.service.projector_threads,
                 "Threads projecting the log into the read models (each owns some partitions; "
                 "more than one share the catching up when the projections fall behind)")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--projector-fold-from", f.service.projector_fold_from,
                 "Records behind the log from which the projections catch up by sorting what is behind "
                 "by account and folding it in one step (faster, but nothing of it shows until it is "
                 "whole); 0: batch by batch only")
      ->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_option("--projector-fold-records", f.service.projector_fold_records,
                 "The most records one such fold takes (fewer, larger folds are faster; its sorted records "
                 "take about 500 bytes each of disk beside the projections while it runs)")
      ->capture_default_str()->check(CLI::Range(int64_t{1024}, int64_t{1} << 40));
  app.add_option("--projector-view-cache-mb", f.service.projector_view_cache_mb,
                 "Memory for the accounts' views the projector reads before the store (filled from it at "
                 "start: ~300 MB holds every view of an académie's year, ~550,000 accounts; when all fit, "
                 "the store is not read for them at all); 0: none")
      ->capture_default_str()->check(CLI::Range(size_t{0}, size_t{1} << 20));
  app.add_option("--grace", f.grace_s, "Seconds to finish requests in flight at SIGTERM")
      ->capture_default_str()->check(CLI::Range(0, 3600));
  app.add_flag("--quiet", f.quiet, "No per-request log lines (notable events are still logged)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  const size_t colon = f.listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(f.listen.substr(colon + 1));
    } catch (...) {
    }
  }
  if (colon == std::string::npos || port < 0 || port > 65535) {
    fmt::print(stderr, "ledgerd: --listen {}: expected HOST:PORT, e.g. 127.0.0.1:8080 (port 0: any free port)\n",
               f.listen);
    return 2;
  }
  f.http.host = f.listen.substr(0, colon);
  f.http.port = static_cast<uint16_t>(port);
  FitDescriptorLimit(f.http.max_connections);
  f.http.header_timeout = std::chrono::seconds(f.header_timeout_s);
  f.http.body_timeout = std::chrono::seconds(f.body_timeout_s);
  f.api.commit_timeout = std::chrono::seconds(f.commit_timeout_s);
  f.service.note = Note;
  f.api.data_dir = f.log.data;

  // Signals are taken by sigwait below, never by a thread in the middle of its work.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // A token file that does not load would fail every request closed
  // (TokenCache): refuse to start instead, naming the file and line.
  if (Result<auth::TokenStore> t = auth::TokenStore::Load(std::filesystem::path(f.log.data) / "tokens"); !t.ok())
    return Fail(t.status());
  ServerMetrics metrics;
  Result<std::unique_ptr<LedgerService>> service = LedgerService::Start(f.log, f.service, SystemNow, metrics, metrics);
  if (!service.ok()) return Fail(service.status());
  TokenCache tokens(std::filesystem::path(f.log.data) / "tokens");
  Api api(**service, metrics, tokens, f.api);
  const bool quiet = f.quiet;
  auto observe = [&metrics, quiet](const HttpRequest& req, const HttpResponse& res, double seconds) {
    metrics.RequestServed(RoutePattern(req.path), MethodLabel(req.method), res.status, seconds);
    if (!quiet) fmt::print(stderr, "{}\n", RequestLogLine(SystemNow(), req, res.status, seconds));
  };
  Result<std::unique_ptr<HttpServer>> http =
      HttpServer::Start(f.http, [&api](const HttpRequest& req) { return api.Handle(req); }, observe);
  if (!http.ok()) {
    (*service)->Stop();
    return Fail(http.status());
  }
  const std::string url = fmt::format("http://{}:{}", f.http.host, (*http)->port());
  if (Status s = (*service)->SetUrl(url); !s.ok()) Note(s.ToString());
  Note(fmt::format("serving {} ({} log, {} partitions); tokens in {}", f.log.data, f.log.log,
                   (*service)->partition_count(), (std::filesystem::path(f.log.data) / "tokens").string()));
  fmt::print("ledgerd: listening on {}\n", url);
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  Note(fmt::format("{}: no new connections; finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
  (*http)->Stop(std::chrono::seconds(f.grace_s));
  (*service)->Stop();  // answers what is queued, projects what is durable
  Note("stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace ledger::server

int main(int argc, char** argv) { return ledger::server::Main(argc, argv); }
