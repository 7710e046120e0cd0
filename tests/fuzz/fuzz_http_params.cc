// The request parameters of ledgerd (ops/server/request_params.h, and the
// parsers it calls: ParseIsoDate, ParseScope, auth::ParseAccessScope,
// query::ParseEvery; the Cookie header and login form of sessions.h).
// The input is a request target ("/v1/stats?by=department&as_of=…"), split
// into a path and decoded parameters by Boost.URL as the server does; the
// same bytes serve as a Cookie header and a login form body.
// reason= (the access journal's) is checked too.
// Checks: nothing throws; each refusal is a 400 INVALID_ARGUMENT whose body
// is JSON and never repeats a parameter value (values holding '~' or '@',
// which no message contains, are looked for); each accepted value prints back
// (Name, ToString, FormatIsoDate) to text that parses to the same value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>

#include "ops/auth/access.h"
#include "ops/journal/entry.h"
#include "ops/query/stats.h"
#include "ops/server/request_params.h"
#include "ops/server/sessions.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using ledger::server::HttpRequest;
using ledger::server::HttpResponse;

// A 400 as §7 writes it, without any value of the request that could be data.
void CheckRefusal(const HttpRequest& req, const HttpResponse& r) {
  FUZZ_CHECK(r.status == 400, "a parameter refused with another status than 400");
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!j.is_discarded(), "an error body that is not JSON");
  FUZZ_CHECK(j["error"]["code"] == "INVALID_ARGUMENT", "an error body without INVALID_ARGUMENT");
  for (const auto& [k, v] : req.params)
    if (v.find_first_of("~@") != std::string::npos)
      FUZZ_CHECK(r.body.find(v) == std::string::npos, "an error message repeats a parameter's value");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  namespace server = ledger::server;

  // The Cookie header and the login form: any bytes, no throw; a cookie is a part of its header.
  const std::string sid = server::CookieValue(input, server::kSessionCookie);
  FUZZ_CHECK(input.find(sid) != std::string_view::npos, "a cookie value that is not in its header");
  (void)server::FormField(input, "token");

  boost::system::result<boost::urls::url_view> url = boost::urls::parse_origin_form(input);
  if (!url) return 0;
  HttpRequest req;
  req.method = "GET";
  req.target = std::string(input);
  req.path = std::string(url->path());
  for (auto p : url->params()) req.params.emplace_back(std::string(p.key), p.has_value ? std::string(p.value) : "");

  if (auto e = server::UnknownParam(req, {"by", "as_of", "format", "within"})) CheckRefusal(req, *e);
  if (auto e = server::UnknownParam(req, {})) CheckRefusal(req, *e);

  HttpResponse error;
  for (const char* key : {"as_of", "from", "to"}) {
    error = HttpResponse();
    std::optional<ledger::Date> d = server::DateParam(req, key, error);
    if (error.status != 200) {
      FUZZ_CHECK(!d, "a date both refused and given");
      CheckRefusal(req, error);
    } else if (d) {
      FUZZ_CHECK(d->valid(), "an invalid date accepted");
      FUZZ_CHECK(ledger::ParseIsoDate(ledger::FormatIsoDate(*d)) == d, "a date does not print back");
    }
  }

  error = HttpResponse();
  if (std::optional<ledger::Scope> scope = server::ScopeParam(req, error)) {
    FUZZ_CHECK(error.status == 200, "a scope both given and refused");
    FUZZ_CHECK(ledger::ParseScope(ledger::Name(*scope)) == scope, "a scope does not print back");
  } else {
    CheckRefusal(req, error);
  }

  error = HttpResponse();
  const std::string format = server::FormatParam(req, error);
  if (error.status != 200) CheckRefusal(req, error);
  else FUZZ_CHECK(format == "json" || format == "csv", "a format other than json or csv accepted");

  error = HttpResponse();
  const int weeks = server::WeeksParam(req, error);
  if (error.status != 200) CheckRefusal(req, error);
  else FUZZ_CHECK(weeks >= 1 && weeks <= 52, "weeks out of 1..52 accepted");

  // reason= goes into the access journal as given: an accepted one makes a line that parses back.
  error = HttpResponse();
  const std::string reason = server::ReasonParam(req, error);
  if (error.status != 200) {
    CheckRefusal(req, error);
  } else {
    FUZZ_CHECK(reason == (req.Param("reason") ? *req.Param("reason") : ""), "an accepted reason= changed");
    ledger::journal::AccessEntry e{1, ledger::Timestamp{0}, "fuzz", "auditor", ledger::journal::Via::kApi,
                                   ledger::journal::What::kView, "pup-1", reason, {}, {}};
    const std::string line = ledger::journal::FormatLine(e);
    ledger::Result<ledger::journal::AccessEntry> back = ledger::journal::ParseLine(line.substr(0, line.size() - 1));
    FUZZ_CHECK(back.ok() && *back == e, "an accepted reason= makes a journal line that does not parse back");
  }

  if (const std::string* d = req.Param("department"); d && server::IsDepartmentCode(*d))
    FUZZ_CHECK(d->size() == 3, "a department code that is not three characters");
  if (const std::string* w = req.Param("within")) {
    if (std::optional<ledger::auth::AccessScope> s = ledger::auth::ParseAccessScope(*w))
      FUZZ_CHECK(ledger::auth::ParseAccessScope(s->ToString()) == s, "an access scope does not print back");
  }
  if (const std::string* e = req.Param("every")) {
    if (std::optional<ledger::query::Every> every = ledger::query::ParseEvery(*e))
      FUZZ_CHECK(ledger::query::ParseEvery(ledger::query::Name(*every)) == every, "every= does not print back");
  }
  return 0;
}
