// Search keys: how the projection's account indexes (login, INE) turn the
// value a person types into the key they are stored and looked up under.
//
// Schema 1 events are indexed under the normalised value itself (SearchKey).
// Schema 2 events carry keyed hashes of their login and INE (BLAKE2b keyed
// with the deployment's lookup secret, events/privacy/lookup_key.h), indexed
// under KeyedSearchKey(hash): a reader computes the same hash from what was
// typed (it needs the master key), so the store never holds a login or an
// INE in clear. Both kinds live in one index (projection_db.h), apart.
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

// The index key of a keyed hash (hex): 0x01 then the hash, never equal to a
// SearchKey (no typed value starts with a control character). Empty for empty.
std::string KeyedSearchKey(std::string_view keyed_hash);

}  // namespace ledger
