// A minimal HTTP/1.1 client (Boost.Beast, synchronous) for `ledger submit
// --server`: one POST per call on a fresh connection, with a deadline.
// Unavailable naming the URL when the server cannot be reached or does not
// answer in time. Thread-compatible.
#pragma once

#include <chrono>
#include <string>

#include "events/status.h"

namespace ledger {

struct HttpReply {
  int status = 0;
  std::string body;
};

// `url` is "http://host:port" (no path); `path` starts with '/'.
Result<HttpReply> HttpPost(const std::string& url, const std::string& path, const std::string& body,
                           const std::string& bearer_token, std::chrono::seconds timeout);

}  // namespace ledger
