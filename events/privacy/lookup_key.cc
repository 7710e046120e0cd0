#include "events/privacy/lookup_key.h"

#include <sodium.h>

#include <array>

namespace ledger::privacy {

Secret32 DeriveSubkey(const Secret32& master, Subkey id) {
  EnsureSodium();
  static_assert(crypto_kdf_KEYBYTES == 32 && crypto_kdf_CONTEXTBYTES == 8);
  Secret32 out;
  crypto_kdf_derive_from_key(out.data(), out.size(), static_cast<uint64_t>(id), "ledgerpv", master.data());
  return out;
}

LookupKeyer LookupKeyer::FromMasterKey(const Secret32& master) {
  return LookupKeyer(DeriveSubkey(master, Subkey::kLookup));
}

std::string LookupKeyer::Key(std::string_view domain, std::string_view value) const {
  EnsureSodium();
  crypto_generichash_state st;
  crypto_generichash_init(&st, secret_.data(), secret_.size(), 16);
  const unsigned char zero = 0;
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(domain.data()), domain.size());
  crypto_generichash_update(&st, &zero, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(value.data()), value.size());
  std::array<unsigned char, 16> digest;
  crypto_generichash_final(&st, digest.data(), digest.size());
  std::string hex(2 * digest.size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

}  // namespace ledger::privacy
