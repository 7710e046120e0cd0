// Api: ledgerd's routes (ARCHITECTURE.md §7), answered from the live
// projections through ops/query — the very functions `ledger` prints — and
// the service's writer for commands.
//
//   GET  /healthz                       none        "ok"
//   GET  /readyz                        none        200 once the writer is loaded and the
//                                                   projections caught up, else 503; JSON with the lag
//   GET  /metrics                       none        Prometheus text format
//   GET  /v1/stats?by=&as_of=&format=   stats       CSV (format=csv, byte-identical to `ledger stats
//                                                   --format csv`) or JSON (default)
//                        &within=       stats       only the rows inside a place: department:031,
//                                                   establishment:UAI (the dashboard's drill-down)
//   GET  /v1/stats/series?by=&id=&from=&to=&every=&format=    stats
//   GET  /v1/places?department=|uai=    stats       names of académies, departments, establishments,
//                                                   the school year and published figures (ops/query/places.h)
//   GET  /v1/attention?uai=&weeks=      stats       comptes à surveiller (ops/query/attention.h):
//                                                   counts; the accounts too for view roles
//   GET  /v1/accounts?login=  (?ine=)   search      {"matches":[view…]} in scope
//   GET  /v1/accounts/ID                view        the account view
//   GET  /v1/accounts/ID/history?as_of=&verify=     history (auditor)
//   GET  /v1/accounts/ID/links          links       as `ledger links diagnose --format json`
//   GET  /v1/quarantine                 quarantine  as `ledger quarantine list --format json`
//   POST /v1/commands                   commands    {"results":[…]} (§7)
//
// Every read of a person's data (an account view, a history, links, each
// search hit, each account /v1/attention lists for a view role) is recorded in
// the access journal, DATA/access-journal.jsonl (ops/journal: group commits),
// with the token's name and role and ?reason= (a ticket reference, accepted by
// those routes), before it is answered; when it cannot be, 503.
// Roles and scopes: ops/auth/access.h. Errors: {"error":{"code","message"}}
// with 400 (naming the parameter), 401, 403, 404, 405, 413, 503. Unknown
// query parameters are refused (400): a typo must not silently answer
// another question. Statistics answers are cached per (query, scope) until
// the projections next change. Thread-safety: Handle from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "ops/server/http_server.h"
#include "ops/server/metrics.h"
#include "ops/server/token_cache.h"
#include "ops/service/ledger_service.h"

namespace ledger::server {

struct ApiOptions {
  size_t max_commands = 1000;                   // per POST /v1/commands
  std::chrono::seconds commit_timeout{30};      // waiting for the group commit
  size_t max_series_points = 1000;
  size_t max_attention_accounts = 2000;         // listed per establishment (counts cover all)
  std::function<Timestamp()> now;               // the attention cases' clock; system clock when empty
  std::string data_dir;                         // --data: profile.json, establishments.tsv (/v1/places),
                                                // access-journal.jsonl
};

class Api {
 public:
  Api(LedgerService& service, ServerMetrics& metrics, TokenCache& tokens, ApiOptions options);
  ~Api();
  HttpResponse Handle(const HttpRequest& req);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger::server
