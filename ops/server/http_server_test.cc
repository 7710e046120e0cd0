// HttpServer's lifetime: stopping frees the server and what its handler holds,
// whether it stopped idle, after a request, or with a connection still open.
// (Under LeakSanitizer a leaked server also fails the process at exit.)
#include "ops/server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace ledger::server {
namespace {

// A connected client socket to 127.0.0.1:port, or -1.
int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends one GET on `fd` and returns what came back up to the body "ok".
std::string Get(int fd) {
  const std::string req = "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n";
  if (::send(fd, req.data(), req.size(), 0) != static_cast<ssize_t>(req.size())) return "";
  std::string got;
  char buf[512];
  while (got.find("\r\n\r\nok") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

enum class Then { kNothing, kOneRequest, kLeaveOpen };

// Starts a server whose handler holds `held`, does `then`, stops it, and says
// whether `held` was released (the server and its pending handlers freed).
bool StopReleases(Then then) {
  auto held = std::make_shared<int>(1);
  std::weak_ptr<int> watch = held;
  HttpServerOptions options;
  options.port = 0;
  options.worker_threads = 2;
  auto started = HttpServer::Start(
      options,
      [held](const HttpRequest&) {
        HttpResponse r;
        r.content_type = "text/plain";
        r.body = "ok";
        return r;
      },
      nullptr);
  EXPECT_TRUE(started.ok()) << started.status().ToString();
  if (!started.ok()) return false;
  held.reset();
  auto server = std::move(started).value();
  int fd = -1;
  if (then != Then::kNothing) {
    fd = Connect(server->port());
    EXPECT_GE(fd, 0);
    if (then == Then::kOneRequest) {
      EXPECT_NE(Get(fd).find("200 OK"), std::string::npos);
    }
  }
  server->Stop(std::chrono::milliseconds(200));
  server.reset();
  if (fd >= 0) ::close(fd);
  return watch.expired();
}

TEST(HttpServerTest, StoppingAnIdleServerFreesIt) {
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(StopReleases(Then::kNothing)) << "round " << i;
}

TEST(HttpServerTest, StoppingAfterARequestFreesIt) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(StopReleases(Then::kOneRequest)) << "round " << i;
}

TEST(HttpServerTest, StoppingWithAConnectionStillOpenFreesIt) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(StopReleases(Then::kLeaveOpen)) << "round " << i;
}

}  // namespace
}  // namespace ledger::server
