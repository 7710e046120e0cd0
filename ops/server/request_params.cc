#include "ops/server/request_params.h"

#include <algorithm>
#include <cctype>

#include "ops/journal/entry.h"

namespace ledger::server {
namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace

HttpResponse BadParam(const std::string& message) { return ErrorResponse(400, "INVALID_ARGUMENT", message); }

std::optional<HttpResponse> UnknownParam(const HttpRequest& req, std::initializer_list<const char*> known) {
  for (const auto& [k, v] : req.params) {
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    std::string list;
    for (const char* n : known) list += std::string(list.empty() ? "" : ", ") + n;
    // The name is repeated only when it is plainly a name (not someone's data typed as a key).
    const bool plain =
        k.size() <= 32 && std::all_of(k.begin(), k.end(), [](char c) { return IsAlnum(c) || c == '_'; });
    return BadParam("unknown parameter" + (plain ? " " + k : std::string()) +
                    (list.empty() ? ": this route takes none" : " (this route takes " + list + ")"));
  }
  return std::nullopt;
}

std::optional<Date> DateParam(const HttpRequest& req, const char* key, HttpResponse& error) {
  const std::string* v = req.Param(key);
  if (!v) return std::nullopt;
  std::optional<Date> d = ParseIsoDate(*v);
  if (!d) error = BadParam(std::string(key) + ": expected a date YYYY-MM-DD");
  return d;
}

std::optional<Scope> ScopeParam(const HttpRequest& req, HttpResponse& error) {
  const std::string* by = req.Param("by");
  std::optional<Scope> scope = by ? ParseScope(*by) : std::nullopt;
  if (!scope) error = BadParam("by: expected national, academy, department, establishment or class");
  return scope;
}

std::string FormatParam(const HttpRequest& req, HttpResponse& error) {
  const std::string format = req.Param("format") ? *req.Param("format") : "json";
  if (format != "json" && format != "csv") error = BadParam("format: expected csv or json");
  return format;
}

int WeeksParam(const HttpRequest& req, HttpResponse& error) {
  const std::string* w = req.Param("weeks");
  if (!w) return 4;
  const bool digits = !w->empty() && w->size() <= 2 && std::all_of(w->begin(), w->end(), IsDigit);
  const int weeks = digits ? std::stoi(*w) : 0;
  if (weeks < 1 || weeks > 52) error = BadParam("weeks: a whole number of weeks, 1 to 52");
  return weeks;
}

std::string ReasonParam(const HttpRequest& req, HttpResponse& error) {
  const std::string* r = req.Param("reason");
  if (!r) return "";
  if (Status s = journal::ValidateReason(*r); !s.ok()) {
    error = BadParam(s.message());
    return "";
  }
  return *r;
}

bool IsDepartmentCode(std::string_view d) { return d.size() == 3 && std::all_of(d.begin(), d.end(), IsAlnum); }

}  // namespace ledger::server
