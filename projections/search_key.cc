#include "projections/search_key.h"

#include "events/privacy/key_vault.h"

namespace ledger {

std::string_view Name(SearchIndex i) { return i == SearchIndex::kLogin ? "login" : "ine"; }

std::optional<SearchIndex> ParseSearchIndex(std::string_view s) {
  if (s == "login") return SearchIndex::kLogin;
  if (s == "ine") return SearchIndex::kIne;
  return std::nullopt;
}

std::string SearchKey(SearchIndex index, std::string_view value) {
  return index == SearchIndex::kLogin ? privacy::NormalizeLogin(value) : privacy::NormalizeIne(value);
}

std::string KeyedSearchKey(std::string_view keyed_hash) {
  return keyed_hash.empty() ? std::string() : "\x01" + std::string(keyed_hash);
}

}  // namespace ledger
