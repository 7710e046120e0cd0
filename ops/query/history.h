// An account's verifiable history, read from the projections (no log scan):
// the query behind `ledger history` and `GET /v1/accounts/ID/history`.
//
// ReadHistory returns the stream's events (up to the end of `as_of`, UTC),
// each with the delegation a staff actor used, and — with `verify` — checks
// the whole BLAKE2b chain first. HistoryToJson is the one JSON form both faces
// print (`ledger history --format json` and the API answer the same bytes).
// Privacy: personal fields are shown opened only with a vault (HistoryQuery),
// "[erased]" once the key is destroyed; every read is journalled by the faces.
// Pure functions of the store; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/json.h"
#include "events/personal_data.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger::query {

struct HistoryQuery {
  std::string account;
  std::optional<Date> as_of;
  bool verify = false;
  // Opens the personal fields (the auditor's full record); without it they
  // stay sealed ("personal_data": "encrypted"). "[erased]" once erased.
  PersonalDataVault* vault = nullptr;
};

// The delegation a staff actor acted through, found in the establishment's stream.
struct DelegationUsed {
  bool found = false;
  std::string stream;  // "uai:0350033W"
  Module module = Module::kAccountsAdmin;
  std::string granted_by;
  Date granted_on, valid_until;
  // "accounts_admin delegation granted by head-0350033W on 2026-09-01, valid until 2027-08-31"
  std::string Describe() const;
};

struct HistoryEntry {
  Event event;
  std::optional<DelegationUsed> delegation;  // staff actors with a module only
};

struct AccountHistory {
  std::string account;
  std::optional<AccountView> view;
  size_t total_events = 0;             // in the stream, whatever as_of
  std::vector<HistoryEntry> entries;   // those up to as_of
  std::optional<Date> as_of;
  bool verified = false;
  Hash head{};                         // with verified: the chain head of all events
};

// NotFound (naming the id and what to do) when the account has no event;
// DataLoss naming the stream and seq when `verify` finds a broken chain.
Result<AccountHistory> ReadHistory(const ProjectionDb& db, const HistoryQuery& q);

Json HistoryToJson(const AccountHistory& h);

// A payload for people: names, birth date and INE left out.
// NotFound for an account id the ledger does not know.
Status NoSuchAccount(const std::string& account);

}  // namespace ledger::query
