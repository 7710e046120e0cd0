#include "ops/server/api.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "aggregates/command_json.h"
#include "events/identifiers.h"
#include "ops/auth/access.h"
#include "ops/journal/group_journal.h"
#include "ops/query/accounts.h"
#include "ops/query/attention.h"
#include "ops/query/history.h"
#include "ops/query/links.h"
#include "ops/query/places.h"
#include "ops/query/render.h"
#include "ops/query/stats.h"
#include "ops/server/request_params.h"
#include "ops/server/sessions.h"
#include "ops/web/assets.h"
#include "projections/view_codec.h"

namespace ledger::server {
namespace {

using auth::AccessScope;
using auth::Permission;
using auth::TokenRecord;

HttpResponse Json200(const Json& j) {
  HttpResponse r;
  r.body = query::JsonText(j);
  return r;
}

HttpResponse Text(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(type);
  r.body = std::move(body);
  return r;
}

// A Status from the query or the service as an HTTP answer.
HttpResponse FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return ErrorResponse(400, "INVALID_ARGUMENT", s.message());
    case StatusCode::kNotFound: return ErrorResponse(404, "NOT_FOUND", s.message());
    case StatusCode::kPermissionDenied: return ErrorResponse(403, "PERMISSION_DENIED", s.message());
    case StatusCode::kUnavailable: {
      HttpResponse r = ErrorResponse(503, "UNAVAILABLE", s.message());
      r.headers.emplace_back("Retry-After", "2");
      return r;
    }
    case StatusCode::kDataLoss: return ErrorResponse(500, "DATA_LOSS", s.message());
    default: return ErrorResponse(500, "INTERNAL", s.message());
  }
}

// Answers computed from the projections, kept until they next change.
class ResponseCache {
 public:
  std::optional<HttpResponse> Get(const std::string& key, uint64_t version) {
    std::lock_guard<std::mutex> lock(mu_);
    if (version != version_) {
      entries_.clear();
      version_ = version;
    }
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  void Put(const std::string& key, uint64_t version, const HttpResponse& r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (version != version_) return;  // computed from an older state
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_.emplace(key, r);
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  std::mutex mu_;
  uint64_t version_ = 0;
  std::unordered_map<std::string, HttpResponse> entries_;
};

std::vector<std::string> IdsOf(const std::vector<AccountView>& views) {
  std::vector<std::string> ids;
  for (const AccountView& v : views) ids.push_back(v.id);
  return ids;
}

// The accounts /v1/attention lists (AttentionToJson's first `max` items), each once.
std::vector<std::string> ListedAccounts(const query::AttentionReport& r, size_t max) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < r.items.size() && i < max; ++i)
    if (std::find(ids.begin(), ids.end(), r.items[i].account) == ids.end()) ids.push_back(r.items[i].account);
  return ids;
}

}  // namespace

struct Api::Impl {
  LedgerService& service;
  ServerMetrics& metrics;
  TokenCache& tokens;
  ApiOptions options;
  ResponseCache cache{};
  query::PlaceDirectory places{options.data_dir};
  Sessions sessions{};
  journal::GroupJournal access_journal{journal::JournalPath(options.data_dir), &metrics};

  const ProjectionDb& db() const { return service.db(); }
  PersonalDataVault* service_vault() const { return service.vault(); }

  HttpResponse Handle(const HttpRequest& req) {
    const std::string& path = req.path;
    if (path == "/healthz" || path == "/readyz" || path == "/metrics")
      if (auto e = Get(req)) return *e;
    if (path == "/healthz") return Text(200, "ok\n");
    if (path == "/readyz") return Readyz();
    if (path == "/metrics") {
      const Readiness r = service.readiness();
      const bool ready = (r.writer_loaded || r.standby) && r.caught_up && r.problem.empty();
      return Text(200,
                  metrics.Scrape(service.log_dir(), service.projection_dir(), service.db().Compaction(),
                                 service.db().Memory(), ready, r.writer_loaded),
                  "text/plain; version=0.0.4; charset=utf-8");
    }
    if (path == "/session") return Session(req);
    if (path == "/session/logout") {
      if (auto e = Post(req)) return *e;
      return Logout(req);
    }
    if (const web::Asset* asset = web::FindAsset(path)) {
      if (auto e = Get(req)) return *e;
      return Static(*asset);
    }
    if (path.rfind("/v1/", 0) != 0)
      return ErrorResponse(404, "NOT_FOUND", "no such route: the API is under /v1/ (ARCHITECTURE.md §7)");
    std::optional<TokenRecord> caller = Authenticate(req);
    if (!caller) return Unauthenticated(req);
    if (path == "/v1/commands") {
      if (auto e = Post(req)) return *e;
      return Commands(req, *caller);
    }
    if (auto e = Get(req)) return *e;
    if (path == "/v1/stats") return Stats(req, *caller);
    if (path == "/v1/stats/series") return Series(req, *caller);
    if (path == "/v1/accounts") return Search(req, *caller);
    if (path == "/v1/attention") return Attention(req, *caller);
    if (path == "/v1/places") return PlacesRoute(req, *caller);
    if (path == "/v1/quarantine") return Quarantine(req, *caller);
    constexpr std::string_view kAccounts = "/v1/accounts/";
    if (path.rfind(kAccounts, 0) == 0) {
      std::string rest = path.substr(kAccounts.size());
      const size_t slash = rest.find('/');
      const std::string id = rest.substr(0, slash);
      const std::string sub = slash == std::string::npos ? "" : rest.substr(slash);
      if (!id.empty() && sub.empty()) return Account(req, *caller, id);
      if (!id.empty() && sub == "/history") return History(req, *caller, id);
      if (!id.empty() && sub == "/links") return Links(req, *caller, id);
    }
    return ErrorResponse(404, "NOT_FOUND", "no such route (ARCHITECTURE.md §7 lists them)");
  }

  // 405 unless the request is a GET.
  static std::optional<HttpResponse> Get(const HttpRequest& req) { return Only(req, "GET"); }
  static std::optional<HttpResponse> Post(const HttpRequest& req) { return Only(req, "POST"); }
  static std::optional<HttpResponse> Only(const HttpRequest& req, const char* method) {
    if (req.method == method) return std::nullopt;
    HttpResponse r = ErrorResponse(405, "METHOD_NOT_ALLOWED", "this route answers " + std::string(method) + " only");
    r.headers.emplace_back("Allow", method);
    return r;
  }

  // The Authorization header's token; else, for a GET only, the session cookie's.
  std::optional<TokenRecord> Authenticate(const HttpRequest& req) {
    constexpr std::string_view kBearer = "Bearer ";
    if (!req.authorization.empty()) {
      if (req.authorization.size() <= kBearer.size() || req.authorization.compare(0, kBearer.size(), kBearer) != 0)
        return std::nullopt;
      return tokens.Authenticate(std::string_view(req.authorization).substr(kBearer.size()));
    }
    if (req.method != "GET") return std::nullopt;
    const std::string sid = CookieValue(req.cookie, kSessionCookie);
    if (sid.empty()) return std::nullopt;
    std::optional<std::string> token = sessions.TokenOf(sid);
    if (!token) return std::nullopt;
    return tokens.Authenticate(*token);
  }

  static HttpResponse Unauthenticated(const HttpRequest& req) {
    const bool cookie = !CookieValue(req.cookie, kSessionCookie).empty();
    HttpResponse r = ErrorResponse(
        401, "UNAUTHENTICATED",
        !req.authorization.empty() ? "unknown or revoked token"
        : cookie && req.method != "GET"
            ? "a session cookie only reads: send Authorization: Bearer <token> to write"
        : cookie ? "the session has ended (expired, logged out, its token revoked, or ledgerd restarted): log in again"
                 : "no token: send Authorization: Bearer <token> (`ledger token add`), or log in on the page at /");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }

  static HttpResponse Static(const web::Asset& a) {
    HttpResponse r;
    r.content_type = std::string(a.content_type);
    r.body = std::string(a.body);
    // The page loads only its own files; nothing is framed or sniffed.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }

  static Json Who(const TokenRecord& t) {
    return Json{{"name", t.name}, {"role", auth::Name(t.role)}, {"scope", t.scope.ToString()},
                {"sees_accounts", auth::Allows(t.role, Permission::kAccountView)}};
  }

  // GET /session: who the session (or the bearer) is — {"authenticated":false}
  // when nobody (the page then shows its login form; a 200, so that a first
  // visit logs no failed request). POST /session, form field token=…: opens a
  // session (ops/server/sessions.h).
  HttpResponse Session(const HttpRequest& req) {
    if (req.method == "GET") {
      std::optional<TokenRecord> caller = Authenticate(req);
      if (!caller) return Json200(Json{{"authenticated", false}});
      Json j = Who(*caller);
      j["authenticated"] = true;
      return Json200(j);
    }
    if (auto e = Post(req)) return *e;
    if (req.content_type.rfind("application/x-www-form-urlencoded", 0) != 0)
      return ErrorResponse(415, "UNSUPPORTED_MEDIA_TYPE", "send the form: Content-Type application/x-www-form-urlencoded, token=…");
    std::optional<std::string> token = FormField(req.body, "token");
    if (!token || token->empty()) return BadParam("token: the form field with your access token (`ledger token add`)");
    std::optional<TokenRecord> caller = tokens.Authenticate(*token);
    if (!caller) return ErrorResponse(401, "UNAUTHENTICATED", "unknown or revoked token");
    const std::string sid = sessions.Open(std::move(*token));
    HttpResponse r = Json200(Who(*caller));
    r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + sid +
                                             "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                             std::to_string(sessions.lifetime().count()));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  HttpResponse Logout(const HttpRequest& req) {
    if (std::string sid = CookieValue(req.cookie, kSessionCookie); !sid.empty()) sessions.Close(sid);
    HttpResponse r = Json200(Json{{"logged_out", true}});
    r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return r;
  }

  // Records a read of a person's data in the access journal (ops/journal)
  // before it is answered: nullopt once durable; else the answer to give
  // instead — 400 for a bad reason=, 503 when the journal cannot record it.
  std::optional<HttpResponse> Journal(const HttpRequest& req, const TokenRecord& t, journal::What what,
                                      const std::vector<std::string>& accounts) {
    HttpResponse error;
    std::string reason = ReasonParam(req, error);
    if (error.status != 200) return error;
    const journal::AccessContext who{t.name, std::string(auth::Name(t.role)), journal::Via::kApi, std::move(reason)};
    const Status s = access_journal.Record(who, what, accounts, options.now ? options.now() : SystemNow());
    if (s.ok()) return std::nullopt;
    HttpResponse r = ErrorResponse(503, "UNAVAILABLE",
                                   "not answered: every read of a person's data is recorded in the access journal, "
                                   "and this one could not be (" + s.message() + ")");
    r.headers.emplace_back("Retry-After", "2");
    return r;
  }

  static std::optional<HttpResponse> Forbid(const TokenRecord& t, Permission p, const std::string& what) {
    if (auth::Allows(t.role, p)) return std::nullopt;
    return ErrorResponse(403, "PERMISSION_DENIED", "a " + std::string(auth::Name(t.role)) + " token cannot " + what +
                                                       ": that takes " + auth::RolesAllowed(p));
  }

  static HttpResponse OutOfScope(const TokenRecord& t, const std::string& what) {
    return ErrorResponse(403, "PERMISSION_DENIED", what + " is outside this token's scope (" + t.scope.ToString() + ")");
  }

  // 503 from a standby: the writer's address in the body ("writer") and in
  // the Ledger-Writer header, for clients and proxies to send commands there.
  static HttpResponse StandbyResponse(const Status& s, const Readiness& r) {
    Json j{{"error", {{"code", "STANDBY"}, {"message", s.message()}}}};
    if (!r.writer_url.empty()) j["error"]["writer"] = r.writer_url;
    HttpResponse res;
    res.status = 503;
    res.body = query::JsonText(j);
    res.headers.emplace_back("Retry-After", "1");
    if (!r.writer_url.empty()) res.headers.emplace_back("Ledger-Writer", r.writer_url);
    return res;
  }

  // Ready: a writer once loaded and caught up; a standby (another instance
  // writes the topic) once caught up — it serves reads.
  HttpResponse Readyz() {
    const Readiness r = service.readiness();
    const bool ready = (r.writer_loaded || r.standby) && r.caught_up && r.problem.empty();
    Json j{{"status", ready                ? "ready"
                      : !r.problem.empty() ? "failing"
                      : !r.writer_loaded && !r.standby ? "loading"
                                           : "catching_up"},
           {"role", r.writer_loaded ? "writer" : r.standby ? "standby" : "loading"},
           {"writer_loaded", r.writer_loaded},
           {"caught_up", r.caught_up},
           {"lag_records", r.lag_records}};
    if (!r.writer_url.empty()) j["writer"] = r.writer_url;
    if (!r.problem.empty()) j["problem"] = r.problem;
    HttpResponse res = Json200(j);
    if (!ready) res.status = 503;
    return res;
  }

  HttpResponse Stats(const HttpRequest& req, const TokenRecord& t) {
    if (auto e = Forbid(t, Permission::kStats, "read statistics")) return *e;
    if (auto e = UnknownParam(req, {"by", "as_of", "format", "within"})) return *e;
    HttpResponse error;
    std::optional<Scope> scope = ScopeParam(req, error);
    if (!scope) return error;
    std::optional<AccessScope> within;
    if (const std::string* w = req.Param("within")) {
      within = auth::ParseAccessScope(*w);
      if (!within) return BadParam("within: expected national, academy:ID, department:NNN or establishment:UAI");
    }
    std::optional<Date> as_of = DateParam(req, "as_of", error);
    if (error.status != 200) return error;
    const std::string format = FormatParam(req, error);
    if (error.status != 200) return error;
    if (!auth::TableVisible(t.scope, *scope))
      return OutOfScope(t, "the " + std::string(Name(*scope)) + " table (a scoped token reads its own level and below)");
    const std::string key = "stats|" + req.target + "|" + t.scope.ToString();
    const uint64_t version = service.version();
    if (auto hit = cache.Get(key, version)) return *hit;
    Result<StatTable> table = db().Stats(*scope, as_of);
    if (!table.ok()) return FromStatus(table.status());
    auth::ProjectionPlaces places(db());
    StatTable rows = auth::FilterRows(t.scope, *scope, *table, places);
    if (within) rows = auth::FilterRows(*within, *scope, rows, places);
    HttpResponse res = format == "csv" ? Text(200, query::StatsCsv(rows), "text/csv; charset=utf-8")
                                       : Json200(query::StatsJson(rows));
    cache.Put(key, version, res);
    return res;
  }

  HttpResponse Series(const HttpRequest& req, const TokenRecord& t) {
    if (auto e = Forbid(t, Permission::kStats, "read statistics")) return *e;
    if (auto e = UnknownParam(req, {"by", "id", "from", "to", "every", "format"})) return *e;
    HttpResponse error;
    std::optional<Scope> scope = ScopeParam(req, error);
    if (!scope) return error;
    const std::string* id = req.Param("id");
    if (!id || id->empty()) return BadParam("id: the row to follow (\"031\", a UAI, \"FR\"…)");
    std::optional<Date> from = DateParam(req, "from", error), to = DateParam(req, "to", error);
    if (error.status != 200) return error;
    if (!from || !to) return BadParam("from and to: the first and last dates, YYYY-MM-DD");
    std::optional<query::Every> every = query::ParseEvery(req.Param("every") ? *req.Param("every") : "week");
    if (!every) return BadParam("every: expected day, week or month");
    const std::string format = FormatParam(req, error);
    if (error.status != 200) return error;
    auth::ProjectionPlaces places(db());
    if (!auth::RowVisible(t.scope, *scope, *id, places)) return OutOfScope(t, "row " + *id);
    const std::string key = "series|" + req.target + "|" + t.scope.ToString();
    const uint64_t version = service.version();
    if (auto hit = cache.Get(key, version)) return *hit;
    query::SeriesQuery q{*scope, *id, *from, *to, *every};
    auto points = query::ReadStatsSeries(db(), q, options.max_series_points);
    if (!points.ok()) return FromStatus(points.status());
    HttpResponse res = format == "csv" ? Text(200, query::SeriesCsv(q, *points), "text/csv; charset=utf-8")
                                       : Json200(query::SeriesToJson(q, *points));
    cache.Put(key, version, res);
    return res;
  }

  HttpResponse Attention(const HttpRequest& req, const TokenRecord& t) {
    if (auto e = Forbid(t, Permission::kStats, "read the accounts that need attention")) return *e;
    if (auto e = UnknownParam(req, {"uai", "weeks", "reason"})) return *e;
    const std::string* uai = req.Param("uai");
    if (!uai || uai->empty()) return BadParam("uai: the establishment (e.g. 0310001A)");
    if (Status s = ValidateUai(*uai); !s.ok()) return BadParam("uai: " + s.message());
    HttpResponse error;
    const int weeks = WeeksParam(req, error);
    if (error.status != 200) return error;
    auth::ProjectionPlaces places(db());
    if (!auth::RowVisible(t.scope, Scope::kEstablishment, *uai, places)) return OutOfScope(t, "establishment " + *uai);
    const Timestamp now = options.now ? options.now() : SystemNow();
    auto report = query::ReadAttention(db(), *uai, now, weeks);
    if (!report.ok()) return FromStatus(report.status());
    const bool accounts = auth::Allows(t.role, Permission::kAccountView);
    if (accounts)
      if (auto e = Journal(req, t, journal::What::kAttention, ListedAccounts(*report, options.max_attention_accounts)))
        return *e;
    return Json200(query::AttentionToJson(*report, accounts, options.max_attention_accounts));
  }

  HttpResponse PlacesRoute(const HttpRequest& req, const TokenRecord& t) {
    if (auto e = Forbid(t, Permission::kStats, "read place names")) return *e;
    if (auto e = UnknownParam(req, {"department", "uai"})) return *e;
    query::PlaceDirectory::Query q;
    if (const std::string* d = req.Param("department")) q.department = *d;
    if (const std::string* u = req.Param("uai")) q.uai = *u;
    if (!q.department.empty() && !q.uai.empty()) return BadParam("give department= or uai=, not both");
    if (!q.department.empty() && !IsDepartmentCode(q.department))
      return BadParam("department: three characters, e.g. 031 or 02A");
    if (!q.uai.empty())
      if (Status s = ValidateUai(q.uai); !s.ok()) return BadParam("uai: " + s.message());
    std::vector<std::string> departments, academies;
    for (auto [scope, ids] : {std::pair{Scope::kDepartment, &departments}, {Scope::kAcademy, &academies}}) {
      Result<StatTable> table = db().Stats(scope);
      if (!table.ok()) return FromStatus(table.status());
      for (const auto& [cell, c] : *table)
        if (ids->empty() || ids->back() != cell.scope_id) ids->push_back(cell.scope_id);
    }
    Result<Json> j = places.Describe(q, departments, academies);
    if (!j.ok()) return FromStatus(j.status());
    return Json200(*j);
  }

  HttpResponse Search(const HttpRequest& req, const TokenRecord& t) {
    if (auto e = UnknownParam(req, {"login", "ine", "reason"})) return *e;
    const std::string* login = req.Param("login");
    const std::string* ine = req.Param("ine");
    if ((login == nullptr) == (ine == nullptr)) return BadParam("give login= or ine= (one of them)");
    const SearchIndex index = login ? SearchIndex::kLogin : SearchIndex::kIne;
    if (auto e = Forbid(t, index == SearchIndex::kLogin ? Permission::kSearchLogin : Permission::kSearchIne,
                        index == SearchIndex::kLogin ? "search accounts" : "search by INE"))
      return *e;
    auto found = query::SearchAccounts(db(), index, login ? *login : *ine, service_vault());
    if (!found.ok()) return FromStatus(found.status());
    std::vector<AccountView> visible;
    for (AccountView& v : *found)
      if (auth::AccountVisible(t.scope, v)) visible.push_back(auth::VisiblePart(t.scope, std::move(v)));
    if (auto e = Journal(req, t, journal::What::kSearch, IdsOf(visible))) return *e;
    return Json200(query::SearchToJson(visible));
  }

  // The account `id` if the caller may see it; else the answer to give.
  Result<AccountView> VisibleAccount(const TokenRecord& t, const std::string& id, HttpResponse& denied) {
    Result<AccountView> v = query::ReadAccount(db(), id, service_vault());
    if (v.ok() && !auth::AccountVisible(t.scope, *v)) {
      denied = OutOfScope(t, "account " + id);
      return PermissionDenied("out of scope");
    }
    if (!v.ok()) denied = FromStatus(v.status());
    return v;
  }

  HttpResponse Account(const HttpRequest& req, const TokenRecord& t, const std::string& id) {
    if (auto e = Forbid(t, Permission::kAccountView, "read an account")) return *e;
    if (auto e = UnknownParam(req, {"reason"})) return *e;
    HttpResponse denied;
    Result<AccountView> v = VisibleAccount(t, id, denied);
    if (!v.ok()) return denied;
    if (auto e = Journal(req, t, journal::What::kView, {id})) return *e;
    return Json200(ViewToJson(auth::VisiblePart(t.scope, std::move(*v))));
  }

  HttpResponse History(const HttpRequest& req, const TokenRecord& t, const std::string& id) {
    if (auto e = Forbid(t, Permission::kHistory, "read histories")) return *e;
    if (auto e = UnknownParam(req, {"as_of", "verify", "reason"})) return *e;
    HttpResponse error;
    std::optional<Date> as_of = DateParam(req, "as_of", error);
    if (error.status != 200) return error;
    const std::string* verify = req.Param("verify");
    if (verify && *verify != "true" && *verify != "false") return BadParam("verify: expected true or false");
    if (!t.scope.national()) {  // an establishment's own stream has no view: national tokens only
      HttpResponse denied;
      if (!VisibleAccount(t, id, denied).ok()) return denied;
    }
    auto h = query::ReadHistory(db(), {id, as_of, verify && *verify == "true", service_vault()});
    if (!h.ok()) return FromStatus(h.status());
    if (auto e = Journal(req, t, journal::What::kHistory, {id})) return *e;
    return Json200(query::HistoryToJson(*h));
  }

  HttpResponse Links(const HttpRequest& req, const TokenRecord& t, const std::string& id) {
    if (auto e = Forbid(t, Permission::kLinks, "read links")) return *e;
    if (auto e = UnknownParam(req, {"reason"})) return *e;
    auto l = query::ReadLinks(db(), id, service_vault());
    if (!l.ok()) return FromStatus(l.status());
    if (!auth::AccountVisible(t.scope, l->view)) return OutOfScope(t, "account " + id);
    if (!t.scope.national()) {  // a guardian's links to pupils elsewhere, and what is said of them, stay out
      std::vector<std::string> hidden;
      for (const LinkView& link : l->links)
        if (!auth::LinkVisible(t.scope, link)) hidden.push_back(link.pupil);
      std::erase_if(l->links, [&](const LinkView& link) { return !auth::LinkVisible(t.scope, link); });
      std::erase_if(l->findings, [&](const std::string& f) {
        return std::any_of(hidden.begin(), hidden.end(), [&](const std::string& p) { return f.find(p) != std::string::npos; });
      });
    }
    if (auto e = Journal(req, t, journal::What::kLinks, {id})) return *e;
    return Json200(query::LinksToJson(*l));
  }

  HttpResponse Quarantine(const HttpRequest& req, const TokenRecord& t) {
    if (auto e = Forbid(t, Permission::kQuarantine, "read the quarantine")) return *e;
    if (auto e = UnknownParam(req, {})) return *e;
    if (!t.scope.national()) return OutOfScope(t, "the quarantine (records of every scope, undecoded)");
    auto q = db().Quarantine();
    if (!q.ok()) return FromStatus(q.status());
    return Json200(query::QuarantineJson(*q));
  }

  HttpResponse Commands(const HttpRequest& req, const TokenRecord& t) {
    if (auto e = Forbid(t, Permission::kSupportCommands, "submit commands")) return *e;
    if (auto e = UnknownParam(req, {})) return *e;
    Result<std::vector<Command>> batch = ParseCommandBatch(req.body, options.max_commands);
    if (!batch.ok()) return FromStatus(batch.status());
    const bool any_command = auth::Allows(t.role, Permission::kSubmitCommands);
    auth::ProjectionPlaces places(db());
    auto views = [&](const std::string& id) -> std::optional<AccountView> {
      auto v = db().View(id);
      return v.ok() ? *v : std::nullopt;
    };
    for (size_t i = 0; i < batch->size(); ++i) {
      const Command& c = (*batch)[i];
      const std::string where = "commands[" + std::to_string(i) + "]";
      if (!any_command && (c.actor.kind != ActorKind::kAcademySupport || c.actor.id != t.name))
        return ErrorResponse(403, "PERMISSION_DENIED",
                             where + ": an " + std::string(auth::Name(t.role)) +
                                 " token submits academy support's commands as itself: actor {\"kind\":"
                                 "\"academy_support\",\"id\":\"" + t.name + "\"}");
      if (std::string why = auth::CommandOutOfScope(c, t.scope, views, places); !why.empty())
        return ErrorResponse(403, "PERMISSION_DENIED", where + ": " + why);
      if (std::string why = auth::ErasureRefused(c, t.role, t.scope); !why.empty())
        return ErrorResponse(403, "PERMISSION_DENIED", where + ": " + why);
    }
    std::vector<CommandId> ids;
    for (const Command& c : *batch) ids.push_back(c.id);
    std::future<LedgerService::BatchResult> pending = service.Submit(std::move(*batch));
    if (pending.wait_for(options.commit_timeout) != std::future_status::ready)
      return FromStatus(Unavailable("the group commit did not answer within " +
                                    std::to_string(options.commit_timeout.count()) +
                                    " s: resubmit the same command ids (nothing is applied twice)"));
    LedgerService::BatchResult results = pending.get();
    if (!results.ok()) {
      const Readiness r = service.readiness();
      if (results.status().code() == StatusCode::kUnavailable && r.standby) return StandbyResponse(results.status(), r);
      return FromStatus(results.status());
    }
    Json arr = Json::array();
    for (size_t i = 0; i < results->size(); ++i) arr.push_back(OutcomeToJson(ids[i], (*results)[i]));
    HttpResponse res;
    res.body = Json{{"results", arr}}.dump() + "\n";
    return res;
  }
};

Api::Api(LedgerService& service, ServerMetrics& metrics, TokenCache& tokens, ApiOptions options)
    : impl_(new Impl{service, metrics, tokens, options}) {}
Api::~Api() = default;
HttpResponse Api::Handle(const HttpRequest& req) { return impl_->Handle(req); }

}  // namespace ledger::server
