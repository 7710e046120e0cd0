// StateDb on disk: what is written is read back after a reopen, all of a
// Write or none, Clear empties it, a second writer is refused, a damaged
// store is started again — and the write path over it writes the same log as
// with everything in memory, with its cache at its size.
#include "aggregates/rocksdb/state_db.h"

#include <fstream>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/fixtures.h"
#include "aggregates/testing/workload.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

using testing::TempDir;

std::vector<std::pair<std::string, std::string>> Pairs(std::initializer_list<std::pair<const char*, const char*>> l) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto [k, v] : l) out.emplace_back(k, v);
  return out;
}

TEST(StateDbTest, WhatIsWrittenIsReadBackAfterAReopenAndClearEmptiesIt) {
  TempDir dir("state-db");
  {
    auto db = StateDb::Open(dir.path() / "s").value();
    ASSERT_TRUE(db->Write(Pairs({{"sacc-1", "one"}, {"m", std::string("\0\1", 2).c_str()}, {"cx", "two"}})).ok());
    EXPECT_FALSE(db->recreated());
  }
  auto db = StateDb::Open(dir.path() / "s").value();
  EXPECT_EQ(db->Get("sacc-1").value(), std::optional<std::string>("one"));
  EXPECT_EQ(db->Get("cx").value(), std::optional<std::string>("two"));
  EXPECT_EQ(db->Get("sacc-2").value(), std::nullopt);
  ASSERT_TRUE(db->Clear().ok());
  EXPECT_EQ(db->Get("sacc-1").value(), std::nullopt);
  EXPECT_EQ(db->Get("cx").value(), std::nullopt);
}

TEST(StateDbTest, ApplyRemovesAndScanListsAPrefixInByteOrderAfterAReopen) {
  TempDir dir("state-db");
  {
    auto db = StateDb::Open(dir.path() / "s").value();
    ASSERT_TRUE(db->Write(Pairs({{"pa|2", ""}, {"pa|1", "x"}, {"pb|1", ""}, {"p", "bare"}, {"pa|3", ""}})).ok());
    const std::vector<std::string> gone = {"pa|3", "absent"};
    ASSERT_TRUE(db->Apply(Pairs({{"pa|0", "new"}}), gone).ok());
  }
  auto db = StateDb::Open(dir.path() / "s").value();
  std::vector<std::pair<std::string, std::string>> seen;
  auto list = [&](std::string_view k, std::string_view v) {
    seen.emplace_back(k, v);
    return true;
  };
  ASSERT_TRUE(db->Scan("pa|", list).ok());
  EXPECT_EQ(seen, Pairs({{"pa|0", "new"}, {"pa|1", "x"}, {"pa|2", ""}}));
  seen.clear();
  ASSERT_TRUE(db->Scan("p", [&](std::string_view k, std::string_view v) {
    seen.emplace_back(k, v);
    return seen.size() < 2;  // stops when asked
  }).ok());
  EXPECT_EQ(seen, Pairs({{"p", "bare"}, {"pa|0", "new"}}));
  seen.clear();
  ASSERT_TRUE(db->Scan("q", list).ok());
  EXPECT_TRUE(seen.empty());
}

TEST(StateDbTest, ASecondWriterIsRefusedNamingTheDirectory) {
  TempDir dir("state-db");
  auto db = StateDb::Open(dir.path() / "s").value();
  auto second = StateDb::Open(dir.path() / "s");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find((dir.path() / "s").string()), std::string::npos);
}

TEST(StateDbTest, ADamagedStoreIsStartedAgainEmpty) {
  TempDir dir("state-db");
  {
    auto db = StateDb::Open(dir.path() / "s").value();
    ASSERT_TRUE(db->Write(Pairs({{"sacc-1", "one"}})).ok());
  }
  // Every file but the lock overwritten with garbage.
  for (const auto& f : std::filesystem::directory_iterator(dir.path() / "s")) {
    if (f.path().filename() == "LOCK") continue;
    std::ofstream(f.path(), std::ios::trunc) << "not a rocksdb file";
  }
  auto db = StateDb::Open(dir.path() / "s");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE((*db)->recreated());
  EXPECT_EQ((*db)->Get("sacc-1").value(), std::nullopt);
}

TEST(StateDbTest, TheWritePathOverItWritesTheSameLogWithItsCacheAtItsSize) {
  const auto commands = testing::GenerateWorkload({.families = 80, .seed = 13});
  auto clock = [] { return testing::At("2026-01-01T00:00:00Z"); };
  MemoryEventLog unbounded_log;
  {
    auto h = CommandHandler::Open(unbounded_log, clock).value();
    for (size_t i = 0; i < commands.size(); i += 32)
      h->HandleBatch(std::span<const Command>(commands).subspan(i, std::min<size_t>(32, commands.size() - i)));
  }
  TempDir dir("state-db");
  MemoryEventLog log;
  const size_t kCache = 25;
  size_t most = 0, streams = 0;
  for (int reopen = 0; reopen < 2; ++reopen) {  // the second half after a reopen of both
    auto db = StateDb::Open(dir.path() / "s").value();
    auto h = CommandHandler::Open(log, clock, nullptr, {db.get(), kCache}).value();
    const size_t from = reopen == 0 ? 0 : commands.size() / 2, to = reopen == 0 ? commands.size() / 2 : commands.size();
    for (size_t i = from; i < to; i += 32) {
      h->HandleBatch(std::span<const Command>(commands).subspan(i, std::min<size_t>(32, to - i)));
      most = std::max(most, h->cached_streams());
    }
    streams = h->stream_count();
  }
  EXPECT_LE(most, kCache);
  EXPECT_GE(streams, 10 * kCache);
  for (int p = 0; p < log.partition_count(); ++p) {
    ASSERT_EQ(log.records(p).size(), unbounded_log.records(p).size()) << p;
    for (size_t i = 0; i < log.records(p).size(); ++i)
      EXPECT_EQ(log.records(p)[i].value, unbounded_log.records(p)[i].value) << p << "/" << i;
  }
}

}  // namespace
}  // namespace ledger
