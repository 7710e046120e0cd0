// The request log: one line per request on stderr,
//   2026-11-30T21:04:05.123Z GET /v1/stats?by=department 200 0.42 ms
// with the method, the path, the query — values only for parameters that
// identify no one (by, as_of, format, id, from, to, every, verify; others,
// such as login= or ine=, print as "…") — the status and the handling time.
// An account id in a path is printed only when the answer shows the account
// existed (an opaque id); a path naming nothing the ledger knows (404, 400)
// prints "…" in its place, in case someone typed a name or an INE there.
// Never a token, a body or a header. Pure; thread-safe.
#pragma once

#include <string>

#include "events/types.h"
#include "ops/server/http_server.h"

namespace ledger::server {

std::string LogTarget(const HttpRequest& req, int status);
std::string RequestLogLine(Timestamp now, const HttpRequest& req, int status, double seconds);

// The route pattern of a path, for metrics labels: "/v1/accounts/{id}/history".
std::string RoutePattern(const std::string& path);

}  // namespace ledger::server
