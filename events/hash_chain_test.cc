#include "events/hash_chain.h"

#include <gtest/gtest.h>

#include "events/testing/sample_events.h"

namespace ledger {
namespace {

std::vector<DecodedRecord> Decode(const std::vector<std::string>& records) {
  std::vector<DecodedRecord> out;
  for (const auto& r : records) out.push_back(DecodeRecord(r).value());
  return out;
}

TEST(HashChainTest, SampleChainVerifies) {
  std::vector<std::string> records;
  testing::SampleChain(StreamId("acc-1"), &records);
  ChainVerifier v;
  for (const auto& d : Decode(records)) ASSERT_TRUE(v.Add(d).ok());
  EXPECT_EQ(v.streams(), 1u);
}

TEST(HashChainTest, FirstEventChainsFromZero) {
  auto events = testing::SampleChain(StreamId("acc-1"));
  EXPECT_EQ(events[0].prev_hash, Hash{});
  EXPECT_EQ(events[1].prev_hash, events[0].hash);
  EXPECT_EQ(HexOf(events[0].hash).size(), 64u);
}

TEST(HashChainTest, DetectsAlteredBody) {
  std::vector<std::string> records;
  testing::SampleChain(StreamId("acc-1"), &records);
  auto decoded = Decode(records);
  decoded[3].body[decoded[3].body.size() / 2] ^= 1;
  ChainVerifier v;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(v.Add(decoded[i]).ok());
  Status s = v.Add(decoded[3]);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("stream acc-1 seq 4"), std::string::npos) << s.message();
}

TEST(HashChainTest, DetectsGapDuplicateAndBrokenLink) {
  std::vector<std::string> records;
  testing::SampleChain(StreamId("acc-1"), &records);
  auto d = Decode(records);
  {
    ChainVerifier v;
    ASSERT_TRUE(v.Add(d[0]).ok());
    Status s = v.Add(d[2]);
    EXPECT_EQ(s.code(), StatusCode::kInternal);
    EXPECT_NE(s.message().find("gap"), std::string::npos);
  }
  {
    ChainVerifier v;
    ASSERT_TRUE(v.Add(d[0]).ok());
    ASSERT_TRUE(v.Add(d[1]).ok());
    EXPECT_NE(v.Add(d[1]).message().find("duplicate"), std::string::npos);
  }
  {
    // A record re-sealed with a wrong prev_hash: its own hash is consistent,
    // but it does not continue the chain.
    Event e = d[1].event;
    e.prev_hash[0] ^= 0xff;
    std::string rec = SealEvent(e);
    ChainVerifier v;
    ASSERT_TRUE(v.Add(d[0]).ok());
    Status s = v.Add(DecodeRecord(rec).value());
    EXPECT_EQ(s.code(), StatusCode::kDataLoss);
    EXPECT_NE(s.message().find("previous hash"), std::string::npos);
  }
}

TEST(HashChainTest, EventIdsAreStableAndDistinct) {
  EXPECT_EQ(MakeEventId(StreamId("a"), 1), MakeEventId(StreamId("a"), 1));
  EXPECT_NE(MakeEventId(StreamId("a"), 1), MakeEventId(StreamId("a"), 2));
  EXPECT_NE(MakeEventId(StreamId("a"), 12), MakeEventId(StreamId("a1"), 2));
  EXPECT_EQ(MakeEventId(StreamId("a"), 1).str().size(), 32u);
}

}  // namespace
}  // namespace ledger
