// A minimal HTTP/1.1 client (Boost.Beast, synchronous) for `ledger submit
// --server` and the tests that drive ledgerd: one request per call on a fresh
// connection, with a deadline. Unavailable naming the URL when the server
// cannot be reached or does not answer in time. Thread-compatible.
#pragma once

#include <chrono>
#include <string>

#include "events/status.h"

namespace ledger {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
};

// `url` is "http://HOST:PORT" as ledgerd prints it; `target` starts with '/'.
// An empty `bearer_token` sends no Authorization header.
Result<HttpReply> HttpCall(const std::string& url, const std::string& method, const std::string& target,
                           const std::string& body, const std::string& bearer_token, std::chrono::seconds timeout);

}  // namespace ledger
