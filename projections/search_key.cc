#include "projections/search_key.h"

#include <cctype>

namespace ledger {

std::string_view Name(SearchIndex i) { return i == SearchIndex::kLogin ? "login" : "ine"; }

std::optional<SearchIndex> ParseSearchIndex(std::string_view s) {
  if (s == "login") return SearchIndex::kLogin;
  if (s == "ine") return SearchIndex::kIne;
  return std::nullopt;
}

std::string SearchKey(SearchIndex index, std::string_view value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  std::string key(value);
  for (char& c : key) {
    unsigned char u = static_cast<unsigned char>(c);
    c = static_cast<char>(index == SearchIndex::kLogin ? std::tolower(u) : std::toupper(u));
  }
  return key;
}

}  // namespace ledger
