#include "ops/query/accounts.h"

#include "ops/query/history.h"
#include "projections/view_codec.h"

namespace ledger::query {

Result<AccountView> ReadAccount(const ProjectionDb& db, const std::string& account) {
  LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> view, db.View(account));
  if (!view) return NoSuchAccount(account);
  return std::move(*view);
}

Result<std::vector<AccountView>> SearchAccounts(const ProjectionDb& db, SearchIndex index,
                                                const std::string& value) {
  const std::string key = SearchKey(index, value);
  if (key.empty()) return InvalidArgument(std::string(Name(index)) + ": empty value");
  LEDGER_ASSIGN_OR_RETURN(std::vector<std::string> ids, db.FindAccounts(index, key));
  std::vector<AccountView> out;
  for (const std::string& id : ids) {
    LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> v, db.View(id));
    if (v) out.push_back(std::move(*v));
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
