// Group commit of the journal: reads arriving while an append is in flight
// share the next one; a failed append refuses every read of its group.
#include "ops/journal/group_journal.h"

#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "events/testing/temp_dir.h"

namespace ledger::journal {
namespace {

const Timestamp kAt = *ParseRfc3339("2026-03-02T10:15:00Z");

// Records the groups; can hold the first commit (its leader) until released.
class HoldingProbe : public JournalProbe {
 public:
  void JournalCommitted(size_t entries, double) override {
    size_t seen = 0;
    {
      std::lock_guard<std::mutex> l(mu_);
      commits_.push_back(entries);
      seen = commits_.size();
    }
    if (hold_first_ && seen == 1) released_.get_future().wait();  // its leader is still writing
  }
  void JournalFailed(size_t entries) override {
    std::lock_guard<std::mutex> l(mu_);
    failed_ += entries;
  }
  std::vector<size_t> commits() {
    std::lock_guard<std::mutex> l(mu_);
    return commits_;
  }
  size_t commits_seen() { return commits().size(); }

  bool hold_first_ = false;
  std::promise<void> released_;
  size_t failed_ = 0;

 private:
  std::mutex mu_;
  std::vector<size_t> commits_;
};

TEST(GroupJournalTest, ReadsArrivingDuringAnAppendShareTheNextOne) {
  testing::TempDir tmp("group-journal");
  HoldingProbe probe;
  probe.hold_first_ = true;
  GroupJournal journal(JournalPath(tmp.path()), &probe);
  const AccessContext who{"aud", "auditor", Via::kApi, ""};
  // The first read's append is durable, and its leader is held (still "writing").
  std::thread first([&] { EXPECT_TRUE(journal.Record(who, What::kView, {"pup-0"}, kAt).ok()); });
  while (probe.commits_seen() == 0) std::this_thread::yield();
  // Five reads (seven entries) arrive meanwhile: they wait for one group.
  std::vector<std::thread> others;
  for (int i = 1; i <= 5; ++i)
    others.emplace_back([&, i] {
      std::vector<std::string> accounts = {"pup-" + std::to_string(i)};
      if (i == 5) accounts = {"pup-5", "gua-6", "gua-7"};
      EXPECT_TRUE(journal.Record(who, i == 5 ? What::kSearch : What::kHistory, accounts, kAt).ok());
    });
  while (journal.waiting() < 7) std::this_thread::yield();
  probe.released_.set_value();
  first.join();
  for (std::thread& t : others) t.join();
  EXPECT_EQ(probe.commits(), (std::vector<size_t>{1, 7}));
  size_t lines = 0;
  Result<JournalHead> head =
      AccessJournal(journal.file()).Read([&](const AccessEntry&) { ++lines; });
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->entries, 8u);
  EXPECT_EQ(lines, 8u);
}

TEST(GroupJournalTest, ManyConcurrentReadsAreAllRecordedInOneChain) {
  testing::TempDir tmp("group-journal");
  HoldingProbe probe;
  GroupJournal journal(JournalPath(tmp.path()), &probe);
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        EXPECT_TRUE(journal
                        .Record({"w" + std::to_string(t), "auditor", Via::kApi, ""}, What::kLinks,
                                {"pup-" + std::to_string(i)}, kAt)
                        .ok());
    });
  for (std::thread& t : threads) t.join();
  size_t total = 0;
  for (size_t n : probe.commits()) total += n;
  EXPECT_EQ(total, size_t{kThreads * kEach});
  EXPECT_LE(probe.commits().size(), size_t{kThreads * kEach});
  Result<JournalHead> head = AccessJournal(journal.file()).Read([](const AccessEntry&) {});
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->entries, size_t{kThreads * kEach});
}

TEST(GroupJournalTest, AGroupThatCannotBeWrittenRefusesEachOfItsReads) {
  testing::TempDir tmp("group-journal");
  HoldingProbe probe;
  GroupJournal journal(tmp.path() / "gone" / "access-journal.jsonl", &probe);
  Status s =
      journal.Record({"aud", "auditor", Via::kApi, ""}, What::kHistory, {"pup-1", "pup-2"}, kAt);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("cannot open it"), std::string::npos) << s.message();
  EXPECT_EQ(probe.failed_, 2u);
  EXPECT_TRUE(probe.commits().empty());
  // A bad entry is refused alone, before it joins a group.
  Status bad = journal.Record({"aud", "auditor", Via::kApi, std::string("\x01", 1)}, What::kView,
                              {"pup-1"}, kAt);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(probe.failed_, 2u);
  EXPECT_TRUE(journal.Record({"aud", "auditor", Via::kApi, ""}, What::kView, {}, kAt).ok())
      << "nothing to record";
}

}  // namespace
}  // namespace ledger::journal
