#include "events/identifiers.h"

#include <cstring>
#include <string>

namespace ledger {
namespace {

constexpr std::string_view kUaiLetters = "ABCDEFGHJKLMNPRSTUVWXYZ";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

Status ValidateUai(std::string_view t) {
  const std::string shown(t);
  if (t.size() != 8)
    return InvalidArgument("UAI '" + shown + "': expected 7 digits and a check letter (8 characters)");
  uint32_t n = 0;
  for (int i = 0; i < 7; ++i) {
    if (!IsDigit(t[i])) return InvalidArgument("UAI '" + shown + "': the first 7 characters must be digits");
    n = n * 10 + static_cast<uint32_t>(t[i] - '0');
  }
  char expected = kUaiLetters[n % 23];
  if (t[7] != expected)
    return InvalidArgument("UAI '" + shown + "': check letter should be '" + std::string(1, expected) + "'");
  return OkStatus();
}

std::string MakeUai(uint32_t n) {
  std::string uai(8, '0');
  for (int i = 6, v = static_cast<int>(n % 10000000); i >= 0; --i, v /= 10) uai[i] = static_cast<char>('0' + v % 10);
  uai[7] = kUaiLetters[(n % 10000000) % 23];
  return uai;
}

Status ValidateIne(std::string_view t) {
  bool ok = t.size() == 11;
  for (size_t i = 0; ok && i < 9; ++i) ok = IsDigit(t[i]);
  if (ok) ok = IsDigit(t[9]) || IsUpper(t[9]);
  if (ok) ok = IsUpper(t[10]);
  if (!ok)
    // The value is not echoed: an INE identifies a child (ARCHITECTURE §9).
    return InvalidArgument("malformed INE (" + std::to_string(t.size()) +
                           " characters): expected 11 characters, 9 digits then a digit or capital "
                           "letter then a capital letter");
  return OkStatus();
}

std::string_view DepartmentOfUai(const Uai& uai) {
  return std::string_view(uai.str()).substr(0, 3);
}

int32_t Murmur2(std::string_view key) {
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t m = 0x5bd1e995;
  constexpr int r = 24;
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  size_t len = key.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(len);
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    uint32_t k = static_cast<uint32_t>(data[i]) | static_cast<uint32_t>(data[i + 1]) << 8 |
                 static_cast<uint32_t>(data[i + 2]) << 16 | static_cast<uint32_t>(data[i + 3]) << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (len - i) {
    case 3: h ^= static_cast<uint32_t>(data[i + 2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint32_t>(data[i + 1]) << 8; [[fallthrough]];
    case 1: h ^= data[i]; h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t PartitionForKey(std::string_view key, int32_t partition_count) {
  return static_cast<int32_t>((static_cast<uint32_t>(Murmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partition_count));
}

}  // namespace ledger
