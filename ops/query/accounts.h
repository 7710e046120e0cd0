// Account look-ups: one account's view, search by login or INE (a projection
// index, never a log scan), and the quarantine list — the queries behind
// `ledger search`, `ledger quarantine list` and `GET /v1/accounts…`,
// `GET /v1/quarantine`. The *Json functions are the one JSON form both faces
// print. Pure functions of the store; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "events/json.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger::query {

// NotFound for an unknown account.
Result<AccountView> ReadAccount(const ProjectionDb& db, const std::string& account);

// The views of the accounts indexed under `value` (normalised by SearchKey);
// empty when none. InvalidArgument for an empty value.
Result<std::vector<AccountView>> SearchAccounts(const ProjectionDb& db, SearchIndex index,
                                                const std::string& value);

// {"matches":[<view>, …]} — the value searched for is not echoed.
Json SearchToJson(const std::vector<AccountView>& matches);

// [{"partition":…,"offset":…,"key":…,"bytes":…,"reason":…}, …]
Json QuarantineJson(const std::vector<QuarantineEntry>& entries);

}  // namespace ledger::query
