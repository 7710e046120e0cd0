// MigrateLog on in-memory and embedded logs: a full copy is identical record
// for record, an interrupted copy resumes without duplicates whether or not
// the failed flush's records reached the target, and a target that is not a
// prefix of the source (or a source that is corrupt) stops it with an error
// naming the partition and offset.
#include "ops/cli/migrate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "events/embedded/embedded_event_log.h"
#include "events/identifiers.h"
#include "events/testing/log_contents.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

using ::testing::HasSubstr;

using testing::EndOffsets;
using testing::ReadLog;
using Records = testing::LogContents;

int64_t Total(EventLog& log) {
  int64_t n = 0;
  for (int64_t e : EndOffsets(log)) n += e;
  return n;
}

// Writes a school year through the real write path.
void Fill(EventLog& log, size_t families, uint32_t seed, const std::string& prefix) {
  auto h = CommandHandler::Open(log, [] { return Timestamp{1'800'000'000'000'000}; });
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({families, seed, prefix})))
    ASSERT_TRUE(r.ok()) << r.status().ToString();
}

// A key that PartitionForKey places anywhere but in `p`.
std::string KeyNotIn(int32_t p, int32_t count) {
  for (int i = 0;; ++i) {
    std::string key = "stray-" + std::to_string(i);
    if (PartitionForKey(key, count) != p) return key;
  }
}

// A target that delegates to a MemoryEventLog, counts Append calls, and can
// fail its Flush once `fail_at_flush` flushes have succeeded. A real failed
// flush leaves the unflushed appends unknown: `lose_unflushed` chooses which
// outcome this one models (dropped, as after a crash of the embedded log, or
// kept, as when Kafka acknowledged them before the error).
class FlakyLog final : public EventLog {
 public:
  explicit FlakyLog(MemoryEventLog& inner) : inner_(inner), flushed_(testing::EndOffsets(inner)) {}

  int fail_at_flush = -1;  // -1: never
  bool lose_unflushed = false;
  int appends = 0;
  int flushes = 0;
  // Called before the Nth Append (1-based), e.g. to play another writer.
  int intrude_at_append = -1;
  std::function<void(MemoryEventLog&)> intruder;

  int32_t partition_count() const override { return inner_.partition_count(); }
  Result<int64_t> Append(std::string_view key, std::span<const std::string> values) override {
    if (++appends == intrude_at_append && intruder) intruder(inner_);
    return inner_.Append(key, values);
  }
  Status Flush() override {
    if (flushes == fail_at_flush) {
      fail_at_flush = -1;
      if (lose_unflushed)
        for (int32_t p = 0; p < partition_count(); ++p) inner_.records(p).resize(flushed_[p]);
      return Unavailable("injected: the flush did not complete");
    }
    LEDGER_RETURN_IF_ERROR(inner_.Flush());
    ++flushes;
    flushed_ = testing::EndOffsets(inner_);
    return OkStatus();
  }
  Result<int64_t> EndOffset(int32_t p) override { return inner_.EndOffset(p); }
  int64_t flushed_total() const {
    int64_t n = 0;
    for (int64_t e : flushed_) n += e;
    return n;
  }
  Result<std::unique_ptr<LogReader>> OpenReader(int32_t p, int64_t from) override {
    return inner_.OpenReader(p, from);
  }

 private:
  MemoryEventLog& inner_;
  std::vector<int64_t> flushed_;
};

class MigrateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    source_ = new MemoryEventLog(12);
    Fill(*source_, 200, 7, "m");
  }
  static void TearDownTestSuite() {
    delete source_;
    source_ = nullptr;
  }
  // Shared and never modified by a test (tests that corrupt a source copy it first).
  static MemoryEventLog* source_;
};
MemoryEventLog* MigrateTest::source_ = nullptr;

TEST_F(MigrateTest, CopiesEveryPartitionRecordForRecord) {
  const int64_t total = Total(*source_);
  ASSERT_GT(total, 1500);
  for (int32_t p = 0; p < 12; ++p) ASSERT_GT(*source_->EndOffset(p), 0) << "partition " << p;

  MemoryEventLog inner(12);
  FlakyLog target(inner);
  std::vector<std::pair<int64_t, int64_t>> calls;
  auto sum = MigrateLog(*source_, target, {.batch = 64},
                        [&](int64_t done, int64_t t) { calls.emplace_back(done, t); });
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->copied, total);
  EXPECT_EQ(sum->already_present, 0);
  EXPECT_EQ(ReadLog(inner), ReadLog(*source_));

  // Consecutive records of one stream share an Append; batches never exceed 64.
  EXPECT_LT(target.appends, total);
  EXPECT_GE(target.flushes, total / 64);
  EXPECT_LE(target.flushes, total / 64 + 12);
  // Progress: once after the checks, then after each flush, up to the total.
  ASSERT_EQ(calls.size(), static_cast<size_t>(target.flushes) + 1);
  EXPECT_EQ(calls.front(), std::make_pair(int64_t{0}, total));
  EXPECT_EQ(calls.back(), std::make_pair(total, total));
  for (size_t i = 1; i < calls.size(); ++i) EXPECT_GT(calls[i].first, calls[i - 1].first);

  // The copy is a ledger: its hash chains verify and the write path opens on it.
  auto h = CommandHandler::Open(inner, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(static_cast<int64_t>((*h)->event_count()), total);
}

TEST_F(MigrateTest, BatchOfOneAndDefaultBatchGiveTheSameCopy) {
  MemoryEventLog one(12), dflt(12);
  ASSERT_TRUE(MigrateLog(*source_, one, {.batch = 1}).ok());
  ASSERT_TRUE(MigrateLog(*source_, dflt, {}).ok());
  EXPECT_EQ(ReadLog(one), ReadLog(*source_));
  EXPECT_EQ(ReadLog(dflt), ReadLog(*source_));
}

TEST_F(MigrateTest, IntoAnEmbeddedLogAndBack) {
  testing::TempDir dir("migrate");
  const Records want = ReadLog(*source_);
  {
    auto log =
        EmbeddedEventLog::Open(dir.path() / "log", {.partitions = 12, .create_if_missing = true});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    auto sum = MigrateLog(*source_, **log, {.batch = 200});
    ASSERT_TRUE(sum.ok()) << sum.status().ToString();
    EXPECT_EQ(sum->copied, static_cast<int64_t>(want.size()));
  }
  auto reopened = EmbeddedEventLog::Open(dir.path() / "log", {.read_only = true});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_TRUE((*reopened)->recovery_notes().empty());
  EXPECT_EQ(ReadLog(**reopened), want);

  // And the embedded log as a source (the real `ledger migrate` direction).
  MemoryEventLog back(12);
  auto sum = MigrateLog(**reopened, back, {});
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(ReadLog(back), want);
}

class MigrateResumeTest : public MigrateTest, public ::testing::WithParamInterface<bool> {};

TEST_P(MigrateResumeTest, ResumesAfterAFailedFlushWithoutDuplicates) {
  const bool lose_unflushed = GetParam();
  const int64_t total = Total(*source_);
  MemoryEventLog inner(12);
  FlakyLog target(inner);
  target.fail_at_flush = 9;
  target.lose_unflushed = lose_unflushed;

  auto first = MigrateLog(*source_, target, {.batch = 100});
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(first.status().message(), HasSubstr("target log partition"));
  EXPECT_THAT(first.status().message(), HasSubstr("injected"));
  const int64_t present = Total(inner);
  EXPECT_GT(present, 0);
  EXPECT_LT(present, total);
  // Nine batches of at most 100 were flushed; the tenth is there or not, as modelled.
  EXPECT_LE(target.flushed_total(), 900);
  if (lose_unflushed) {
    EXPECT_EQ(present, target.flushed_total());
  } else {
    EXPECT_GT(present, target.flushed_total());
  }

  auto second = MigrateLog(*source_, target, {.batch = 100});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->already_present, present);
  EXPECT_EQ(second->copied, total - present);
  EXPECT_EQ(ReadLog(inner), ReadLog(*source_));  // same offsets, hence no duplicate

  const int appends = target.appends;
  auto third = MigrateLog(*source_, target, {.batch = 100});
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->copied, 0);
  EXPECT_EQ(third->already_present, total);
  EXPECT_EQ(target.appends, appends);
  EXPECT_EQ(ReadLog(inner), ReadLog(*source_));
}

TEST_P(MigrateResumeTest, MemoryLogFailNextFlushThenResume) {
  // MemoryEventLog::FailNextFlush keeps the failed batch: resume verifies and keeps it.
  MemoryEventLog target(12);
  target.FailNextFlush(Unavailable("disk full"));
  auto first = MigrateLog(*source_, target, {.batch = 50});
  ASSERT_EQ(first.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Total(target), 50);
  if (GetParam()) target.records(0).clear();  // or it did not survive
  auto second = MigrateLog(*source_, target, {.batch = 50});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->already_present, GetParam() ? 0 : 50);
  EXPECT_EQ(ReadLog(target), ReadLog(*source_));
}

INSTANTIATE_TEST_SUITE_P(FailedFlush, MigrateResumeTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Lost" : "Kept"; });

TEST_F(MigrateTest, PicksUpWhatTheSourceGainedSinceTheLastRun) {
  // The ledger keeps writing to the source between two runs.
  const std::vector<Command> cmds = testing::GenerateWorkload({60, 8, "n"});
  const size_t half = cmds.size() / 2;
  MemoryEventLog source(12);
  auto h = CommandHandler::Open(source, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  for (const auto& r : (*h)->HandleBatch(std::span(cmds).first(half))) ASSERT_TRUE(r.ok());
  MemoryEventLog target(12);
  ASSERT_TRUE(MigrateLog(source, target, {}).ok());
  const int64_t before = Total(source);

  for (const auto& r : (*h)->HandleBatch(std::span(cmds).subspan(half))) ASSERT_TRUE(r.ok());
  ASSERT_GT(Total(source), before);
  auto sum = MigrateLog(source, target, {});
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->already_present, before);
  EXPECT_EQ(sum->copied, Total(source) - before);
  EXPECT_EQ(ReadLog(target), ReadLog(source));
}

// A partial copy: the first half of each partition.
void CopyHalf(MemoryEventLog& source, MemoryEventLog& target) {
  ASSERT_TRUE(MigrateLog(source, target, {}).ok());
  for (int32_t p = 0; p < target.partition_count(); ++p)
    target.records(p).resize(target.records(p).size() / 2);
}

TEST_F(MigrateTest, DivergingValueIsRefusedAndNothingIsWritten) {
  MemoryEventLog target(12);
  CopyHalf(*source_, target);
  target.records(5)[17].value += "x";
  const auto ends = EndOffsets(target);
  auto sum = MigrateLog(*source_, target, {});
  ASSERT_EQ(sum.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(sum.status().message(), HasSubstr("target log partition 5 offset 17"));
  EXPECT_THAT(sum.status().message(), HasSubstr("another value"));
  EXPECT_EQ(EndOffsets(target), ends);
}

TEST_F(MigrateTest, DivergingKeyInTheLastPartitionIsRefusedBeforeAnyWrite) {
  // Partitions 0..10 could be copied; the check of partition 11 comes first.
  MemoryEventLog target(12);
  CopyHalf(*source_, target);
  target.records(11)[3].key = "someone-else";
  const auto ends = EndOffsets(target);
  auto sum = MigrateLog(*source_, target, {});
  ASSERT_EQ(sum.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(sum.status().message(), HasSubstr("target log partition 11 offset 3"));
  EXPECT_THAT(sum.status().message(), HasSubstr("someone-else"));
  EXPECT_EQ(EndOffsets(target), ends);
}

TEST_F(MigrateTest, TargetHoldingMoreThanTheSourceIsRefused) {
  MemoryEventLog target(12);
  ASSERT_TRUE(MigrateLog(*source_, target, {}).ok());
  const int64_t end2 = *source_->EndOffset(2);
  target.records(2).push_back(target.records(2).back());
  target.records(2).back().offset = end2;
  auto sum = MigrateLog(*source_, target, {});
  ASSERT_EQ(sum.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(sum.status().message(),
              HasSubstr("target log partition 2 offset " + std::to_string(end2)));
  EXPECT_THAT(sum.status().message(), HasSubstr("holds " + std::to_string(end2 + 1) + " records"));
}

TEST_F(MigrateTest, DifferentPartitionCountsAreRefused) {
  MemoryEventLog target(6);
  auto sum = MigrateLog(*source_, target, {});
  ASSERT_EQ(sum.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(sum.status().message(), HasSubstr("source log has 12 partitions, the target 6"));
  EXPECT_EQ(Total(target), 0);
}

TEST_F(MigrateTest, BadArgumentsAreRefused) {
  MemoryEventLog target(12);
  EXPECT_EQ(MigrateLog(*source_, target, {.batch = 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MigrateLog(*source_, *source_, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Total(target), 0);
}

TEST_F(MigrateTest, SourceRecordInTheWrongPartitionIsDataLoss) {
  MemoryEventLog source(12);
  for (int32_t p = 0; p < 12; ++p) source.records(p) = source_->records(p);
  source.records(4)[30].key = KeyNotIn(4, 12);
  MemoryEventLog target(12);
  auto sum = MigrateLog(source, target, {.batch = 10});
  ASSERT_EQ(sum.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(sum.status().message(), HasSubstr("source log partition 4 offset 30"));
  EXPECT_THAT(sum.status().message(), HasSubstr("stray-"));
  // Whole batches before it were copied; nothing of its batch nor after.
  EXPECT_EQ(*target.EndOffset(4), 30);
  for (int32_t p = 5; p < 12; ++p) EXPECT_EQ(*target.EndOffset(p), 0);
}

TEST_F(MigrateTest, AnotherWriterOnTheTargetIsDataLoss) {
  MemoryEventLog inner(12);
  FlakyLog target(inner);
  target.intrude_at_append = 5;
  target.intruder = [](MemoryEventLog& log) {
    const std::string key = log.records(0).back().key;  // lands in partition 0
    ASSERT_TRUE(log.Append(key, std::vector<std::string>{"intruder"}).ok());
  };
  auto sum = MigrateLog(*source_, target, {.batch = 1000});
  ASSERT_EQ(sum.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(sum.status().message(), HasSubstr("target log partition 0 offset"));
  EXPECT_THAT(sum.status().message(), HasSubstr("another writer"));
  EXPECT_EQ(target.appends, 5);  // stopped at once
  EXPECT_EQ(target.flushes, 0);

  // The next run sees a target that diverged from the source, and writes nothing.
  auto again = MigrateLog(*source_, target, {});
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(target.appends, 5);
}

}  // namespace
}  // namespace ledger
