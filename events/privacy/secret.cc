#include "events/privacy/secret.h"

#include <sodium.h>

#include <cstdlib>

namespace ledger::privacy {

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) std::abort();  // no usable random source: nothing to recover
    return true;
  }();
  (void)ready;
}

Secret32::~Secret32() { sodium_memzero(bytes_.data(), bytes_.size()); }

Secret32 Secret32::Random() {
  EnsureSodium();
  Secret32 s;
  randombytes_buf(s.data(), s.size());
  return s;
}

std::string Secret32::ToHex() const {
  std::string hex(2 * size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data(), size());
  hex.pop_back();
  return hex;
}

bool Secret32::FromHex(std::string_view hex, Secret32& out) {
  if (hex.size() != 2 * size()) return false;
  size_t len = 0;
  return sodium_hex2bin(out.data(), size(), hex.data(), hex.size(), nullptr, &len, nullptr) == 0 &&
         len == size();
}

}  // namespace ledger::privacy
