#include "events/identifiers.h"

#include <gtest/gtest.h>

namespace ledger {
namespace {

TEST(UaiTest, AcceptsRealUais) {
  // From the annuaire de l'éducation (035 and 094).
  for (const char* uai : {"0350122T", "0350165P", "0350192U", "0940176F", "0940198E"})
    EXPECT_TRUE(ValidateUai(uai).ok()) << uai;
  EXPECT_EQ(DepartmentOfUai(Uai("0940176F")), "094");
}

TEST(UaiTest, MakeUaiGivesTheRealCheckLetters) {
  EXPECT_EQ(MakeUai(350122), "0350122T");
  EXPECT_EQ(MakeUai(940176), "0940176F");
  EXPECT_EQ(MakeUai(9740001), "9740001" + std::string(1, "ABCDEFGHJKLMNPRSTUVWXYZ"[9740001 % 23]));
  for (uint32_t n : {0u, 310001u, 9999999u}) EXPECT_TRUE(ValidateUai(MakeUai(n)).ok()) << n;
}

TEST(UaiTest, RejectsWithTheReason) {
  Status s = ValidateUai("0350122A");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("check letter should be 'T'"), std::string::npos) << s.message();
  EXPECT_FALSE(ValidateUai("035012T").ok());
  EXPECT_FALSE(ValidateUai("03501X2T").ok());
  EXPECT_FALSE(ValidateUai("").ok());
}

TEST(IneTest, AcceptsBothShapes) {
  EXPECT_TRUE(ValidateIne("1234567890A").ok());
  EXPECT_TRUE(ValidateIne("123456789AB").ok());
  EXPECT_FALSE(ValidateIne("12345678901").ok());  // no key letter
  EXPECT_FALSE(ValidateIne("1234567890").ok());
  EXPECT_FALSE(ValidateIne("A234567890B").ok());
  EXPECT_FALSE(ValidateIne("123456789ab").ok());
}

// Reference values of the Java client's Utils.murmur2 (Kafka's own unit test).
TEST(PartitionerTest, Murmur2MatchesJavaClient) {
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Murmur2("abc"), 479470107);
}

TEST(PartitionerTest, PositiveModulo) {
  for (int n : {1, 3, 12, 64}) {
    int32_t p = PartitionForKey("acc-000042", n);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, n);
    EXPECT_EQ(p, static_cast<int32_t>((static_cast<uint32_t>(Murmur2("acc-000042")) & 0x7fffffff) % n));
  }
}

}  // namespace
}  // namespace ledger
