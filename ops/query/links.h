// An account's guardian↔pupil links both ways, with what an assistance agent
// should look at: the query behind `ledger links diagnose` and
// `GET /v1/accounts/ID/links`. LinksToJson is the one JSON form both faces print.
// Pure functions of the store; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "events/json.h"
#include "projections/rocksdb/projection_db.h"

#include "events/personal_data.h"

namespace ledger::query {

struct AccountLinks {
  std::string account;
  AccountView view;
  std::vector<LinkView> links;        // a guardian's own, or every guardian's link to a pupil
  std::vector<std::string> findings;  // a dispute to settle, a link left behind by a transfer…
};

// NotFound for an unknown account.
// With a vault, the account's login is opened (accounts.h OpenView).
Result<AccountLinks> ReadLinks(const ProjectionDb& db, const std::string& account,
                               PersonalDataVault* vault = nullptr);

Json LinksToJson(const AccountLinks& l);

// "2026-09-02 07:00:00" (UTC), "" for an unset time.
std::string When(Timestamp t);

}  // namespace ledger::query
