// Search keys: how the projection's account indexes (login, INE) turn the
// value a person types into the key they are stored and looked up under.
//
// Today the key is the normalised value itself. The privacy work turns it into
// a keyed hash (BLAKE2b with a deployment secret): that changes SearchKey()
// only — the index's structure (one entry per key and account, see
// projection_db.h) and every caller stay as they are.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ledger {

enum class SearchIndex : uint8_t { kLogin, kIne };
std::string_view Name(SearchIndex i);  // "login", "ine"
std::optional<SearchIndex> ParseSearchIndex(std::string_view s);

// Logins compare without case ("P.Martin12" finds "p.martin12"); INEs are
// upper case. Surrounding blanks are ignored. Empty for an empty value.
std::string SearchKey(SearchIndex index, std::string_view value);

}  // namespace ledger
