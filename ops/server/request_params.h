// Request parameters: the checks ledgerd's routes (api.cc) apply to the
// decoded query parameters of a request, kept apart so that they can be
// tested and fuzzed (tests/fuzz/fuzz_http_params.cc) without a service.
//
// Contract: every function takes parameters as they came from the network
// (any bytes, any length, keys repeated: the first value counts) and never
// throws. A bad value makes a 400 INVALID_ARGUMENT response
// ({"error":{"code","message"}}) that names the parameter and never repeats
// its value (it may be someone's name or birth date); UnknownParam repeats a
// key only when it is plainly a name (at most 32 ASCII letters, digits or
// '_'). Functions that return a value and take `error` leave `error`
// untouched (status 200) when the value is good or absent, and set it to the
// 400 otherwise; the caller checks `error.status != 200`. Pure; thread-safe.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "events/types.h"
#include "ops/server/http_server.h"
#include "projections/stats.h"

namespace ledger::server {

// 400 INVALID_ARGUMENT with `message`.
HttpResponse BadParam(const std::string& message);

// 400 for the first parameter the route does not take (`known`: the ones it
// does); nullopt when all are known.
std::optional<HttpResponse> UnknownParam(const HttpRequest& req, std::initializer_list<const char*> known);

// Parameter `key` as a date YYYY-MM-DD (ParseIsoDate); nullopt when absent or bad.
std::optional<Date> DateParam(const HttpRequest& req, const char* key, HttpResponse& error);

// by=: a statistics scope (ParseScope); required, so nullopt sets `error`.
std::optional<Scope> ScopeParam(const HttpRequest& req, HttpResponse& error);

// format=: "json" (the default when absent) or "csv".
std::string FormatParam(const HttpRequest& req, HttpResponse& error);

// weeks= of /v1/attention: 1 to 52 in decimal digits (at most two); 4 when absent.
int WeeksParam(const HttpRequest& req, HttpResponse& error);

// reason= of the routes that read a person's data (the access journal's
// reason: a ticket reference): "" when absent; at most 200 bytes of UTF-8
// without control characters (ops/journal/entry.h ValidateReason).
std::string ReasonParam(const HttpRequest& req, HttpResponse& error);

// department= of /v1/places: exactly three ASCII letters or digits ("031", "02A").
bool IsDepartmentCode(std::string_view d);

}  // namespace ledger::server
