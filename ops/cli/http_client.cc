#include "ops/cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ledger {

Result<HttpReply> HttpCall(const std::string& url, const std::string& method, const std::string& target,
                           const std::string& body, const std::string& bearer_token, std::chrono::seconds timeout) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  // "http://HOST:PORT" as `ledgerd: listening on …` prints it.
  constexpr std::string_view kScheme = "http://";
  const size_t colon = url.rfind(':');
  if (url.rfind(kScheme, 0) != 0 || colon == std::string::npos || colon < kScheme.size() ||
      url.find('/', kScheme.size()) != std::string::npos)
    return InvalidArgument("--server " + url + ": expected http://HOST:PORT, as ledgerd prints it");
  const std::string host = url.substr(kScheme.size(), colon - kScheme.size()), port = url.substr(colon + 1);
  // Asynchronous operations run by this call's own io_context: the stream's
  // deadline covers connect, write and read (blocking calls would ignore it).
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, host);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  if (!bearer_token.empty()) req.set(http::field::authorization, "Bearer " + bearer_token);
  req.body() = body;
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{1} << 30);
  beast::error_code failure;
  auto fail = [&](beast::error_code ec) { failure = ec; };
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return Unavailable("ledgerd at " + url + ": " + ec.message());
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code ec, const auto&) {
    if (ec) return fail(ec);
    http::async_write(stream, req, [&](beast::error_code ec, size_t) {
      if (ec) return fail(ec);
      http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
        if (ec) return fail(ec);
        stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      });
    });
  });
  ioc.run();
  if (failure)
    return Unavailable("ledgerd at " + url + " did not answer" +
                       (failure == beast::error::timeout ? " within " + std::to_string(timeout.count()) + " s"
                                                         : ": " + failure.message()));
  return HttpReply{static_cast<int>(parser.get().result_int()), std::move(parser.get().body()),
                   std::string(parser.get()[http::field::content_type])};
}

}  // namespace ledger
