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
  try {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, host);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    if (!bearer_token.empty()) req.set(http::field::authorization, "Bearer " + bearer_token);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{1} << 30);
    http::read(stream, buffer, parser);
    beast::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    return HttpReply{static_cast<int>(parser.get().result_int()), std::move(parser.get().body()),
                     std::string(parser.get()[http::field::content_type])};
  } catch (const boost::system::system_error& e) {
    return Unavailable("ledgerd at " + url + " did not answer: " + e.code().message());
  }
}

}  // namespace ledger
