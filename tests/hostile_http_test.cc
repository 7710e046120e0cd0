// ledgerd facing hostile HTTP clients on loopback (issue 17, item 6), the real
// binary on a small demo ledger. Each abuse is bounded in count and time:
//  - thousands of idle connections, slow headers (one byte at a time) and
//    slow bodies held open while a well-behaved client keeps being answered,
//    and ledgerd's memory grows by a bounded amount;
//  - past --max-connections the longest idle connections are closed to make
//    room, so a new client is still answered;
//  - invalid UTF-8 (raw and percent-encoded) in paths, parameters, headers
//    and bodies, huge query strings and thousands of parameters: each is
//    answered with a 4xx whose body is valid JSON, or the connection dropped;
//  - SIGTERM with all of that still open: ledgerd exits 0 within seconds
//    (not after its --grace), a body still arriving is answered 503.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/testing/sanitizers.h"
#include "events/testing/temp_dir.h"
#include "tests/ledgerd_runner.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A raw client socket, closed on destruction.
class Conn {
 public:
  explicit Conn(const std::string& url) {
    const int port = std::stoi(url.substr(url.rfind(':') + 1));
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  Conn(Conn&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Conn(const Conn&) = delete;
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  bool Send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until the server closes or `limit` passes (or, with `one_answer`,
  // until one whole answer has arrived).
  std::string ReadUntilClosed(std::chrono::milliseconds limit, bool one_answer = false) {
    std::string got;
    const auto deadline = Clock::now() + limit;
    char buf[8192];
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 1))) <= 0) continue;
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      if (one_answer && Whole(got)) break;
    }
    return got;
  }
  // True when the server has closed its end (EOF or reset) within `limit`.
  bool ClosedByServer(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
    char c;
    return recv(fd_, &c, 1, MSG_DONTWAIT) <= 0;
  }

 private:
  static bool Whole(const std::string& got) {
    const size_t end = got.find("\r\n\r\n");
    const size_t len = got.find("Content-Length: ");
    if (end == std::string::npos || len == std::string::npos || len > end) return false;
    return got.size() >= end + 4 + std::stoul(got.substr(len + 16));
  }
  int fd_ = -1;
};

// One exchange on a fresh connection: the answer, once whole (by its
// Content-Length) or once the server closes.
std::string Exchange(const std::string& url, const std::string& raw) {
  Conn c(url);
  if (!c.ok() || !c.Send(raw)) return "";
  return c.ReadUntilClosed(std::chrono::seconds(15), /*one_answer=*/true);
}

int StatusOf(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::stoi(answer.substr(9, 3));
}

// The answer's body parsed strictly (nlohmann refuses invalid UTF-8).
bool BodyIsValidJson(const std::string& answer) {
  const size_t at = answer.find("\r\n\r\n");
  if (at == std::string::npos) return false;
  return nlohmann::json::accept(answer.substr(at + 4));
}

int64_t RssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

// Raises this process's descriptor limit to its hard limit; says how many
// connections it can then hold (leaving room for its other files).
int RaiseDescriptorLimit() {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur == RLIM_INFINITY ? 1 << 20 : static_cast<int>(lim.rlim_cur) - 200;
}

// AddressSanitizer keeps freed memory in quarantine.
constexpr int64_t kRssBoundKiB = (ledger::testing::kUnderSanitizers ? 256 : 64) * 1024;

class HostileHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    max_fds_ = RaiseDescriptorLimit();
    tmp_ = new TempDir("ledgerd-hostile");
    data_ = (tmp_->path() / "data").string();
    ASSERT_EQ(RunLedger({"demo", "--rules", "--data", data_}, tmp_->path()).code, 0);
    CliRun t = RunLedger({"token", "add", "--name", "board", "--role", "dashboard", "--data", data_}, tmp_->path());
    ASSERT_EQ(t.code, 0) << t.err;
    token_ = t.out.substr(0, t.out.find('\n'));
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  // A well-behaved client's request, answered 200.
  static bool Served(const std::string& url) {
    return Http(url, "GET", "/v1/stats?by=department", token_, "", std::chrono::seconds(10)).status == 200 &&
           Http(url, "GET", "/healthz", "", "", std::chrono::seconds(10)).status == 200;
  }
  static fs::path Dir(const std::string& name) { return tmp_->path() / name; }

  static TempDir* tmp_;
  static std::string data_, token_;
  static int max_fds_;
};
int HostileHttpTest::max_fds_ = 0;
TempDir* HostileHttpTest::tmp_ = nullptr;
std::string HostileHttpTest::data_, HostileHttpTest::token_;

TEST_F(HostileHttpTest, ThousandsOfIdleAndSlowConnectionsLeaveOthersServedAndMemoryBounded) {
  Ledgerd d(data_, Dir("idle"), {"--header-timeout", "20", "--body-timeout", "20"});
  ASSERT_TRUE(d.serving()) << d.err();
  ASSERT_TRUE(d.WaitReady());
  ASSERT_TRUE(Served(d.url()));
  const int64_t rss_before = RssKiB(d.pid());

  const int idle_count = std::min(3000, max_fds_ - 100);
  std::vector<Conn> idle;
  for (int i = 0; i < idle_count; ++i) {
    idle.emplace_back(d.url());
    ASSERT_TRUE(idle.back().ok()) << "connection " << i;
  }
  std::vector<Conn> slow_headers, slow_bodies;
  for (int i = 0; i < 50; ++i) {
    slow_headers.emplace_back(d.url());
    slow_bodies.emplace_back(d.url());
    ASSERT_TRUE(slow_bodies.back().Send("POST /v1/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n["));
  }
  const std::string header = "GET /v1/stats?by=national HTTP/1.1\r\nHost: x\r\nX-Pad: ";
  for (size_t step = 0; step < 20; ++step) {  // a byte at a time, each connection, for ~2 s
    for (Conn& c : slow_headers) c.Send(step < header.size() ? header.substr(step, 1) : "a");
    for (Conn& c : slow_bodies) c.Send("{");
    ASSERT_TRUE(Served(d.url())) << "step " << step << ": a well-behaved client is not answered";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int64_t rss_held = RssKiB(d.pid());
  std::fprintf(stderr, "ledgerd RSS: %lld KiB before, %lld KiB with %d hostile connections open\n",
               static_cast<long long>(rss_before), static_cast<long long>(rss_held), idle_count + 100);
  EXPECT_LT(rss_held - rss_before, kRssBoundKiB) << "memory grew too much for " << idle_count + 100 << " connections";
  // The idle ones are still open (within --header-timeout): none was dropped for the others.
  int closed = 0;
  for (size_t i = 0; i < idle.size(); i += 100) closed += idle[i].ClosedByServer(std::chrono::milliseconds(1));
  EXPECT_EQ(closed, 0);
  EXPECT_EQ(d.Term(), 0) << d.err();
}

TEST_F(HostileHttpTest, PastMaxConnectionsTheLongestIdleAreClosedToMakeRoom) {
  Ledgerd d(data_, Dir("max"), {"--max-connections", "100"});
  ASSERT_TRUE(d.serving()) << d.err();
  ASSERT_TRUE(d.WaitReady());
  std::vector<Conn> idle;
  for (int i = 0; i < 300; ++i) {
    idle.emplace_back(d.url());
    ASSERT_TRUE(idle.back().ok());
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // a distinct idle age each
  }
  EXPECT_TRUE(Served(d.url())) << "a new client is answered although 300 idle connections came first";
  int oldest_closed = 0, newest_open = 0;
  for (int i = 0; i < 150; ++i) oldest_closed += idle[i].ClosedByServer(std::chrono::milliseconds(2000));
  for (int i = 250; i < 300; ++i) newest_open += !idle[i].ClosedByServer(std::chrono::milliseconds(1));
  EXPECT_EQ(oldest_closed, 150) << "the longest idle connections make room";
  EXPECT_EQ(newest_open, 50) << "the newest connections are kept";
  EXPECT_EQ(d.Term(), 0) << d.err();
}

TEST_F(HostileHttpTest, InvalidUtf8HugeQueriesAndManyParametersAreAnsweredWithValidJson) {
  Ledgerd d(data_, Dir("utf8"));
  ASSERT_TRUE(d.serving()) << d.err();
  ASSERT_TRUE(d.WaitReady());
  const std::string auth = "Authorization: Bearer " + token_ + "\r\n";
  struct Case {
    std::string name, raw;
    int status;  // expected; 0: answered with any 4xx
  };
  std::string many_params = "GET /v1/stats?by=department";
  for (int i = 0; i < 1500; ++i) many_params += "&p" + std::to_string(i) + "=1";
  const std::string bad_body = "[{\"command_id\":\"\xff\xfe\",\"type\":\"\xc3\x28\"}]";
  const std::vector<Case> cases = {
      {"raw 0xFF in the path", "GET /v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", 0},
      {"raw 0xFF in a parameter", "GET /v1/stats?by=\xff HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 0},
      {"encoded 0xFF in a parameter", "GET /v1/stats?by=%FF%FE HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400},
      {"encoded overlong NUL in as_of",
       "GET /v1/stats?by=department&as_of=%C0%80 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400},
      {"encoded surrogate in an account id", "GET /v1/accounts/%ED%A0%80/history HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n",
       0},
      {"0xFF in the token", "GET /v1/stats?by=department HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\n\r\n",
       401},
      {"0xFF in the cookie", "GET /v1/stats?by=department HTTP/1.1\r\nHost: x\r\nCookie: ledger_session=\xff\r\n\r\n",
       401},
      {"invalid UTF-8 in a command body",
       "POST /v1/commands HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nContent-Length: " +
           std::to_string(bad_body.size()) + "\r\n\r\n" + bad_body,
       0},
      {"a 100 KiB query string",
       "GET /v1/stats?by=" + std::string(100 << 10, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"1,500 parameters", many_params + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 400},
      {"a NUL in the request line", std::string("GET /v1/stats") + '\0' + "?by=x HTTP/1.1\r\nHost: x\r\n\r\n", 400},
  };
  for (const Case& c : cases) {
    const std::string answer = Exchange(d.url(), c.raw);
    const int status = StatusOf(answer);
    if (c.status != 0) {
      EXPECT_EQ(status, c.status) << c.name << ": " << answer.substr(0, 300);
    } else {
      EXPECT_TRUE(status >= 400 && status < 500) << c.name << ": " << answer.substr(0, 300);
    }
    EXPECT_TRUE(BodyIsValidJson(answer)) << c.name << ": the body is not valid JSON (UTF-8)";
    ASSERT_TRUE(Served(d.url())) << "after " << c.name;
  }
  // A 4 MiB query string: answered 400 or the connection dropped, and ledgerd serves on.
  const std::string huge = Exchange(d.url(), "GET /v1/stats?by=" + std::string(4 << 20, 'b') + " HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(huge.empty() || StatusOf(huge) == 400) << huge.substr(0, 200);
  EXPECT_TRUE(Served(d.url()));
  // Nothing the clients typed reached the request log.
  const std::string log = d.err();
  EXPECT_EQ(log.find("\xff"), std::string::npos);
  EXPECT_EQ(log.find("aaaaaaaa"), std::string::npos);
  EXPECT_EQ(d.Term(), 0) << d.err();
}

TEST_F(HostileHttpTest, SigtermWithHostileConnectionsOpenStopsWithinSecondsAndAnswersBodiesInFlight503) {
  Ledgerd d(data_, Dir("term"), {"--grace", "30"});
  ASSERT_TRUE(d.serving()) << d.err();
  ASSERT_TRUE(d.WaitReady());
  std::vector<Conn> idle;
  for (int i = 0; i < 500; ++i) idle.emplace_back(d.url());
  Conn partial_header(d.url()), mid_body(d.url());
  ASSERT_TRUE(partial_header.Send("GET /v1/stats?by=national HTTP/1.1\r\nHost: x\r\n"));
  ASSERT_TRUE(mid_body.Send("POST /v1/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[{\"command_id\""));
  ASSERT_TRUE(Served(d.url()));  // the partial requests have been read by now
  const auto start = Clock::now();
  std::thread term([&] { EXPECT_EQ(d.Term(), 0) << d.err(); });
  const std::string answer = mid_body.ReadUntilClosed(std::chrono::seconds(10));
  term.join();
  const auto took = Clock::now() - start;
  EXPECT_EQ(StatusOf(answer), 503) << answer;
  EXPECT_NE(answer.find("nothing of it was applied"), std::string::npos) << answer;
  EXPECT_LT(took, std::chrono::seconds(10)) << "ledgerd waited for hostile connections instead of closing them";
  EXPECT_NE(d.err().find("stopped cleanly"), std::string::npos);
}

}  // namespace
}  // namespace ledger::testing
