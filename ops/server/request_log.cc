#include "ops/server/request_log.h"

#include <fmt/core.h>

namespace ledger::server {
namespace {

bool SafeParam(const std::string& key) {
  for (const char* k : {"by", "as_of", "format", "from", "to", "every", "verify", "within", "uai", "weeks", "department"})
    if (key == k) return true;
  return false;
}

// "/v1/accounts/X/history" → {"X", "/history"}; nullopt for other paths.
std::optional<std::pair<std::string, std::string>> AccountPath(const std::string& path) {
  constexpr std::string_view kPrefix = "/v1/accounts/";
  if (path.rfind(kPrefix, 0) != 0 || path.size() == kPrefix.size()) return std::nullopt;
  const size_t end = path.find('/', kPrefix.size());
  return std::pair{path.substr(kPrefix.size(), end == std::string::npos ? std::string::npos : end - kPrefix.size()),
                   end == std::string::npos ? "" : path.substr(end)};
}

}  // namespace

std::string RoutePattern(const std::string& path) {
  if (auto a = AccountPath(path); a && (a->second.empty() || a->second == "/history" || a->second == "/links"))
    return "/v1/accounts/{id}" + a->second;
  for (const char* known : {"/", "/healthz", "/readyz", "/metrics", "/v1/stats", "/v1/stats/series",
                            "/v1/accounts", "/v1/quarantine", "/v1/commands", "/v1/attention", "/v1/places",
                            "/session", "/session/logout", "/static/app.js", "/static/app.css",
                            "/static/chart.umd.min.js", "/static/chart.js-LICENSE.md"})
    if (path == known) return path;
  return "other";
}

std::string LogTarget(const HttpRequest& req, int status) {
  // The path as a route pattern; an account's id only when the answer showed it (200).
  std::string out = RoutePattern(req.path);
  if (out == "other") out = "(another path)";
  if (auto a = AccountPath(req.path); a && status == 200 && out != "(another path)")
    out = "/v1/accounts/" + a->first + a->second;
  char sep = '?';
  for (const auto& [k, v] : req.params) {
    const bool known = SafeParam(k) || k == "login" || k == "ine" || k == "id" || k == "reason";
    // Values only of parameters that name no one, and only once accepted (a
    // refused value may be anything a client typed).
    out += sep + (known ? k : std::string("…")) + "=" + (SafeParam(k) && status == 200 ? v : "…");
    sep = '&';
  }
  // Control characters would let a client forge log lines.
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string MethodLabel(const std::string& method) {
  for (const char* m : {"GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})
    if (method == m) return method;
  return method.empty() ? "-" : "other";
}

std::string RequestLogLine(Timestamp now, const HttpRequest& req, int status, double seconds) {
  std::string when = FormatRfc3339(now);
  return fmt::format("{} {} {} {} {:.2f} ms", when, MethodLabel(req.method), LogTarget(req, status), status,
                     seconds * 1000);
}

}  // namespace ledger::server
