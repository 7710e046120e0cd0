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

#include "events/personal_data.h"

namespace ledger::query {

// Personal data: with a vault (events/personal_data.h), a view's sealed login
// is opened ("[erased]" once its key is destroyed); without one it stays
// sealed and the JSON says "personal_data": "encrypted". A search matches
// schema 1 accounts by value and schema 2 accounts by the keyed hash of the
// value (which needs the vault; without it they are not found).

// NotFound for an unknown account.
Result<AccountView> ReadAccount(const ProjectionDb& db, const std::string& account,
                                PersonalDataVault* vault = nullptr);

// The views of the accounts indexed under `value` (normalised by SearchKey);
// empty when none. InvalidArgument for an empty value.
Result<std::vector<AccountView>> SearchAccounts(const ProjectionDb& db, SearchIndex index,
                                                const std::string& value, PersonalDataVault* vault = nullptr);

// Opens the view's sealed login with `vault` (no-op without one, or for schema 1).
Status OpenView(AccountView& v, PersonalDataVault* vault);

// {"matches":[<view>, …]} — the value searched for is not echoed.
Json SearchToJson(const std::vector<AccountView>& matches);

// [{"partition":…,"offset":…,"key":…,"bytes":…,"reason":…}, …]
Json QuarantineJson(const std::vector<QuarantineEntry>& entries);

}  // namespace ledger::query
