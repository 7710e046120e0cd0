#include "ops/server/http_server.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <optional>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>

namespace ledger::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;

// The request line's target split into a decoded path and parameters.
// False when the target is not an origin-form URL ("/path?query").
bool SplitTarget(std::string_view target, HttpRequest& req) {
  boost::system::result<boost::urls::url_view> u = boost::urls::parse_origin_form(target);
  if (!u) return false;
  req.path = std::string(u->path());
  for (auto p : u->params()) req.params.emplace_back(std::string(p.key), p.has_value ? std::string(p.value) : "");
  return true;
}

}  // namespace

const std::string* HttpRequest::Param(std::string_view key) const {
  for (const auto& [k, v] : params)
    if (k == key) return &v;
  return nullptr;
}

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  nlohmann::ordered_json j{{"error", {{"code", code}, {"message", message}}}};
  HttpResponse r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(HttpServerOptions options, Handler handler, Observer observer)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        observer_(std::move(observer)),
        ioc_(options_.io_threads),
        accept_strand_(asio::make_strand(ioc_)),
        acceptor_(accept_strand_),
        accept_pause_(accept_strand_),
        workers_(static_cast<size_t>(options_.worker_threads)) {}

  Status Listen() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgument("--listen " + options_.host + ": not an IP address");
    tcp::endpoint ep(address, options_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
                         ec.message() + " (is another server on that port? --listen HOST:0 picks a free one)");
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < options_.io_threads; ++i) io_threads_.emplace_back([this] { ioc_.run(); });
    return OkStatus();
  }

  void Stop(std::chrono::milliseconds grace);
  uint16_t port() const { return port_; }
  size_t connections() {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    return sessions_.size();
  }

  class Session;
  const HttpServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_; }
  void Forget(Session* s) {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    sessions_.erase(s);
    sessions_cv_.notify_all();
  }
  void Handle(std::shared_ptr<Session> s, HttpRequest req, Steady::time_point start);
  void Observe(const HttpRequest& req, const HttpResponse& res, Steady::time_point start) {
    if (observer_) observer_(req, res, std::chrono::duration<double>(Steady::now() - start).count());
  }

 private:
  void Accept();
  // At max_connections: asks the longest idle connection to close and says
  // true, or false when none is idle (the new connection is then refused).
  bool MakeRoom();
  // Runs `f` on every live session, outside the lock.
  void ForEachSession(const std::function<void(Session&)>& f);
  // Waits until no session is left or `limit` has passed.
  void WaitNoSession(std::chrono::milliseconds limit);

  HttpServerOptions options_;
  Handler handler_;
  Observer observer_;
  asio::io_context ioc_;
  // The acceptor, its pause timer and Stop's close run on one strand: with
  // several I/O threads an accept's handler re-arming the accept would
  // otherwise race the close on the acceptor.
  asio::strand<asio::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_pause_;  // after a failed accept (EMFILE…), instead of retrying at once
  asio::thread_pool workers_;
  std::vector<std::thread> io_threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;
  std::set<Session*> sessions_;  // live sessions (each holds itself alive through its operations)
  friend class Session;
  std::set<Session*>& sessions() { return sessions_; }
  std::mutex& sessions_mu() { return sessions_mu_; }
};

// One connection: read a request, hand it to a worker, write the answer, again.
// Deadlines are this session's own timer: on expiry it cancels the pending
// read (so the reason can still be written back) or closes a stuck write.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Impl> server)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), server_(std::move(server)) {}

  void Begin() {
    {
      std::lock_guard<std::mutex> lock(server_->sessions_mu());
      server_->sessions().insert(this);
    }
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }
  ~Session() { server_->Forget(this); }

  // On Stop: an idle connection closes now; one whose body is arriving is
  // answered 503 (see Refuse); a busy one closes after its answer.
  void Shutdown() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      if (!self->busy_) {
        self->Close();
      } else if (self->reading_body_) {
        self->socket_.cancel(ignored);
      }
    });
  }
  // After the grace: whatever it is doing.
  void ForceClose() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }
  // To make room for a new connection: closes now if still idle.
  void Evict() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) return self->Close();
      self->evicting_ = false;
    });
  }
  // When this connection started waiting for a request (steady clock, ns),
  // or 0 while it is busy with one or already asked to close for room.
  int64_t idle_since() const { return evicting_ ? 0 : idle_since_.load(); }
  bool MarkEvicting() { return !evicting_.exchange(true); }

  // Called from a worker: write `res` on this connection's strand.
  void Reply(HttpResponse res, bool keep_alive) {
    asio::post(socket_.get_executor(), [self = shared_from_this(), res = std::move(res), keep_alive]() mutable {
      self->Write(std::move(res), keep_alive);
    });
  }

 private:
  // Runs `on_expiry` unless Disarm() or another Arm() comes first.
  void Arm(std::chrono::milliseconds after, bool close_on_expiry) {
    timed_out_ = false;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), close_on_expiry, gen = ++timer_gen_](beast::error_code ec) {
      if (ec || gen != self->timer_gen_) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      if (close_on_expiry) {
        self->socket_.close(ignored);
      } else {
        self->socket_.cancel(ignored);
      }
    });
  }
  void Disarm() {
    ++timer_gen_;
    timer_.cancel();
  }

  void ReadHeader() {
    busy_ = false;
    idle_since_ = Steady::now().time_since_epoch().count();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_->options().max_header_bytes));
    parser_->body_limit(server_->options().max_body_bytes);
    Arm(server_->options().header_timeout, /*close_on_expiry=*/false);
    http::async_read_header(socket_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Refuse(ec, /*in_body=*/false);
    busy_ = true;
    idle_since_ = 0;
    reading_body_ = true;
    start_ = Steady::now();
    Arm(server_->options().body_timeout, /*close_on_expiry=*/false);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  // A request that could not be read: answer why when the client sent
  // something (and is presumably waiting), then close.
  void Refuse(beast::error_code ec, bool in_body) {
    Disarm();
    reading_body_ = false;
    const bool timeout = timed_out_ && ec == asio::error::operation_aborted;
    const bool stopped = !timed_out_ && ec == asio::error::operation_aborted && server_->stopping();
    const bool sent_something = parser_->got_some() || buffer_.size() > 0;
    HttpResponse res;
    const auto& o = server_->options();
    if (stopped && in_body) {
      res = ErrorResponse(503, "UNAVAILABLE",
                          "ledgerd is stopping and this request's body had not arrived whole: nothing of it "
                          "was applied; send it again once ledgerd (or the new writer) serves");
    } else if (ec == http::error::body_limit) {
      res = ErrorResponse(413, "PAYLOAD_TOO_LARGE",
                          "the request body is larger than " + std::to_string(o.max_body_bytes) +
                              " bytes (--max-body-bytes): split it");
    } else if (ec == http::error::header_limit) {
      res = ErrorResponse(400, "INVALID_ARGUMENT",
                          "the request headers are larger than " + std::to_string(o.max_header_bytes) + " bytes");
    } else if (timeout && (sent_something || in_body)) {
      res = ErrorResponse(400, "INVALID_ARGUMENT",
                          in_body ? "the request body did not arrive within " +
                                        std::to_string(o.body_timeout.count() / 1000) + " s (--body-timeout)"
                                  : "the request headers did not arrive within " +
                                        std::to_string(o.header_timeout.count() / 1000) + " s (--header-timeout)");
    } else if (sent_something && !timeout && ec != http::error::end_of_stream && ec != asio::error::eof &&
               ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
      res = ErrorResponse(400, "INVALID_ARGUMENT", "malformed HTTP request: " + ec.message());
    } else {
      return Close();  // the client went away, an idle connection timed out, or we are stopping
    }
    HttpRequest req;
    if (parser_->is_header_done()) {
      req.method = std::string(parser_->get().method_string());
      req.target = std::string(parser_->get().target());
      SplitTarget(req.target, req);
    }
    server_->Observe(req, res, busy_ ? start_ : Steady::now());
    busy_ = true;
    unread_ = true;  // the client may still be sending: linger before closing
    Write(std::move(res), /*keep_alive=*/false);
  }

  void OnBody(beast::error_code ec) {
    if (ec) return Refuse(ec, /*in_body=*/true);
    Disarm();  // the worker's time is not the client's
    reading_body_ = false;
    http::request<http::string_body> msg = parser_->release();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.authorization = std::string(msg[http::field::authorization]);
    req.cookie = std::string(msg[http::field::cookie]);
    req.content_type = std::string(msg[http::field::content_type]);
    req.body = std::move(msg.body());
    keep_alive_ = msg.keep_alive();
    if (!SplitTarget(req.target, req)) {
      HttpResponse res =
          ErrorResponse(400, "INVALID_ARGUMENT", "the request target is not a path with an optional query");
      server_->Observe(req, res, start_);
      return Write(std::move(res), false);
    }
    server_->Handle(shared_from_this(), std::move(req), start_);
  }

  void Write(HttpResponse res, bool keep_alive) {
    keep_alive = keep_alive && keep_alive_ && !server_->stopping();
    auto msg = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status), 11);
    msg->set(http::field::server, "ledgerd");
    msg->set(http::field::content_type, res.content_type);
    msg->set(http::field::cache_control, "no-store");
    msg->set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : res.headers) msg->set(k, v);
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive);
    msg->prepare_payload();
    Arm(server_->options().write_timeout, /*close_on_expiry=*/true);
    http::async_write(socket_, *msg, [self = shared_from_this(), msg, keep_alive](beast::error_code ec, size_t) {
      self->Disarm();
      if (!ec && self->unread_) return self->Linger();
      if (ec || !keep_alive) return self->Close();
      self->ReadHeader();
    });
  }

  // After answering a request it did not read whole: stop sending, and read
  // (and drop) what the client still sends for a while, so that closing does
  // not reset the connection before the client has read the answer.
  void Linger() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    Arm(server_->stopping() ? std::chrono::seconds(1) : std::chrono::seconds(5), /*close_on_expiry=*/true);
    scratch_ = std::make_unique<std::array<char, 16384>>();
    Drain();
  }
  void Drain() {
    socket_.async_read_some(asio::buffer(*scratch_), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > kMaxDrainBytes) return self->Close();
      self->Drain();
    });
  }
  static constexpr size_t kMaxDrainBytes = size_t{64} << 20;

  void Close() {
    Disarm();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  uint64_t timer_gen_ = 0;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Impl> server_;
  Steady::time_point start_;
  bool busy_ = false;          // a request is being read, handled or answered
  bool reading_body_ = false;  // …and its body is still arriving
  std::atomic<int64_t> idle_since_{0};
  std::atomic<bool> evicting_{false};
  bool keep_alive_ = true;
  bool unread_ = false;
  size_t drained_ = 0;
  std::unique_ptr<std::array<char, 16384>> scratch_;
};

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
    if (self->stopping_ || !self->acceptor_.is_open()) return;
    if (ec) {  // out of descriptors or memory: retrying at once would spin
      self->accept_pause_.expires_after(std::chrono::milliseconds(100));
      self->accept_pause_.async_wait([self](beast::error_code wait_ec) {
        if (!wait_ec && !self->stopping_) self->Accept();
      });
      return;
    }
    if (self->MakeRoom()) {
      s.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(s), self)->Begin();
    } else {
      s.close(ec);
    }
    self->Accept();
  });
}

bool HttpServer::Impl::MakeRoom() {
  std::shared_ptr<Session> oldest;
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    if (sessions_.size() < options_.max_connections) return true;
    int64_t oldest_since = 0;
    Session* candidate = nullptr;
    for (Session* s : sessions_) {
      const int64_t since = s->idle_since();
      if (since != 0 && (candidate == nullptr || since < oldest_since)) {
        candidate = s;
        oldest_since = since;
      }
    }
    if (candidate == nullptr || !candidate->MarkEvicting()) return false;
    oldest = candidate->weak_from_this().lock();
  }
  if (!oldest) return false;
  oldest->Evict();
  return true;
}

void HttpServer::Impl::ForEachSession(const std::function<void(Session&)>& f) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    for (Session* s : sessions_)
      if (auto p = s->weak_from_this().lock()) live.push_back(std::move(p));
  }
  for (auto& s : live) f(*s);
}

void HttpServer::Impl::WaitNoSession(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(sessions_mu_);
  sessions_cv_.wait_for(lock, limit, [&] { return sessions_.empty(); });
}

void HttpServer::Impl::Handle(std::shared_ptr<Session> s, HttpRequest req, Steady::time_point start) {
  asio::post(workers_, [self = shared_from_this(), s = std::move(s), req = std::move(req), start]() {
    HttpResponse res;
    try {
      res = self->handler_(req);
    } catch (const std::exception& e) {
      res = ErrorResponse(500, "INTERNAL", std::string("the request failed: ") + e.what());
    }
    self->Observe(req, res, start);
    s->Reply(std::move(res), true);
  });
}

void HttpServer::Impl::Stop(std::chrono::milliseconds grace) {
  if (stopping_.exchange(true)) return;
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
    self->accept_pause_.cancel();
  });
  ForEachSession([](Session& s) { s.Shutdown(); });
  WaitNoSession(grace);
  // Past the grace: close what is left (a client still sending, a slow
  // reader), let handlers finish, and let their closings run before the I/O
  // threads end, so that no session outlives the server.
  ForEachSession([](Session& s) { s.ForceClose(); });
  WaitNoSession(std::chrono::seconds(2));
  workers_.join();
  WaitNoSession(std::chrono::seconds(1));
  ioc_.stop();
  for (auto& t : io_threads_) t.join();
  // Handlers that completed as the loop stopped (the accept the close
  // cancelled, a session's last timer) hold the server: run them now, or the
  // server and everything it owns would never be freed. So does a session
  // an accept made after the closings above (its thread slowed by a loaded
  // machine), its read pending: with no I/O thread left, close what is left
  // and run the handlers its closing completes, here.
  for (int round = 0; round < 8; ++round) {
    ForEachSession([](Session& s) { s.ForceClose(); });
    ioc_.restart();
    ioc_.poll();
    if (connections() == 0) break;
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options, Handler handler,
                                                      Observer observer) {
  auto impl = std::make_shared<Impl>(options, std::move(handler), std::move(observer));
  LEDGER_RETURN_IF_ERROR(impl->Listen());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() { impl_->Stop(std::chrono::seconds(5)); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }

}  // namespace ledger::server
