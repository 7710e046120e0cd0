// LookupKeyer: keyed hashes for finding a person without holding their data
// in clear (ARCHITECTURE.md §9 "Lookups without clear text").
//
//   Key(domain, value) = hex( BLAKE2b-128 keyed with the lookup secret,
//                             over domain ‖ 0x00 ‖ value )
//
// Domains in use: "login" and "ine" (search indexes, re-import matching of
// pupils), "match" (guardians' matching keys), "account" (import account ids),
// "import-index" (the fingerprint that tells the importer's index which secret
// built it: ops/import/ledger_index.h).
// Callers normalise the value first (projections/search_key.h,
// ops/import/normalize.h). The lookup secret is derived from the master key
// (crypto_kdf, its own subkey id), so two deployments produce unrelated keys,
// and whoever holds the log without the master key cannot test guesses
// (a phone number has few digits; a keyed hash cannot be tried offline).
// Value type; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "events/privacy/secret.h"

namespace ledger::privacy {

class LookupKeyer {
 public:
  explicit LookupKeyer(const Secret32& secret) : secret_(secret) {}
  static LookupKeyer FromMasterKey(const Secret32& master);

  std::string Key(std::string_view domain, std::string_view value) const;

 private:
  Secret32 secret_;
};

// The subkeys of the master key (crypto_kdf_derive_from_key, context "ledgerpv").
enum class Subkey : uint64_t { kWrap = 1, kLookup = 2 };
Secret32 DeriveSubkey(const Secret32& master, Subkey id);

}  // namespace ledger::privacy
