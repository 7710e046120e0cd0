#include "ops/query/accounts.h"

#include "ops/query/history.h"
#include "projections/view_codec.h"

namespace ledger::query {

Status OpenView(AccountView& v, PersonalDataVault* vault) {
  if (vault == nullptr || v.personal != PersonalData::kSealed) return OkStatus();
  AccountCreated fields;
  fields.sealed = v.sealed;
  fields.personal = PersonalData::kSealed;
  LEDGER_RETURN_IF_ERROR(vault->Open(StreamId(v.id), fields));
  v.login = fields.login;
  v.personal = fields.personal;
  return OkStatus();
}

Result<AccountView> ReadAccount(const ProjectionDb& db, const std::string& account, PersonalDataVault* vault) {
  LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> view, db.View(account));
  if (!view) return NoSuchAccount(account);
  LEDGER_RETURN_IF_ERROR(OpenView(*view, vault));
  return std::move(*view);
}

Result<std::vector<AccountView>> SearchAccounts(const ProjectionDb& db, SearchIndex index,
                                                const std::string& value, PersonalDataVault* vault) {
  const std::string key = SearchKey(index, value);
  if (key.empty()) return InvalidArgument(std::string(Name(index)) + ": empty value");
  LEDGER_ASSIGN_OR_RETURN(std::vector<std::string> ids, db.FindAccounts(index, key));
  if (vault != nullptr) {
    LEDGER_ASSIGN_OR_RETURN(std::vector<std::string> keyed,
                            db.FindAccounts(index, KeyedSearchKey(vault->KeyedLookup(Name(index), key))));
    ids.insert(ids.end(), keyed.begin(), keyed.end());
  }
  std::vector<AccountView> out;
  for (const std::string& id : ids) {
    LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> v, db.View(id));
    if (!v) continue;
    LEDGER_RETURN_IF_ERROR(OpenView(*v, vault));
    out.push_back(std::move(*v));
  }
  return out;
}

Json SearchToJson(const std::vector<AccountView>& matches) {
  Json arr = Json::array();
  for (const AccountView& v : matches) arr.push_back(ViewToJson(v));
  return Json{{"matches", arr}};
}

Json QuarantineJson(const std::vector<QuarantineEntry>& entries) {
  Json arr = Json::array();
  for (const auto& e : entries)
    arr.push_back(Json{{"partition", e.partition}, {"offset", e.offset}, {"key", e.key},
                       {"bytes", e.bytes}, {"reason", e.reason}});
  return arr;
}

}  // namespace ledger::query
