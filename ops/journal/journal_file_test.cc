// The journal's file: appends chained and durable, appenders in two processes
// and many threads, and every kind of tampering named by its line.
#include "ops/journal/journal_file.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "events/testing/temp_dir.h"
#include "events/testing/text_lines.h"

namespace ledger::journal {
namespace {

namespace fs = std::filesystem;

const Timestamp kAt = *ParseRfc3339("2026-03-02T10:15:00Z");

AccessContext Auditor(std::string reason = "GLPI-4711") {
  return {"aud-031", "auditor", Via::kApi, reason};
}

using ledger::testing::Lines;
using ledger::testing::WriteLines;

// Read into a vector; the Status when the chain breaks.
Result<std::vector<AccessEntry>> ReadAll(const AccessJournal& j, JournalHead* head = nullptr) {
  std::vector<AccessEntry> v;
  Result<JournalHead> h = j.Read([&](const AccessEntry& e) { v.push_back(e); });
  if (!h.ok()) return h.status();
  if (head) *head = *h;
  return v;
}

class JournalFileTest : public ::testing::Test {
 protected:
  // Five entries: reads of pup-1 … pup-5.
  void AppendFive() {
    for (int i = 1; i <= 5; ++i)
      ASSERT_TRUE(
          journal_.Append(EntriesOf(Auditor(), What::kHistory, {"pup-" + std::to_string(i)}, kAt))
              .ok());
    good_ = Lines(journal_.file());
  }
  // The Status of reading the journal after `change` rewrote AppendFive's lines.
  Status ReadAfter(const std::function<void(std::vector<std::string>&)>& change) {
    std::vector<std::string> lines = good_;
    change(lines);
    WriteLines(journal_.file(), lines);
    return ReadAll(journal_).status();
  }

  testing::TempDir tmp_{"journal"};
  AccessJournal journal_{JournalPath(tmp_.path())};
  std::vector<std::string> good_;  // the lines AppendFive wrote
};

TEST_F(JournalFileTest, AppendsAreChainedFromZerosAndReadBackVerified) {
  EXPECT_EQ(journal_.file(), tmp_.path() / "access-journal.jsonl");
  Result<std::vector<AccessEntry>> first =
      journal_.Append(EntriesOf(Auditor(), What::kSearch, {"pup-1", "gua-2"}, kAt));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<std::vector<AccessEntry>> second =
      journal_.Append(EntriesOf({"ops", "operator", Via::kCli, ""}, What::kLinks, {"gua-2"}, kAt));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*first)[0].seq, 1u);
  EXPECT_EQ((*first)[0].prev_hash, Hash{});
  EXPECT_EQ((*first)[1].prev_hash, (*first)[0].hash);
  EXPECT_EQ((*second)[0].seq, 3u);
  EXPECT_EQ((*second)[0].prev_hash, (*first)[1].hash);

  JournalHead head;
  Result<std::vector<AccessEntry>> all = ReadAll(journal_, &head);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], (*first)[0]);
  EXPECT_EQ((*all)[1], (*first)[1]);
  EXPECT_EQ((*all)[2], (*second)[0]);
  EXPECT_EQ(head.entries, 3u);
  EXPECT_EQ(head.hash, (*second)[0].hash);
  EXPECT_FALSE(head.torn_tail);
  EXPECT_EQ(Lines(journal_.file())[2],
            FormatLine((*second)[0]).substr(0, FormatLine((*second)[0]).size() - 1));
  struct stat st {};
  ASSERT_EQ(stat(journal_.file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "token names and account ids: the owner's only";
}

TEST_F(JournalFileTest, AMissingFileIsAnEmptyJournalAndNothingToRecordWritesNothing) {
  JournalHead head;
  Result<std::vector<AccessEntry>> all = ReadAll(journal_, &head);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
  EXPECT_EQ(head.entries, 0u);
  ASSERT_TRUE(journal_.Append({}).ok());
  EXPECT_FALSE(fs::exists(journal_.file()));
}

TEST_F(JournalFileTest, AnEntryThatBreaksTheLimitsIsRefusedBeforeTheFileIsTouched) {
  Result<std::vector<AccessEntry>> r = journal_.Append(
      EntriesOf({"Jean Dupont", "operator", Via::kCli, ""}, What::kHistory, {"pup-1"}, kAt));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().find("Dupont"), std::string::npos);
  EXPECT_FALSE(fs::exists(journal_.file()));
}

TEST_F(JournalFileTest, AnEditedLineIsNamed) {
  AppendFive();
  Status s =
      ReadAfter([](std::vector<std::string>& l) { l[2].replace(l[2].find("pup-3"), 5, "pup-9"); });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(
      s.message().find(
          "access-journal.jsonl, line 3: its hash does not match its content: the line was edited"),
      std::string::npos)
      << s.message();
}

TEST_F(JournalFileTest, AnEditedLineWhoseHashWasRecomputedBreaksTheNextLine) {
  AppendFive();
  Status s = ReadAfter([](std::vector<std::string>& l) {
    AccessEntry e = *ParseLine(l[2]);
    e.reason = "";
    e.hash = EntryHash(e.prev_hash, e);
    l[2] = FormatLine(e).substr(0, FormatLine(e).size() - 1);
  });
  EXPECT_NE(s.message().find("line 4: its prev_hash is not line 3's hash"), std::string::npos)
      << s.message();
}

TEST_F(JournalFileTest, ADeletedLineIsNamed) {
  AppendFive();
  Status s = ReadAfter([](std::vector<std::string>& l) { l.erase(l.begin() + 2); });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("line 3: its prev_hash is not line 2's hash: an entry was deleted, "
                             "inserted or moved here"),
            std::string::npos)
      << s.message();
}

TEST_F(JournalFileTest, TwoSwappedLinesAreNamed) {
  AppendFive();
  Status s = ReadAfter([](std::vector<std::string>& l) { std::swap(l[2], l[3]); });
  EXPECT_NE(s.message().find("line 3: its prev_hash is not line 2's hash"), std::string::npos)
      << s.message();
}

TEST_F(JournalFileTest, RemovedFirstLinesAndGarbageAreNamed) {
  AppendFive();
  Status first = ReadAfter([](std::vector<std::string>& l) { l.erase(l.begin()); });
  EXPECT_NE(first.message().find("line 1: the first entry does not start the chain"),
            std::string::npos)
      << first.message();
  Status garbage = ReadAfter([](std::vector<std::string>& l) { l[1] = "hello"; });
  EXPECT_NE(garbage.message().find("line 2: not an entry (not a JSON object)"), std::string::npos)
      << garbage.message();
}

TEST_F(JournalFileTest, AnUnterminatedLastLineIsLeftOutThenDroppedByTheNextAppend) {
  AppendFive();
  {
    std::ofstream out(journal_.file(), std::ios::app);
    out << R"({"seq":6,"at":"2026-03-02T10:)";  // a write a crash cut short
  }
  JournalHead head;
  Result<std::vector<AccessEntry>> before = ReadAll(journal_, &head);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->size(), 5u);
  EXPECT_TRUE(head.torn_tail);
  Result<std::vector<AccessEntry>> next =
      journal_.Append(EntriesOf(Auditor(), What::kView, {"pup-6"}, kAt));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ((*next)[0].seq, 6u);
  Result<std::vector<AccessEntry>> after = ReadAll(journal_, &head);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->size(), 6u);
  EXPECT_EQ(after->back().account, "pup-6");
  EXPECT_FALSE(head.torn_tail);
}

TEST_F(JournalFileTest, NothingIsChainedAfterALastLineThatIsNotAnEntry) {
  AppendFive();
  std::ofstream(journal_.file(), std::ios::app) << "not an entry\n";
  Result<std::vector<AccessEntry>> r =
      journal_.Append(EntriesOf(Auditor(), What::kView, {"pup-6"}, kAt));
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("its last line is not an entry"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Lines(journal_.file()).size(), 6u) << "nothing appended";
}

TEST_F(JournalFileTest, AFileEndingInMoreThanATornLineIsNeverCutShort) {
  std::ofstream(journal_.file()) << std::string(100 << 10, 'x');  // not a journal at all
  Result<std::vector<AccessEntry>> r =
      journal_.Append(EntriesOf(Auditor(), What::kView, {"pup-1"}, kAt));
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("its end is not an entry"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(fs::file_size(journal_.file()), size_t{100 << 10}) << "nothing dropped, nothing added";
}

TEST_F(JournalFileTest, AJournalThatCannotBeWrittenIsUnavailableNamingTheFile) {
  AccessJournal nowhere(tmp_.path() / "no-such-folder" / "access-journal.jsonl");
  Result<std::vector<AccessEntry>> r =
      nowhere.Append(EntriesOf(Auditor(), What::kView, {"pup-1"}, kAt));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find(
                "no-such-folder/access-journal.jsonl: cannot open it: No such file or directory"),
            std::string::npos)
      << r.status().message();
  fs::create_directories(tmp_.path() / "dir.jsonl");
  Result<std::vector<AccessEntry>> dir =
      AccessJournal(tmp_.path() / "dir.jsonl")
          .Append(EntriesOf(Auditor(), What::kView, {"pup-1"}, kAt));
  EXPECT_EQ(dir.status().code(), StatusCode::kUnavailable) << dir.status().ToString();
}

// Appends `n` entries one call at a time, accounts "<tag>-<i>".
void AppendMany(const AccessJournal& j, const std::string& tag, int n) {
  for (int i = 0; i < n; ++i) {
    Result<std::vector<AccessEntry>> r = j.Append(EntriesOf(
        {tag, "operator", Via::kCli, ""}, What::kHistory, {tag + "-" + std::to_string(i)}, kAt));
    if (!r.ok()) {
      ADD_FAILURE() << r.status().ToString();
      return;
    }
  }
}

// Every entry of every writer once, in each writer's order, and the chain whole.
void ExpectAllOnceInOrder(const AccessJournal& j, const std::vector<std::string>& tags, int n) {
  Result<std::vector<AccessEntry>> all = ReadAll(j);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), tags.size() * static_cast<size_t>(n));
  std::map<std::string, int> next;
  for (const AccessEntry& e : *all) {
    ASSERT_EQ(e.account, e.who + "-" + std::to_string(next[e.who]));
    ++next[e.who];
  }
  for (const std::string& t : tags) EXPECT_EQ(next[t], n) << t;
}

TEST_F(JournalFileTest, TwoProcessesAppendingAtOnceMakeOneChain) {
  constexpr int kEach = 150;
  std::vector<pid_t> children;
  for (const char* tag : {"proc-a", "proc-b"}) {
    pid_t pid = fork();
    if (pid == 0) {
      AccessJournal mine(journal_.file());
      for (int i = 0; i < kEach; ++i)
        if (!mine.Append(EntriesOf({tag, "operator", Via::kCli, ""}, What::kHistory,
                                   {std::string(tag) + "-" + std::to_string(i)}, kAt))
                 .ok())
          _exit(1);
      _exit(0);
    }
    ASSERT_GT(pid, 0);
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  ExpectAllOnceInOrder(journal_, {"proc-a", "proc-b"}, kEach);
}

TEST_F(JournalFileTest, ThreadsAppendingAtOnceMakeOneChain) {
  constexpr int kEach = 100;
  std::vector<std::string> tags = {"t-a", "t-b", "t-c", "t-d"};
  std::vector<std::thread> threads;
  for (const std::string& tag : tags)
    threads.emplace_back([&, tag] { AppendMany(journal_, tag, kEach); });
  for (std::thread& t : threads) t.join();
  ExpectAllOnceInOrder(journal_, tags, kEach);
}

}  // namespace
}  // namespace ledger::journal
