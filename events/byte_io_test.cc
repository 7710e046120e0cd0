// ByteWriter / ByteReader: both ways of writing integers read back exactly at
// their limits, a varint takes the bytes its value needs, and damaged bytes
// (cut short, overlong, out of range, left over) are DataLoss naming why.
#include "events/byte_io.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ledger {
namespace {

constexpr uint8_t kForm = 9;

TEST(ByteIoTest, IntegersAtTheirLimitsReadBackInBothWays) {
  const std::vector<uint64_t> unsigned_values = {0, 1, 127, 128, 16383, 16384, uint64_t{1} << 63,
                                                 std::numeric_limits<uint64_t>::max()};
  const std::vector<int64_t> signed_values = {0, -1, 1, -64, 64, 1'780'000'000'000'000,
                                              std::numeric_limits<int64_t>::min(),
                                              std::numeric_limits<int64_t>::max()};
  for (Ints ints : {Ints::kFixed, Ints::kVarint}) {
    std::string bytes;
    ByteWriter w(bytes, kForm, ints);
    for (uint64_t u : unsigned_values) w.U64(u);
    for (int64_t i : signed_values) w.I64(i);
    w.Str("acc-7f3a");
    ByteReader r(bytes, kForm, "a sample", ints);
    for (uint64_t u : unsigned_values) EXPECT_EQ(r.U64(), u);
    for (int64_t i : signed_values) EXPECT_EQ(r.I64(), i);
    EXPECT_EQ(r.Str(), "acc-7f3a");
    EXPECT_TRUE(r.Done().ok()) << r.Done().ToString();
  }
}

TEST(ByteIoTest, AVarintTakesTheBytesItsValueNeeds) {
  auto size = [](auto write) {
    std::string bytes;
    ByteWriter w(bytes, kForm, Ints::kVarint);
    write(w);
    return bytes.size() - 1;  // the format byte
  };
  EXPECT_EQ(size([](ByteWriter& w) { w.U64(0); }), 1u);
  EXPECT_EQ(size([](ByteWriter& w) { w.U64(127); }), 1u);
  EXPECT_EQ(size([](ByteWriter& w) { w.U64(128); }), 2u);
  EXPECT_EQ(size([](ByteWriter& w) { w.U64(std::numeric_limits<uint64_t>::max()); }), 10u);
  EXPECT_EQ(size([](ByteWriter& w) { w.I64(-1); }), 1u);  // zigzag: 1
  EXPECT_EQ(size([](ByteWriter& w) { w.I64(-64); }), 1u);
  EXPECT_EQ(size([](ByteWriter& w) { w.I64(64); }), 2u);
  EXPECT_EQ(size([](ByteWriter& w) { w.Str("abc"); }), 4u);
  std::string fixed;
  ByteWriter f(fixed, kForm);
  f.Str("abc");
  EXPECT_EQ(fixed.size() - 1, 11u);
}

TEST(ByteIoTest, DamagedVarintsAreDataLossNamingWhy) {
  // A reader reads the bytes in place: they must outlive it.
  auto read = [](const std::string& bytes) {
    const std::string in = std::string(1, static_cast<char>(kForm)) + bytes;
    ByteReader r(in, kForm, "a sample", Ints::kVarint);
    r.U64();
    return r.Done();
  };
  // Cut short: every byte says another follows.
  Status cut = read("\x80\x80");
  EXPECT_EQ(cut.code(), StatusCode::kDataLoss);
  EXPECT_NE(cut.message().find("a sample: it is cut short"), std::string::npos) << cut.ToString();
  // Past 64 bits: a tenth byte above 1, or an eleventh.
  Status over = read(std::string(9, '\xff') + "\x02");
  EXPECT_NE(over.message().find("a value out of range"), std::string::npos) << over.ToString();
  Status eleven = read(std::string(10, '\xff') + "\x01");
  EXPECT_EQ(eleven.code(), StatusCode::kDataLoss);
  // A string longer than what is left.
  const std::string short_string = std::string(1, static_cast<char>(kForm)) + "\x05" + "abc";
  ByteReader s(short_string, kForm, "a sample", Ints::kVarint);
  EXPECT_EQ(s.Str(), "");
  EXPECT_NE(s.Done().message().find("cut short"), std::string::npos);
  // Left over, and another form's byte.
  EXPECT_NE(read("\x01\x01").message().find("bytes left over"), std::string::npos);
  ByteReader other("\x01\x00", kForm, "a sample", Ints::kVarint);
  EXPECT_NE(other.Done().message().find("an unknown format"), std::string::npos);
}

}  // namespace
}  // namespace ledger
