// The sequence number is inside the hashed body (hash_chain.h): a record
// whose seq is rewritten, keeping its stored hash, no longer verifies, and a
// re-sealed one no longer chains — so a checkpoint's "stream, last seq, last
// hash" cannot be matched by renumbering events.
#include <gtest/gtest.h>

#include "events/hash_chain.h"
#include "events/testing/sample_events.h"

namespace ledger {
namespace {

TEST(SeqInHashTest, RewritingASeqBreaksTheStoredHash) {
  std::vector<Event> chain = testing::SampleChain(StreamId("acc-1"));
  Event e = chain[2];  // seq 3
  ASSERT_EQ(e.seq, 3u);
  ASSERT_EQ(ChainHash(e.prev_hash, EncodeBody(e)), e.hash) << "as stored, it verifies";
  for (uint64_t other : {uint64_t{2}, uint64_t{4}, uint64_t{1} << 40}) {
    Event renumbered = e;
    renumbered.seq = other;
    const std::string body = EncodeBody(renumbered);
    EXPECT_NE(body, EncodeBody(e)) << "the seq is in the body bytes";
    EXPECT_NE(ChainHash(e.prev_hash, body), e.hash) << "seq " << other;
  }
}

TEST(SeqInHashTest, TheVerifierNamesARenumberedEvent) {
  std::vector<Event> chain = testing::SampleChain(StreamId("acc-1"));
  ChainHead head;
  for (int i = 0; i < 3; ++i) {
    const std::string body = EncodeBody(chain[i]);
    ASSERT_TRUE(VerifyAndAdvance(head, DecodedRecord{chain[i], body}).ok());
  }
  // seq 5 relabelled 4 to fill the gap left by a deleted seq 4, stored hash kept:
  Event e = chain[4];
  e.seq = 4;
  e.prev_hash = chain[2].hash;
  Result<DecodedRecord> d = DecodeRecord(EncodeRecord(EncodeBody(e), chain[4].hash));
  ASSERT_TRUE(d.ok());
  Status s = VerifyAndAdvance(head, *d);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(),
            "stream acc-1 seq 4: stored hash does not match the event's bytes (altered)");
}

}  // namespace
}  // namespace ledger
