// The request log: one line per request on stderr,
//   2026-11-30T21:04:05.123Z GET /v1/stats?by=department 200 0.42 ms
// with the method, the route, the query, the status and the handling time —
// and nothing a client typed that could name someone: the path is printed as
// its route pattern ("(another path)" for unknown ones), with an account's id
// only when the answer was 200 (the id then is the ledger's opaque one);
// parameter values only for parameters that identify no one (by, as_of,
// format, from, to, every, verify) and only on a 200 — never a reason= (the
// access journal keeps it); unknown parameter
// names as "…"; the method as one of the HTTP verbs or "other". Never a
// token, a body or a header. Pure; thread-safe.
#pragma once

#include <string>

#include "events/types.h"
#include "ops/server/http_server.h"

namespace ledger::server {

std::string LogTarget(const HttpRequest& req, int status);
std::string RequestLogLine(Timestamp now, const HttpRequest& req, int status, double seconds);

// The route pattern of a path, for metrics labels: "/v1/accounts/{id}/history",
// "other" for any path that is not a route (a bounded set of values).
std::string RoutePattern(const std::string& path);
// The method as a label: an HTTP verb, or "other" (a bounded set of values).
std::string MethodLabel(const std::string& method);

}  // namespace ledger::server
