// Secret32: a 32-byte secret (master key, data key, lookup secret) that wipes
// itself (sodium_memzero) when it goes away. Value type; thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ledger::privacy {

class Secret32 {
 public:
  Secret32() = default;
  Secret32(const Secret32&) = default;
  Secret32& operator=(const Secret32&) = default;
  ~Secret32();

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  static constexpr size_t size() { return 32; }

  static Secret32 Random();
  // Hex (64 characters) and back; FromHex fails (false) on anything else.
  std::string ToHex() const;
  static bool FromHex(std::string_view hex, Secret32& out);

 private:
  std::array<uint8_t, 32> bytes_{};
};

// sodium_init() once per process; aborts if libsodium cannot work at all.
void EnsureSodium();

}  // namespace ledger::privacy
