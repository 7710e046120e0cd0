// HTTP server choice for ledgerd: cpp-httplib 0.11 (Debian's compiled
// libcpp-httplib) against Boost.Beast 1.81 (header-only, asynchronous), both
// serving the same two GET routes from the same handlers:
//   /small  a fixed JSON body of about 200 bytes (an account's summary);
//   /table  a CSV body of about 6 KB, formatted per request (150 lines), the
//           shape of a stats export.
// Each server listens on 127.0.0.1 (port chosen by the kernel) and is loaded
// by `wrk -t2 -c<C> -d<D>s --latency` per route; the table gives requests/s and
// the 50th and 99th latency percentiles wrk reports, plus wrk's socket errors
// and non-2xx responses, how many client connections the server answered at
// least once (counted by the handlers' wrappers per client port) and how many
// connection attempts the kernel dropped on a full listen backlog (TcpExt
// ListenOverflows). Configurations, one after the other in one run:
//   cpp-httplib, thread pool of C (one thread per keep-alive connection),
//     listen backlog 5 (compiled into Debian's library), then SOMAXCONN;
//   cpp-httplib, thread pool of 8 (the library's default on small machines);
//   Beast, one io_context run by 2 threads, then by 4 threads (SOMAXCONN).
// wrk runs on the same machine and shares its cores with the server: the
// figures compare the libraries with each other, not with a production host.
// The last line gives the machine's core count.
//
//   http_choice_bench [--duration S] [--connections C] [--wrk PATH] [--verbose]
//                     (default 8 s, 64 connections, wrk from /usr/bin or PATH;
//                      --verbose also prints wrk's own output)
//
// Every step has a deadline: a missing wrk, a bind failure, a server that
// does not answer or does not stop, or a wrk that does not finish end the
// program with a message on stderr and a non-zero exit status.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>
#include <fmt/format.h>
#include <httplib.h>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// The handlers, shared by both servers.

struct Reply {
  const char* content_type;
  std::string body;
};

// About 200 bytes: what an account summary looks like.
constexpr std::string_view kSmallBody =
    R"({"account":"p-0031-000123456","kind":"pupil","department":"031",)"
    R"("establishment":"0310001A","state":"activated","events":17,)"
    R"("last_event":"2023-06-20T08:15:02Z","guardians":["g-0031-000222333"]})";

Reply HandleSmall() { return {"application/json", std::string(kSmallBody)}; }

// About 6 KB, formatted per request: 150 CSV lines whose values depend on a
// per-call counter so that nothing can be cached.
Reply HandleTable() {
  static std::atomic<uint64_t> calls{0};
  const uint64_t call = calls.fetch_add(1, std::memory_order_relaxed);
  std::string body;
  body.reserve(6400);
  body += "row,account,department,events,activated_pct\n";
  for (uint64_t row = 0; row < 150; ++row) {
    // SplitMix64 of (call, row): cheap, well spread.
    uint64_t h = call * 150 + row + 0x9E3779B97F4A7C15ull;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
    h ^= h >> 31;
    fmt::format_to(std::back_inserter(body), "{},acct-{:016x},{:03d},{},{:.1f}\n", row, h,
                   h % 95 + 1, (h >> 20) % 1000, static_cast<double>((h >> 40) % 1001) / 10.0);
  }
  return {"text/csv", std::move(body)};
}

// Routes a GET target (query string ignored) to its handler.
std::optional<Reply> Route(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/small") return HandleSmall();
  if (path == "/table") return HandleTable();
  return std::nullopt;
}

// Responses per client port during one wrk run: how many of wrk's connections
// a server actually served (a thread-per-connection server with fewer threads
// than connections leaves the others waiting in its queue, and wrk's latency
// figures only count the requests that were answered). One relaxed increment
// per response, the same for both servers.
class ClientTally {
 public:
  void Reset() {
    for (std::atomic<uint32_t>& c : counts_) c.store(0, std::memory_order_relaxed);
  }
  void Record(unsigned port) { counts_[port & 0xFFFF].fetch_add(1, std::memory_order_relaxed); }
  // Distinct client ports that received at least one response.
  size_t Served() const {
    size_t served = 0;
    for (const std::atomic<uint32_t>& c : counts_) served += c.load(std::memory_order_relaxed) > 0;
    return served;
  }

 private:
  std::array<std::atomic<uint32_t>, 65536> counts_{};
};

ClientTally g_tally;

// The machine-wide count of connections the kernel could not queue because a
// listen backlog was full (TcpExt ListenOverflows in /proc/net/netstat), or
// nullopt if it cannot be read.
std::optional<uint64_t> ListenOverflows() {
  std::ifstream in("/proc/net/netstat");
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    if (names.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value) {
      if (name == "ListenOverflows") return std::strtoull(value.c_str(), nullptr, 10);
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Deadlines.

// The pid (and process group) of the running wrk, killed if the watchdog fires.
std::atomic<pid_t> g_wrk_pid{0};

// Ends the program if the step it is armed for has not finished in time, so
// that a server that does not stop (a join cannot time out) never hangs it.
class Watchdog {
 public:
  Watchdog() : thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void Arm(std::chrono::seconds budget, std::string step) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      deadline_ = Clock::now() + budget;
      budget_ = budget;
      step_ = std::move(step);
      armed_ = true;
    }
    cv_.notify_all();
  }

  void Disarm() {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = false;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!done_) {
      if (!armed_) {
        cv_.wait(lock);
      } else if (Clock::now() >= deadline_) {
        std::fprintf(stderr, "http_choice_bench: %s did not finish within %lld s; giving up\n",
                     step_.c_str(), static_cast<long long>(budget_.count()));
        if (pid_t pid = g_wrk_pid.load(); pid > 0) kill(-pid, SIGKILL);
        std::_Exit(3);
      } else {
        cv_.wait_until(lock, deadline_);
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool armed_ = false;
  Clock::time_point deadline_;
  std::chrono::seconds budget_{0};
  std::string step_;
  std::thread thread_;  // last: starts once the rest is constructed
};

// ---------------------------------------------------------------------------
// The two servers.

class BenchServer {
 public:
  virtual ~BenchServer() = default;
  virtual int port() const = 0;
  virtual void Stop() = 0;
};

// cpp-httplib: one blocking accept loop; each accepted connection is a task
// of the pool and holds a pool thread for as long as it is kept alive. The
// listen backlog is CPPHTTPLIB_LISTEN_BACKLOG as compiled into Debian's
// libcpp-httplib.so: 5.
class HttplibServer : public BenchServer {
 public:
  static constexpr int kLibraryBacklog = 5;

  // Returns nullptr and sets `error` if the server cannot listen. A positive
  // `backlog` replaces the library's own once it listens (Linux lets listen()
  // be called again on a listening socket to change it).
  static std::unique_ptr<BenchServer> Start(size_t pool_threads, int backlog, std::string* error) {
    auto server = std::unique_ptr<HttplibServer>(new HttplibServer());
    Server& svr = server->svr_;
    svr.new_task_queue = [pool_threads] { return new httplib::ThreadPool(pool_threads); };
    svr.set_keep_alive_max_count(10000);  // the default, 5, closes every 5th response
    svr.set_tcp_nodelay(true);
    auto serve = [](std::optional<Reply> reply, const httplib::Request& req,
                    httplib::Response& res) {
      g_tally.Record(static_cast<unsigned>(req.remote_port));
      res.status = 200;
      res.set_header("Content-Type", reply->content_type);
      res.body = std::move(reply->body);
    };
    svr.Get("/small", [serve](const httplib::Request& req, httplib::Response& res) {
      serve(Route("/small"), req, res);
    });
    svr.Get("/table", [serve](const httplib::Request& req, httplib::Response& res) {
      serve(Route("/table"), req, res);
    });
    server->port_ = svr.bind_to_any_port("127.0.0.1");
    if (server->port_ <= 0) {
      *error =
          fmt::format("cpp-httplib could not bind 127.0.0.1 (any port): {}", std::strerror(errno));
      return nullptr;
    }
    if (backlog > 0 && listen(svr.listening_socket(), backlog) != 0) {
      *error = fmt::format("listen(cpp-httplib's socket, {}): {}", backlog, std::strerror(errno));
      return nullptr;
    }
    server->thread_ = std::thread([&svr] { svr.listen_after_bind(); });
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(5);
    while (!svr.is_running()) {
      if (Clock::now() > deadline) {
        *error = "cpp-httplib did not start listening within 5 s";
        svr.stop();
        return nullptr;  // the destructor joins
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return server;
  }

  ~HttplibServer() override { Stop(); }
  int port() const override { return port_; }
  void Stop() override {
    svr_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  // httplib::Server with its listening socket in reach.
  class Server : public httplib::Server {
   public:
    socket_t listening_socket() const { return svr_sock_; }
  };

  HttplibServer() = default;

  Server svr_;
  int port_ = -1;
  std::thread thread_;
};

// Boost.Beast: one io_context run by N threads; every connection is a chain
// of asynchronous reads and writes on its own strand, kept alive as long as
// the client asks for it.
class BeastSession : public std::enable_shared_from_this<BeastSession> {
 public:
  explicit BeastSession(tcp::socket socket) : stream_(std::move(socket)) {
    beast::error_code ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    client_port_ = ec ? 0 : peer.port();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&BeastSession::Read, shared_from_this()));
  }

 private:
  void Read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));  // idle or slow clients
    http::async_read(stream_, buffer_, request_,
                     beast::bind_front_handler(&BeastSession::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t /*bytes*/) {
    if (ec) {
      Close();  // end_of_stream (the client closed), timeout or a bad request
      return;
    }
    response_ = {};
    response_.version(request_.version());
    response_.keep_alive(request_.keep_alive());
    response_.set(http::field::server, "ledgerd-bench");
    const beast::string_view target = request_.target();
    std::optional<Reply> reply = request_.method() == http::verb::get
                                     ? Route(std::string_view(target.data(), target.size()))
                                     : std::nullopt;
    if (reply) {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, reply->content_type);
      response_.body() = std::move(reply->body);
    } else {
      response_.result(http::status::not_found);
      response_.set(http::field::content_type, "text/plain");
      response_.body() = "not found\n";
    }
    response_.prepare_payload();
    g_tally.Record(client_port_);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&BeastSession::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t /*bytes*/) {
    if (ec || !response_.keep_alive()) {
      Close();
      return;
    }
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  unsigned client_port_ = 0;
};

class BeastServer : public BenchServer {
 public:
  // Returns nullptr and sets `error` if the server cannot listen.
  static std::unique_ptr<BenchServer> Start(int threads, std::string* error) {
    auto server = std::unique_ptr<BeastServer>(new BeastServer(threads));
    beast::error_code ec;
    tcp::acceptor& acceptor = server->acceptor_;
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      *error = fmt::format("Beast could not listen on 127.0.0.1 (any port): {}", ec.message());
      return nullptr;
    }
    server->port_ = acceptor.local_endpoint().port();
    server->Accept();
    for (int i = 0; i < threads; ++i) {
      server->threads_.emplace_back([&ioc = server->ioc_] { ioc.run(); });
    }
    return server;
  }

  ~BeastServer() override { Stop(); }
  int port() const override { return port_; }
  void Stop() override {
    ioc_.stop();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  explicit BeastServer(int threads) : ioc_(threads), acceptor_(asio::make_strand(ioc_)) {}

  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) {
        beast::error_code ignored;
        s.set_option(tcp::no_delay(true), ignored);
        std::make_shared<BeastSession>(std::move(s))->Start();
      }
      Accept();
    });
  }

  asio::io_context ioc_;  // destroyed last: pending sessions go with it
  tcp::acceptor acceptor_;
  int port_ = -1;
  std::vector<std::thread> threads_;
};

// One GET with a short timeout, to check a server before loading it: the
// status must be 200; returns the body's size, or nullopt and sets `error`.
std::optional<size_t> Probe(int port, const std::string& path, std::string* error) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(2, 0);
  client.set_write_timeout(2, 0);
  httplib::Result res = client.Get(path.c_str());
  if (!res) {
    *error = fmt::format("GET {} on port {}: {}", path, port, httplib::to_string(res.error()));
    return std::nullopt;
  }
  if (res->status != 200) {
    *error = fmt::format("GET {} on port {}: status {}", path, port, res->status);
    return std::nullopt;
  }
  return res->body.size();
}

// ---------------------------------------------------------------------------
// wrk.

struct WrkResult {
  double requests_per_sec = 0;
  double p50_ms = -1;
  double p99_ms = -1;
  uint64_t requests = 0;
  uint64_t connect_errors = 0, read_errors = 0, write_errors = 0, timeouts = 0;
  uint64_t non_2xx = 0;
  std::string output;
};

// "1.23ms", "850.00us", "1.02s", "2.00m" → milliseconds; false if malformed.
bool ParseWrkTime(const std::string& text, double* ms) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return false;
  const std::string_view unit(end);
  if (unit == "us") {
    *ms = value / 1000.0;
  } else if (unit == "ms") {
    *ms = value;
  } else if (unit == "s") {
    *ms = value * 1000.0;
  } else if (unit == "m") {
    *ms = value * 60'000.0;
  } else if (unit == "h") {
    *ms = value * 3'600'000.0;
  } else {
    return false;
  }
  return true;
}

bool ParseWrkOutput(WrkResult* r, std::string* error) {
  std::istringstream lines(r->output);
  std::string line;
  bool have_rate = false;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string first, second;
    words >> first >> second;
    if (first == "Requests/sec:") {
      have_rate = true;
      r->requests_per_sec = std::strtod(second.c_str(), nullptr);
    } else if (first == "50%" && !ParseWrkTime(second, &r->p50_ms)) {
      *error = "unreadable 50% line: " + line;
      return false;
    } else if (first == "99%" && !ParseWrkTime(second, &r->p99_ms)) {
      *error = "unreadable 99% line: " + line;
      return false;
    } else if (second == "requests") {
      r->requests = std::strtoull(first.c_str(), nullptr, 10);
    } else if (first == "Socket" && second == "errors:") {
      unsigned long long c = 0, rd = 0, w = 0, t = 0;
      if (std::sscanf(line.c_str(),
                      " Socket errors: connect %llu, read %llu, write %llu, timeout %llu", &c, &rd,
                      &w, &t) == 4) {
        r->connect_errors = c;
        r->read_errors = rd;
        r->write_errors = w;
        r->timeouts = t;
      }
    } else if (first == "Non-2xx") {
      const size_t colon = line.rfind(':');
      if (colon != std::string::npos) r->non_2xx = std::strtoull(&line[colon + 1], nullptr, 10);
    }
  }
  if (!have_rate || r->p50_ms < 0 || r->p99_ms < 0) {
    *error = "no Requests/sec or no 50%/99% line in wrk's output";
    return false;
  }
  return true;
}

// The wrk binary: `requested` if given, else /usr/bin/wrk, else the first wrk
// on PATH; empty if none is executable.
std::string FindWrk(const std::string& requested) {
  if (!requested.empty()) return access(requested.c_str(), X_OK) == 0 ? requested : "";
  if (access("/usr/bin/wrk", X_OK) == 0) return "/usr/bin/wrk";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/wrk";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Runs `wrk -t<threads> -c<connections> -d<seconds>s --latency <url>` with its
// stdout and stderr captured; kills it if it has not ended `grace` seconds
// after the test's duration. Calls `near_end` once, half a second before the
// test's end (while wrk's connections are all still open).
bool RunWrk(const std::string& wrk, const std::string& url, int threads, int connections,
            int seconds, const std::function<void()>& near_end, WrkResult* result,
            std::string* error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = fmt::format("pipe: {}", std::strerror(errno));
    return false;
  }
  std::vector<std::string> args = {wrk,
                                   fmt::format("-t{}", threads),
                                   fmt::format("-c{}", connections),
                                   fmt::format("-d{}s", seconds),
                                   "--latency",
                                   url};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    *error = fmt::format("fork: {}", std::strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {  // the child: only async-signal-safe calls from here
    setpgid(0, 0);  // its own process group, killed as a whole on a timeout
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close_range(3, ~0U, 0);  // not the servers' sockets (Asio's are not close-on-exec)
    execv(argv[0], argv.data());
    static const char kExecFailed[] = "http_choice_bench: exec of wrk failed\n";
    [[maybe_unused]] ssize_t n = write(STDERR_FILENO, kExecFailed, sizeof(kExecFailed) - 1);
    _exit(127);
  }
  setpgid(pid, pid);  // also here: no race with the child's own call
  g_wrk_pid = pid;
  close(fds[1]);

  const int grace = 20;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + std::chrono::seconds(seconds + grace);
  const Clock::time_point near_end_at = start + std::chrono::milliseconds(seconds * 1000 - 500);
  bool near_end_due = true;
  bool timed_out = false;
  char buffer[4096];
  while (true) {
    const Clock::time_point now = Clock::now();
    if (near_end_due && now >= near_end_at) {
      near_end();
      near_end_due = false;
    }
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    const Clock::time_point wake = near_end_due ? std::min(near_end_at, deadline) : deadline;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now);
    pollfd p = {fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(wait.count()) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // a wake-up: near_end or the deadline
    if (ready < 0) break;
    const ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: wrk closed its output, it is ending
    result->output.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(-pid, SIGKILL);

  // Reap it, within the same deadline (plus a little once it has been killed).
  int status = 0;
  const Clock::time_point reap_deadline =
      std::max(deadline, Clock::now()) + std::chrono::seconds(2);
  pid_t done = 0;
  while ((done = waitpid(pid, &status, WNOHANG)) == 0) {
    if (Clock::now() > reap_deadline) {
      kill(-pid, SIGKILL);
      done = waitpid(pid, &status, 0);
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  g_wrk_pid = 0;

  if (timed_out) {
    *error = fmt::format("wrk did not finish within {} s of its {} s test; killed.\n{}", grace,
                         seconds, result->output);
    return false;
  }
  if (done < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = fmt::format("wrk failed ({}):\n{}",
                         done < 0            ? std::string(std::strerror(errno))
                         : WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                             : fmt::format("signal {}", WTERMSIG(status)),
                         result->output);
    return false;
  }
  std::string parse_error;
  if (!ParseWrkOutput(result, &parse_error)) {
    *error = fmt::format("{}\n{}", parse_error, result->output);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// The run.

struct Configuration {
  std::string library;
  std::string threads;  // "pool 64", "io 2"
  int backlog;          // of the listening socket
  std::function<std::unique_ptr<BenchServer>(std::string*)> start;
};

struct Row {
  std::string library, route, threads;
  int backlog = 0;
  WrkResult wrk;
  size_t clients_served = 0;
  std::optional<uint64_t> listen_overflows;
};

std::string FormatMs(double ms) {
  if (ms < 1.0) return fmt::format("{:.0f} us", ms * 1000.0);
  if (ms < 1000.0) return fmt::format("{:.2f} ms", ms);
  return fmt::format("{:.2f} s", ms / 1000.0);
}

std::string FormatErrors(const WrkResult& w) {
  std::vector<std::string> parts;
  if (w.connect_errors) parts.push_back(fmt::format("connect {}", w.connect_errors));
  if (w.read_errors) parts.push_back(fmt::format("read {}", w.read_errors));
  if (w.write_errors) parts.push_back(fmt::format("write {}", w.write_errors));
  if (w.timeouts) parts.push_back(fmt::format("timeout {}", w.timeouts));
  if (w.non_2xx) parts.push_back(fmt::format("non-2xx {}", w.non_2xx));
  if (parts.empty()) return "0";
  std::string joined;
  for (const std::string& p : parts) joined += (joined.empty() ? "" : ", ") + p;
  return joined;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "http_choice_bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 8;
  int connections = 64;
  std::string wrk_arg;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--duration") == 0 && i + 1 < argc) {
      seconds = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--connections") == 0 && i + 1 < argc) {
      connections = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--wrk") == 0 && i + 1 < argc) {
      wrk_arg = argv[++i];
    } else if (std::strcmp(argv[i], "--verbose") == 0) {
      verbose = true;
    } else {
      seconds = 0;  // unknown flag: usage
      break;
    }
  }
  if (seconds < 1 || seconds > 600 || connections < 2 || connections > 10000) {
    std::fprintf(stderr,
                 "usage: http_choice_bench [--duration S] [--connections C] [--wrk PATH] "
                 "[--verbose]\n  (1 <= S <= 600, default 8; 2 <= C <= 10000, default 64)\n");
    return 2;
  }
  const std::string wrk = FindWrk(wrk_arg);
  if (wrk.empty()) {
    return Fail(wrk_arg.empty()
                    ? "wrk not found in /usr/bin nor on PATH (apt-get install wrk, or --wrk PATH)"
                    : "--wrk " + wrk_arg + " is not an executable file");
  }
  signal(SIGPIPE, SIG_IGN);  // a client closing mid-response must not end the servers

  const int wrk_threads = 2;
  const std::vector<std::string> routes = {"/small", "/table"};
  const int kLib = HttplibServer::kLibraryBacklog;
  const std::vector<Configuration> configurations = {
      {"cpp-httplib", fmt::format("pool {}", connections), kLib,
       [connections](std::string* e) { return HttplibServer::Start(connections, 0, e); }},
      {"cpp-httplib", fmt::format("pool {}", connections), SOMAXCONN,
       [connections](std::string* e) { return HttplibServer::Start(connections, SOMAXCONN, e); }},
      {"cpp-httplib", "pool 8", kLib, [](std::string* e) { return HttplibServer::Start(8, 0, e); }},
      {"Beast", "io 2", SOMAXCONN, [](std::string* e) { return BeastServer::Start(2, e); }},
      {"Beast", "io 4", SOMAXCONN, [](std::string* e) { return BeastServer::Start(4, e); }},
  };

  Watchdog watchdog;
  std::vector<Row> rows;
  size_t small_bytes = 0, table_bytes = 0;
  for (const Configuration& c : configurations) {
    const std::string name = fmt::format("{} {} backlog {}", c.library, c.threads, c.backlog);
    std::string error;
    watchdog.Arm(std::chrono::seconds(10), "starting " + name);
    std::unique_ptr<BenchServer> server = c.start(&error);
    if (!server) return Fail(error);
    for (const std::string& route : routes) {
      watchdog.Arm(std::chrono::seconds(10), "probing " + name + " " + route);
      std::optional<size_t> bytes = Probe(server->port(), route, &error);
      if (!bytes) return Fail(name + ": " + error);
      (route == "/small" ? small_bytes : table_bytes) = *bytes;
    }
    for (const std::string& route : routes) {
      std::fprintf(stderr, "wrk -t%d -c%d -d%ds against %s %s…\n", wrk_threads, connections,
                   seconds, name.c_str(), route.c_str());
      // RunWrk has its own deadline; this one is the backstop.
      watchdog.Arm(std::chrono::seconds(seconds + 40), "wrk against " + name + " " + route);
      Row row;
      row.library = c.library;
      row.route = route;
      row.threads = c.threads;
      row.backlog = c.backlog;
      const std::string url = fmt::format("http://127.0.0.1:{}{}", server->port(), route);
      const std::optional<uint64_t> overflows_before = ListenOverflows();
      g_tally.Reset();
      auto count_served = [&row] { row.clients_served = g_tally.Served(); };
      if (!RunWrk(wrk, url, wrk_threads, connections, seconds, count_served, &row.wrk, &error)) {
        return Fail(name + " " + route + ": " + error);
      }
      if (const std::optional<uint64_t> after = ListenOverflows(); overflows_before && after) {
        row.listen_overflows = *after - *overflows_before;
      }
      if (verbose) std::fprintf(stderr, "%s", row.wrk.output.c_str());
      rows.push_back(std::move(row));
    }
    watchdog.Arm(std::chrono::seconds(20), "stopping " + name);
    server->Stop();
    server.reset();
    watchdog.Disarm();
  }

  fmt::print(
      "HTTP server choice: wrk -t{} -c{} -d{}s --latency, 127.0.0.1; bodies: /small {} B "
      "JSON, /table {} B CSV formatted per request\n\n",
      wrk_threads, connections, seconds, small_bytes, table_bytes);
  fmt::print("{:<12} {:<7} {:<8} {:>7} {:>11} {:>10} {:>10} {:>7} {:>6}  {}\n", "library", "route",
             "threads", "backlog", "requests/s", "p50", "p99", "served", "ovfl", "wrk errors");
  fmt::print("{:-<12} {:-<7} {:-<8} {:->7} {:->11} {:->10} {:->10} {:->7} {:->6}  {:-<10}\n", "",
             "", "", "", "", "", "", "", "", "");
  for (const Row& r : rows) {
    fmt::print("{:<12} {:<7} {:<8} {:>7} {:>11.0f} {:>10} {:>10} {:>7} {:>6}  {}\n", r.library,
               r.route, r.threads, r.backlog, r.wrk.requests_per_sec, FormatMs(r.wrk.p50_ms),
               FormatMs(r.wrk.p99_ms), r.clients_served,
               r.listen_overflows ? fmt::format("{}", *r.listen_overflows) : std::string("n/a"),
               FormatErrors(r.wrk));
  }
  fmt::print(
      "\nserved: client connections answered at least once by 0.5 s before the end (wrk "
      "opens {}, and reopens any the server closes);\novfl: connection attempts the "
      "kernel dropped on a full listen backlog (TcpExt ListenOverflows, machine-wide);\n"
      "wrk counts only answered requests in requests/s and in p50/p99, and answers "
      "later than 2 s as timeouts.\n",
      connections);
  fmt::print(
      "\nmachine: {} cores (std::thread::hardware_concurrency), shared by wrk's {} threads "
      "and the server\n",
      std::thread::hardware_concurrency(), wrk_threads);
  return 0;
}
