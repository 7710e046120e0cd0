// TakeStatement and VerifyExtends on an in-memory log of three partitions:
// a checkpoint, the log growing after it, and each way of rewriting history
// (altered, re-sealed, deleted, swapped, reordered, truncated, moved records),
// each named by the first partition / offset / stream / seq it breaks.
#include "events/checkpoint/log_checkpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "events/checkpoint/merkle.h"
#include "events/hash_chain.h"
#include "events/identifiers.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/sample_events.h"

namespace ledger::checkpoint {
namespace {

constexpr int32_t kPartitions = 3;

// The first stream ids "s-0", "s-1", … that the partitioner puts in `partition`.
std::vector<std::string> StreamsIn(int32_t partition, size_t n) {
  std::vector<std::string> out;
  for (int i = 0; out.size() < n; ++i) {
    std::string id = "s-" + std::to_string(i);
    if (PartitionForKey(id, kPartitions) == partition) out.push_back(id);
  }
  return out;
}

class LogCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p0 = StreamsIn(0, 3);
    a_ = p0[0], b_ = p0[1], c_ = p0[2];
    d_ = StreamsIn(1, 1)[0];
    e_ = StreamsIn(0, 4)[3];
    for (const std::string& s : {a_, b_, c_, d_, e_}) {
      std::vector<std::string> records;
      events_[s] = testing::SampleChain(StreamId(s), &records);
      records_[s] = records;
    }
    // Partition 0: a1 a2 b1 b2 b3 a3 a4 a5 c1 (offsets 0-8); partition 1: d1-d4.
    Append(a_, 1, 2);
    Append(b_, 1, 3);
    Append(a_, 3, 5);
    Append(c_, 1, 1);
    Append(d_, 1, 4);
  }

  // Appends seqs from..to of `stream`, one Append each.
  void Append(const std::string& stream, uint64_t from, uint64_t to) {
    for (uint64_t seq = from; seq <= to; ++seq)
      ASSERT_TRUE(log_.Append(stream, std::span(&records_[stream][seq - 1], 1)).ok());
  }
  void Grow() {
    Append(a_, 6, 8);
    Append(d_, 5, 6);
    Append(e_, 1, 2);
  }

  std::vector<LogRecord>& Part(int32_t p) { return log_.records(p); }
  // Offsets are positions: after an edit, renumber as a forger would.
  void Renumber(int32_t p) {
    for (size_t i = 0; i < Part(p).size(); ++i) Part(p)[i].offset = static_cast<int64_t>(i);
  }

  Statement Take() {
    Result<Statement> s = TakeStatement(log_, Timestamp{1'700'000'000'000'000});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : Statement{};
  }
  // The message of VerifyExtends's refusal ("" if it accepts).
  std::string Refusal(const Statement& s) {
    Result<Extension> r = VerifyExtends(log_, s);
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
    return r.status().message();
  }

  MemoryEventLog log_{kPartitions};
  std::string a_, b_, c_, d_, e_;
  std::map<std::string, std::vector<Event>> events_;
  std::map<std::string, std::vector<std::string>> records_;
};

TEST_F(LogCheckpointTest, StatesEachPartitionsEndCountsHeadsAndDigest) {
  const Statement s = Take();
  ASSERT_EQ(s.partitions.size(), 3u);
  EXPECT_EQ(s.created_at, Timestamp{1'700'000'000'000'000});
  const PartitionMark& p0 = s.partitions[0];
  EXPECT_EQ(p0.partition, 0);
  EXPECT_EQ(p0.end_offset, 9);
  EXPECT_EQ(p0.records, 9);
  EXPECT_EQ(p0.streams, 3);
  // The heads, by stream id: a at seq 5, b at 3, c at 1.
  std::vector<std::pair<std::string, const Event*>> heads = {
      {a_, &events_[a_][4]}, {b_, &events_[b_][2]}, {c_, &events_[c_][0]}};
  std::sort(heads.begin(), heads.end());
  MerkleBuilder tree;
  for (const auto& [id, e] : heads) tree.Add(HeadLeafHash(id, e->seq, e->hash));
  EXPECT_EQ(p0.heads_root, tree.Root());
  Hash digest{};
  int64_t offset = 0;
  for (const auto& [stream, seq] : std::vector<std::pair<std::string, int>>{
           {a_, 1}, {a_, 2}, {b_, 1}, {b_, 2}, {b_, 3}, {a_, 3}, {a_, 4}, {a_, 5}, {c_, 1}})
    digest = LogDigestStep(digest, offset++, events_[stream][seq - 1].hash);
  EXPECT_EQ(p0.log_digest, digest);

  EXPECT_EQ(s.partitions[1].end_offset, 4);
  EXPECT_EQ(s.partitions[1].streams, 1);
  EXPECT_EQ(s.partitions[1].heads_root, HeadLeafHash(d_, 4, events_[d_][3].hash))
      << "one leaf: its own root";
  EXPECT_EQ(s.partitions[2], (PartitionMark{2, 0, 0, 0, EmptyTreeHash(), Hash{}}));
  EXPECT_EQ(s.root,
            RootOverPartitions({p0.heads_root, s.partitions[1].heads_root, EmptyTreeHash()}));
}

TEST_F(LogCheckpointTest, TheSameLogAndAGrownOneExtendTheCheckpoint) {
  const Statement s = Take();
  Result<Extension> same = VerifyExtends(log_, s);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(same->partitions, 3);
  EXPECT_EQ(same->records_stated, 13);
  EXPECT_EQ(same->records_since, 0);
  EXPECT_EQ(same->streams, 4);

  Grow();
  std::vector<std::pair<int64_t, int64_t>> progress;
  Result<Extension> grown = VerifyExtends(
      log_, s, [&](int64_t done, int64_t total) { progress.emplace_back(done, total); });
  ASSERT_TRUE(grown.ok()) << grown.status().ToString();
  EXPECT_EQ(grown->records_stated, 13);
  EXPECT_EQ(grown->records_since, 7);
  EXPECT_EQ(grown->streams, 5);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), std::make_pair(int64_t{20}, int64_t{20}));
  EXPECT_NE(Take().root, s.root) << "a later checkpoint states the new heads";
}

TEST_F(LogCheckpointTest, AnAlteredEventIsNamedByPartitionOffsetStreamAndSeq) {
  const Statement s = Take();
  // b2 (offset 3) with another actor, its stored hash kept.
  Event e = events_[b_][1];
  e.actor.id = "staff-99";
  Part(0)[3].value = EncodeRecord(EncodeBody(e), e.hash);
  EXPECT_EQ(Refusal(s), "log partition 0 offset 3: stream " + b_ +
                            " seq 2: stored hash does not match the event's bytes (altered)");
}

TEST_F(LogCheckpointTest, AReSealedLastEventIsFoundByTheHeadsRootOfItsPartition) {
  const Statement s = Take();
  // c1 altered and its hash recomputed: its chain verifies, but c's head is
  // no longer the one stated.
  Event e = events_[c_][0];
  e.actor.id = "staff-99";
  Part(0)[8].value = SealEvent(e);
  const std::string msg = Refusal(s);
  EXPECT_TRUE(msg.starts_with(
      "partition 0: the heads of its 3 streams as of offset 9 recompute to Merkle root "))
      << msg;
  EXPECT_TRUE(msg.ends_with(
      ", the checkpoint states " + HexOf(s.partitions[0].heads_root) +
      " (the last event before the checkpoint of some stream was removed, replaced or "
      "re-sealed)"))
      << msg;
}

TEST_F(LogCheckpointTest, ADeletedEventIsNamedWhereItsStreamSkipsIt) {
  const Statement s = Take();
  Part(0).erase(Part(0).begin() + 1);  // a2
  Renumber(0);
  EXPECT_EQ(Refusal(s), "log partition 0 offset 4: stream " + a_ +
                            " seq 3: out of sequence, expected seq 2 (gap)");
}

TEST_F(LogCheckpointTest, ADeletedLastEventHiddenByGrowthIsFoundByTheStreamCount) {
  const Statement s = Take();
  Part(0).erase(Part(0).begin() + 8);  // c1, c's only event
  Renumber(0);
  Grow();  // the partition reaches offset 9 again
  EXPECT_EQ(Refusal(s),
            "partition 0: 2 streams have events below offset 9, the checkpoint counted 3 (a stream "
            "was removed or added)");
}

TEST_F(LogCheckpointTest, TwoEventsOfAStreamSwappedAreNamed) {
  const Statement s = Take();
  std::swap(Part(0)[5].value, Part(0)[6].value);  // a3 and a4
  EXPECT_EQ(Refusal(s), "log partition 0 offset 5: stream " + a_ +
                            " seq 4: out of sequence, expected seq 3 (gap)");
}

TEST_F(LogCheckpointTest, RecordsOfTwoStreamsReorderedAreFoundByTheLogDigest) {
  const Statement s = Take();
  std::swap(Part(0)[4].value, Part(0)[5].value);  // b3 and a3: each chain still in order
  std::swap(Part(0)[4].key, Part(0)[5].key);
  const std::string msg = Refusal(s);
  EXPECT_TRUE(msg.starts_with("partition 0: the records below offset 9 recompute to log digest "))
      << msg;
  EXPECT_TRUE(msg.ends_with(HexOf(s.partitions[0].log_digest) +
                            " (records were moved, reordered, inserted or replaced)"))
      << msg;
}

TEST_F(LogCheckpointTest, ATruncatedPartitionIsNamedWithBothEndOffsets) {
  const Statement s = Take();
  Part(1).resize(2);
  EXPECT_EQ(
      Refusal(s),
      "partition 1: the log ends at offset 2, before the checkpoint's end offset 4: offsets 2 "
      "to 3 are gone (the partition was truncated, or records were removed)");
}

TEST_F(LogCheckpointTest, AStreamMovedToAnotherPartitionIsNeverStated) {
  for (LogRecord r : Part(1)) {
    r.partition = 2;
    Part(2).push_back(r);
  }
  Part(1).clear();
  Result<Statement> s = TakeStatement(log_, Timestamp{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "log partition 2 offset 0: stream " + d_ +
                " seq 1: in partition 2, but its key belongs in partition 1 (the record "
                "was moved)");
}

TEST_F(LogCheckpointTest, ABrokenChainIsNeverStated) {
  std::swap(Part(1)[0].value, Part(1)[1].value);
  Result<Statement> s = TakeStatement(log_, Timestamp{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "log partition 1 offset 0: stream " + d_ +
                                      " seq 2: out of sequence, expected seq 1 (gap)");
}

TEST_F(LogCheckpointTest, ALogWithOtherPartitionsDoesNotExtendIt) {
  const Statement s = Take();
  MemoryEventLog other(4);
  EXPECT_EQ(VerifyExtends(other, s).status().message(),
            "the checkpoint states 3 partitions, the log has 4");
}

}  // namespace
}  // namespace ledger::checkpoint
