// The statistics table encoding: folding a delta into encoded bytes in one
// pass equals decoding, adding and encoding again.
#include "projections/view_codec.h"

#include <random>

#include <gtest/gtest.h>

namespace ledger {
namespace {

StatTable RandomTable(std::mt19937& rng, int cells) {
  StatTable t;
  std::uniform_int_distribution<int> id(0, 60), prof(0, 1), level(0, 4), n(-3, 3);
  for (int i = 0; i < cells; ++i) {
    StatCell c{Scope::kClass, "0350033W/" + std::to_string(id(rng)) + (id(rng) % 2 ? "A" : "\xc3\xa9"),
               static_cast<AccountKind>(prof(rng)), static_cast<StatLevel>(level(rng))};
    t[c] += StatCounts{n(rng), n(rng), n(rng)};
  }
  return t;
}

TEST(ViewCodecTest, FoldingADeltaIntoEncodedBytesEqualsDecodingAddingAndEncoding) {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    StatTable base = RandomTable(rng, round % 50 * 4), delta = RandomTable(rng, round % 7);
    const std::string encoded = EncodeStatTable(base);
    Result<std::string> folded = AddToEncodedStatTable(encoded, delta);
    ASSERT_TRUE(folded.ok());
    StatTable sum = *DecodeStatTable(encoded, Scope::kClass);
    Accumulate(sum, delta);
    ASSERT_EQ(*folded, EncodeStatTable(sum)) << "round " << round;
  }
  EXPECT_EQ(AddToEncodedStatTable(std::string("\x05\x00" "ab", 4), {}).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace ledger
