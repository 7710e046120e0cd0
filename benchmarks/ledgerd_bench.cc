// ledgerd under load, end to end: the real binary on 127.0.0.1 over a
// simulated académie (toulouse-2022, scale 1.0 by default: 1.8 million
// events), loaded by wrk (Debian) at 64 connections, each figure next to
// what the same work costs in process and the raw limits of the same run.
//
//   department table (CSV) and one account's history through HTTP:
//     requests/s, p50, p99 (wrk) | the same query in process: p50, p99
//   command intake (POST /v1/commands, 50 new pupils per request): events/s
//     | the command handler in process, groups of 512, as ledgerd runs it
//       (personal fields sealed, write state on disk) and bare: events/s
//   freshness: a command acknowledged → visible in the account's view: p50, p99
//   raw limits: embedded log append (fdatasync every 512), RocksDB batched puts
//
//   ledgerd_bench [--data DIR] [--scale F] [--duration S] [--connections C] [--projector-threads N]
// --data keeps the simulated ledger between runs (it is made when missing).
// Not a test: it prints figures and asserts nothing. Needs wrk on PATH.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <regex>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "aggregates/command_json.h"
#include "aggregates/rocksdb/state_db.h"
#include "benchmarks/bench_support.h"
#include "events/embedded/embedded_event_log.h"
#include "events/privacy/key_vault.h"
#include "events/privacy/rocksdb/rocksdb_key_store.h"
#include "ops/auth/token_store.h"
#include "ops/query/history.h"
#include "ops/query/render.h"
#include "ops/query/stats.h"
#include "tests/ledgerd_runner.h"

namespace ledger::bench {
namespace {

namespace fs = std::filesystem;
using testing::Http;

struct WrkFigures {
  double requests_per_s = 0, p50_ms = 0, p99_ms = 0;
  std::string errors;  // non-2xx and socket errors, as wrk says them
};

double ToMs(const std::string& v, const std::string& unit) {
  const double x = std::stod(v);
  return unit == "us" ? x / 1000 : unit == "s" ? x * 1000 : x;
}

// Runs wrk and reads its figures; empty requests_per_s on failure.
WrkFigures RunWrk(const std::string& url, const std::string& token, int connections, int seconds,
                  const std::string& script = "") {
  std::string cmd = fmt::format("wrk -t2 -c{} -d{}s --latency -H 'Authorization: Bearer {}' {} '{}' 2>&1",
                                connections, seconds, token, script.empty() ? "" : "-s " + script, url);
  WrkFigures f;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return f;
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) f.requests_per_s = std::stod(m[1]);
  if (std::regex_search(out, m, std::regex(R"(\n\s+50%\s+([0-9.]+)(us|ms|s))"))) f.p50_ms = ToMs(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(\n\s+99%\s+([0-9.]+)(us|ms|s))"))) f.p99_ms = ToMs(m[1], m[2]);
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) f.errors += "non-2xx " + m[1].str();
  if (std::regex_search(out, m, std::regex(R"(Socket errors: ([^\n]+))"))) f.errors += " socket " + m[1].str();
  if (f.requests_per_s == 0) fmt::print(stderr, "wrk said:\n{}\n", out);
  return f;
}

// One kept-alive connection to ledgerd (a fresh connection per poll would
// measure the kernel's port reuse after wrk's runs, not ledgerd).
class KeepAlive {
 public:
  explicit KeepAlive(const std::string& url) : stream_(ioc_) {
    boost::asio::ip::tcp::resolver r(ioc_);
    stream_.connect(r.resolve("127.0.0.1", url.substr(url.rfind(':') + 1)));
    stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true));
  }
  int Call(const std::string& method, const std::string& target, const std::string& token, const std::string& body) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + token);
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    return static_cast<int>(res.result_int());
  }

 private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

// p50/p99 in ms of `n` runs of `f`.
template <typename F>
std::pair<double, double> Latency(int n, F f) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f(i);
    ms.push_back(Seconds(t0) * 1000);
  }
  return {Percentile(ms, 0.5), Percentile(ms, 0.99)};
}

// A new pupil in `uai` (department = its first three digits), unique per (thread, n, i).
Command NewPupil(const std::string& tag, int64_t n, const std::string& uai, Level level) {
  AccountCreated d;
  d.kind = AccountKind::kPupil;
  d.login = fmt::format("bench.{}.{}", tag, n);
  d.source_system = SourceSystem::kSiecle;
  d.placement = Placement{Uai(uai), uai.substr(0, 3), "toulouse", level, "6B1"};
  d.ine = Ine(fmt::format("{:09d}BZ", n % 1000000000));
  d.birth_date = Date{2012, 3, 4};
  return Command{CommandId(fmt::format("bench-{}-{}", tag, n)), StartOfDay(Date{2023, 8, 25}),
                 Actor{ActorKind::kSystem, "siecle", {}, {}, false},
                 CreateAccount{AccountId(fmt::format("bench-{}-{}", tag, n)), d}};
}

// A wrk script posting batches of `per_request` new pupils, ids unique per
// thread. The command is cut around its three varying parts (id, login, INE)
// so that wrk spends its time sending, not building strings.
std::string IntakeScript(const fs::path& dir, const std::string& uai, Level level, int per_request) {
  std::string one = CommandToJson(NewPupil("THREAD", 0, uai, level)).dump();
  std::vector<std::string> pieces;  // text between the varying parts, in order
  std::vector<char> kinds;          // 'i' id, 'l' login, 'n' INE
  for (;;) {
    size_t id = one.find("bench-THREAD-0"), login = one.find("bench.THREAD.0"), ine = one.find("000000000BZ");
    size_t at = std::min({id, login, ine});
    if (at == std::string::npos) break;
    pieces.push_back(one.substr(0, at));
    kinds.push_back(at == id ? 'i' : at == login ? 'l' : 'n');
    one = one.substr(at + (at == ine ? 11 : 14));
  }
  pieces.push_back(one);
  std::string build = "local c = {}\n";
  for (size_t k = 0; k < kinds.size(); ++k) {
    build += fmt::format("    c[#c + 1] = [[{}]]\n", pieces[k]);
    build += kinds[k] == 'i'   ? "    c[#c + 1] = 'bench-w' .. tid .. '-' .. n\n"
             : kinds[k] == 'l' ? "    c[#c + 1] = 'bench.w' .. tid .. '.' .. n\n"
                               : "    c[#c + 1] = string.format('%09dBZ', tid * 100000000 + n)\n";
  }
  build += fmt::format("    c[#c + 1] = [[{}]]\n", pieces.back());
  std::string lua = R"(
local counter = 1
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args) tid = wrk.thread:get("tid"); wrk.headers["Content-Type"] = "application/json" end
function request()
  local parts = {}
  for i = 1, )" + std::to_string(per_request) + R"( do
    local n = counter
    counter = counter + 1
    )" + build + R"(
    parts[#parts + 1] = table.concat(c)
  end
  return wrk.format("POST", "/v1/commands", nil, "[" .. table.concat(parts, ",") .. "]")
end
)";
  const fs::path file = dir / "intake.lua";
  std::ofstream(file) << lua;
  return file.string();
}

// The command handler in process on a fresh embedded log in `dir`, in
// groups of 512 (as ledgerd's writer groups concurrent requests): events/s.
// `as_ledgerd`: personal fields sealed with a key per person in a key store
// on disk, and the write state on disk, as ledgerd opens them.
double HandlerRate(const fs::path& dir, const std::vector<Command>& cmds, bool as_ledgerd) {
  EmbeddedLogOptions o;
  o.create_if_missing = true;
  auto log = EmbeddedEventLog::Open(dir / "log", o);
  if (!log.ok()) {
    fmt::print(stderr, "ledgerd_bench: {}\n", log.status().ToString());
    std::exit(1);
  }
  std::unique_ptr<privacy::KeyStore> keys;
  std::unique_ptr<privacy::KeyVault> vault;
  std::unique_ptr<StateDb> state;
  if (as_ledgerd) {
    auto k = privacy::RocksDbKeyStore::Open(dir / "keys", false);
    auto s = StateDb::Open(dir / "write-state");
    if (!k.ok() || !s.ok()) {
      fmt::print(stderr, "ledgerd_bench: {}\n", (k.ok() ? s.status() : k.status()).ToString());
      std::exit(1);
    }
    keys = std::move(*k);
    vault = std::make_unique<privacy::KeyVault>(*keys, privacy::Secret32::Random());
    state = std::move(*s);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const size_t events = WriteCommands(**log, cmds, vault.get(), WriteStateOptions{state.get()}, 512);
  return static_cast<double>(events) / Seconds(t0);
}

}  // namespace
}  // namespace ledger::bench

int main(int argc, char** argv) {
  using namespace ledger;
  using namespace ledger::bench;
  std::string data;
  double scale = 1.0;
  int duration = 10, connections = 64;
  std::string projector_threads;  // ledgerd's default when empty
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--data") data = argv[i + 1];
    else if (a == "--scale") scale = std::stod(argv[i + 1]);
    else if (a == "--duration") duration = std::stoi(argv[i + 1]);
    else if (a == "--connections") connections = std::stoi(argv[i + 1]);
    else if (a == "--projector-threads") projector_threads = argv[i + 1];
    else {
      fmt::print(stderr, "usage: ledgerd_bench [--data DIR] [--scale F] [--duration S] [--connections C] "
                         "[--projector-threads N]\n");
      return 2;
    }
  }
  if (std::system("command -v wrk >/dev/null 2>&1") != 0) {
    fmt::print(stderr, "ledgerd_bench: wrk not found (Debian package wrk)\n");
    return 1;
  }
  ScratchDir scratch("ledgerd-bench");
  if (data.empty()) data = (scratch.path() / "data").string();
  if (!fs::exists(fs::path(data) / "log")) {
    fmt::print("simulating toulouse-2022 at scale {} into {} …\n", scale, data);
    const std::string sim = fmt::format("{} simulate --profile toulouse-2022 --scale {} --data {} >/dev/null", LEDGER_BIN,
                                        scale, data);
    if (std::system(sim.c_str()) != 0) return 1;
  }
  auto token = [&](const std::string& name, auth::Role role) {
    (void)auth::TokenStore::Revoke(fs::path(data) / "tokens", name, Timestamp{1});
    return *auth::TokenStore::Add(fs::path(data) / "tokens", name, role, auth::AccessScope{}, Timestamp{1});
  };
  const std::string dash = token("bench-dash", auth::Role::kDashboard);
  const std::string audit = token("bench-audit", auth::Role::kAuditor);
  const std::string service = token("bench-svc", auth::Role::kService);

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> flags{"--quiet"};
  if (!projector_threads.empty()) flags.insert(flags.end(), {"--projector-threads", projector_threads});
  testing::Ledgerd d(data, scratch.path() / "run", flags);
  if (!d.serving() || !d.WaitReady(std::chrono::seconds(1800))) {
    fmt::print(stderr, "ledgerd did not start:\n{}\n", d.err());
    return 1;
  }
  int64_t events = 0;
  {
    EmbeddedLogOptions o;
    o.read_only = true;
    auto log = EmbeddedEventLog::Open(fs::path(data) / "log", o);
    for (int32_t p = 0; p < (*log)->partition_count(); ++p) events += *(*log)->EndOffset(p);
  }
  fmt::print("ledgerd ready on {} events in {:.1f} s (start, load, projections caught up)\n", events, Seconds(start));

  // The rows and the account the load reads.
  const std::string account = "tls-p0";
  auto schools = testing::CsvRows(Http(d.url(), "GET", "/v1/stats?by=establishment&format=csv", dash).body);
  std::string uai;
  Level level = Level::kCollege;
  for (const auto& row : schools)
    if (row[2] == "pupil" && (row[3] == "college" || row[3] == "lycee")) {
      uai = row[1];
      level = row[3] == "college" ? Level::kCollege : Level::kLycee;
      break;
    }

  // ledgerd folds the statistics' merge operands once caught up: measure after that.
  for (int i = 0; i < 600 && d.err().find("statistics compacted") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));

  // In process, from the same store (opened read-only beside ledgerd).
  auto db = ProjectionDb::Open(fs::path(data) / "projections", ProjectionDb::Options::Reader());
  if (!db.ok()) return 1;
  auto [table_p50, table_p99] = Latency(2000, [&](int) {
    auto t = (*db)->Stats(Scope::kDepartment);
    std::string csv = query::StatsCsv(*t);
  });
  auto [hist_p50, hist_p99] = Latency(2000, [&](int) {
    auto h = query::ReadHistory(**db, {account, std::nullopt, false});
    std::string json = query::JsonText(query::HistoryToJson(*h));
  });

  // Through HTTP, wrk at `connections` connections.
  WrkFigures table = RunWrk(d.url() + "/v1/stats?by=department&format=csv", dash, connections, duration);
  WrkFigures history = RunWrk(d.url() + "/v1/accounts/" + account + "/history", audit, connections, duration);

  // Freshness: acknowledged → visible in the account's view (ms samples).
  struct Freshness {
    std::vector<double> ack_ms, visible_ms;
  };
  auto freshness = [&](const std::string& tag) {
    Freshness f;
    KeepAlive writer(d.url()), reader(d.url());
    for (int i = 0; i < 200; ++i) {
      Command c = NewPupil(tag + std::to_string(getpid()), i, uai, level);
      const auto t0 = std::chrono::steady_clock::now();
      if (writer.Call("POST", "/v1/commands", service, CommandToJson(c).dump()) != 200) continue;
      const double acked = Seconds(t0);
      while (reader.Call("GET", "/v1/accounts/" + c.id.str(), audit, "") != 200) {
        if (Seconds(t0) > 5) break;
        std::this_thread::sleep_for(std::chrono::microseconds(200));  // poll, not spin: the server needs the cores
      }
      f.ack_ms.push_back(acked * 1000);
      f.visible_ms.push_back((Seconds(t0) - acked) * 1000);
    }
    return f;
  };
  Freshness quiet = freshness("quiet");

  // Intake: in process first (a fresh embedded log, the same commands), then through ledgerd.
  constexpr int kPerRequest = 50;
  // The handler alone (state in memory, fields in clear), and as ledgerd
  // runs it: personal fields sealed with a key per person (DATA/keys) and
  // the write state on disk (DATA/write-state). The second is what the
  // intake is measured against.
  std::vector<Command> cmds;
  for (int64_t n = 0; n < 100000; ++n) cmds.push_back(NewPupil("inproc", n, uai, level));
  const double bare_rate = HandlerRate(scratch.path() / "handler-bare", cmds, false);
  const double handler_rate = HandlerRate(scratch.path() / "handler-ledgerd", cmds, true);
  // What ledgerd itself counted: commands appended during the run.
  auto appended = [&] {
    std::smatch m;
    std::string metrics = Http(d.url(), "GET", "/metrics").body;
    return std::regex_search(metrics, m, std::regex(R"(ledger_commands_total\{outcome="appended"\} ([0-9.e+]+))"))
               ? std::stod(m[1])
               : 0.0;
  };
  const double appended_before = appended();
  const auto intake_start = std::chrono::steady_clock::now();
  WrkFigures intake = RunWrk(d.url(), service, connections, duration,
                             IntakeScript(scratch.path(), uai, level, kPerRequest));
  const double intake_rate = (appended() - appended_before) / Seconds(intake_start);
  // The projector follows at its own pace: how long until it has caught up with the burst.
  const auto drain_start = std::chrono::steady_clock::now();
  while (Http(d.url(), "GET", "/readyz").body.find("\"lag_records\": 0") == std::string::npos && Seconds(drain_start) < 600)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double drain_s = Seconds(drain_start);
  Freshness after = freshness("after");

  const double raw_log = RawLogAppendRate(scratch.path() / "rawlog", 100000, 300);
  const double raw_rocks = RawRocksDbBatchedWriteRate(scratch.path() / "rawrocks", 300000, 300, 512);
  d.Term();

  fmt::print("\nledgerd on {} events, wrk -t2 -c{} -d{}s on this 2-core machine (wrk shares the cores)\n", events,
             connections, duration);
  fmt::print("{:<44} {:>12} {:>9} {:>9}   {}\n", "", "requests/s", "p50 ms", "p99 ms", "in process, same run");
  fmt::print("{:<44} {:>12.0f} {:>9.2f} {:>9.2f}   p50 {:.3f} ms, p99 {:.3f} ms {}\n",
             "department table, CSV (GET /v1/stats)", table.requests_per_s, table.p50_ms, table.p99_ms, table_p50,
             table_p99, table.errors);
  fmt::print("{:<44} {:>12.0f} {:>9.2f} {:>9.2f}   p50 {:.3f} ms, p99 {:.3f} ms {}\n",
             "one account's history (GET …/history)", history.requests_per_s, history.p50_ms, history.p99_ms,
             hist_p50, hist_p99, history.errors);
  fmt::print("{:<44} {:>12.0f} {:>9.2f} {:>9.2f}   handler, groups of 512: {:.0f} events/s\n",
             fmt::format("intake, {} new pupils per POST (events/s)", kPerRequest), intake.requests_per_s * kPerRequest,
             intake.p50_ms, intake.p99_ms, handler_rate);
  fmt::print("intake: {:.0f} events/s appended as ledgerd counted them (/metrics), {:.0f} % of the in-process "
             "handler as ledgerd runs it (sealed, write state on disk; {:.0f} events/s without either) {}\n",
             intake_rate, 100 * intake_rate / handler_rate, bare_rate, intake.errors);
  fmt::print("after the intake burst the projections caught up in {:.1f} s more\n", drain_s);
  for (auto* f : {&quiet, &after})
    fmt::print("freshness, {} ({} commands): acknowledged p50 {:.2f} ms, p99 {:.2f} ms; then visible p50 {:.2f} ms, "
               "p99 {:.2f} ms\n",
               f == &quiet ? "before the intake burst" : "after it (compactions running)", f->visible_ms.size(),
               Percentile(f->ack_ms, 0.5), Percentile(f->ack_ms, 0.99), Percentile(f->visible_ms, 0.5),
               Percentile(f->visible_ms, 0.99));
  fmt::print("raw limits, same run: embedded log append {:.0f} records/s (fdatasync every 512); RocksDB batched "
             "puts {:.0f}/s\n",
             raw_log, raw_rocks);
  return 0;
}
