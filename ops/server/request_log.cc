#include "ops/server/request_log.h"

#include <fmt/core.h>

namespace ledger::server {
namespace {

bool SafeParam(const std::string& key) {
  for (const char* k : {"by", "as_of", "format", "id", "from", "to", "every", "verify"})
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
  if (auto a = AccountPath(path)) return "/v1/accounts/{id}" + a->second;
  for (const char* known : {"/", "/healthz", "/readyz", "/metrics", "/v1/stats", "/v1/stats/series",
                            "/v1/accounts", "/v1/quarantine", "/v1/commands"})
    if (path == known) return path;
  return "other";
}

std::string LogTarget(const HttpRequest& req, int status) {
  std::string out = req.path.empty() ? std::string("-") : req.path;
  if (auto a = AccountPath(req.path); a && (status == 404 || status == 400))
    out = "/v1/accounts/…" + a->second;
  char sep = '?';
  for (const auto& [k, v] : req.params) {
    out += sep + (SafeParam(k) ? k + "=" + v : k + "=…");
    sep = '&';
  }
  // Control characters would let a client forge log lines.
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string RequestLogLine(Timestamp now, const HttpRequest& req, int status, double seconds) {
  std::string when = FormatRfc3339(now);
  return fmt::format("{} {} {} {} {:.2f} ms", when, req.method.empty() ? "-" : req.method, LogTarget(req, status),
                     status, seconds * 1000);
}

}  // namespace ledger::server
