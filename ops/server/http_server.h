// HttpServer: ledgerd's HTTP/1.1 server, on Boost.Beast (the choice and the
// figures behind it: benchmarks/http_choice, README "Running the service").
//
// Asio accepts and reads on a few I/O threads; each complete request is handed
// to a pool of worker threads (handlers may block: a RocksDB read, waiting for
// a group commit), and the response is written back on the connection's
// strand. Keep-alive; one request at a time per connection.
//
// Limits, each answered with a JSON reason before the connection closes:
//   headers larger than max_header_bytes          400
//   a body larger than max_body_bytes             413 (from Content-Length, before reading it)
//   headers not complete within header_timeout    400 (a connection that sent nothing is just closed)
//   a body not complete within body_timeout       400
//   a request HTTP cannot parse                   400
//   more than max_connections open connections    the longest idle one is closed to make room;
//                                                 when none is idle, the new one is closed unanswered
//   accept(2) failing (e.g. out of descriptors)   accepting pauses 100 ms, then resumes
// Stop(): no new connection; idle connections close; a request whose body is
// still arriving is answered 503 (nothing of it was applied: send it again);
// requests in flight are answered (within `grace`); after `grace` every
// connection still open is closed; then the threads end.
// Thread-safety: Start/Stop from one thread; handlers run concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/status.h"

namespace ledger::server {

struct HttpRequest {
  std::string method;  // "GET", "POST"…
  std::string target;  // as sent: "/v1/stats?by=department"
  std::string path;    // percent-decoded path: "/v1/stats"
  std::vector<std::pair<std::string, std::string>> params;  // decoded query parameters, in order
  std::string authorization;  // the Authorization header's value
  std::string cookie;         // the Cookie header's value
  std::string content_type;   // the Content-Type header's value
  std::string body;
  // The first value of `key`, or null.
  const std::string* Param(std::string_view key) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: the kernel picks one (see port())
  int io_threads = 2;
  int worker_threads = 32;
  size_t max_header_bytes = 16 << 10;
  size_t max_body_bytes = 8 << 20;
  std::chrono::milliseconds header_timeout{10'000};  // also how long an idle kept-alive connection stays
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  size_t max_connections = 10'000;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // After each response (the handler's, or one the server wrote itself for a
  // bad request): for the request log and metrics. Runs on a server thread.
  using Observer = std::function<void(const HttpRequest&, const HttpResponse&, double seconds)>;

  // Binds and starts serving. Unavailable naming the address when it cannot bind.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options, Handler handler,
                                                   Observer observer);
  ~HttpServer();

  uint16_t port() const;
  void Stop(std::chrono::milliseconds grace);

  class Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// {"error":{"code":CODE,"message":MESSAGE}} with `status` (ARCHITECTURE §7).
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message);

}  // namespace ledger::server
