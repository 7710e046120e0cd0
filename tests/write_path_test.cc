// The write path on the real embedded log: idempotency by command id across
// close and reopen, and chains that verify after a restart.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/fixtures.h"
#include "events/embedded/embedded_event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

using testing::At;
using testing::NewPupil;
using testing::SystemActor;

class WritePathTest : public ::testing::Test {
 protected:

  std::unique_ptr<EmbeddedEventLog> OpenLog() {
    EmbeddedLogOptions o;
    o.create_if_missing = true;
    auto log = EmbeddedEventLog::Open(dir_, o);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return std::move(*log);
  }
  static Timestamp Clock() { return At("2026-09-01T12:00:00Z"); }

  ledger::testing::TempDir tmp_{"write-path"};
  const std::filesystem::path& dir_ = tmp_.path();
};

Command Create(const char* cmd_id, const char* account) {
  return Command{CommandId(cmd_id), At("2026-09-01T08:00:00Z"), SystemActor(),
                 CreateAccount{AccountId(account), NewPupil()}};
}

TEST_F(WritePathTest, SameCommandAcrossReopenYieldsExactlyOneEvent) {
  Outcome first;
  {
    auto log = OpenLog();
    auto h = CommandHandler::Open(*log, Clock);
    ASSERT_TRUE(h.ok());
    auto r = (*h)->Handle(Create("cmd-1", "acc-1"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    first = *r;
    auto again = (*h)->Handle(Create("cmd-1", "acc-1"));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->replayed);
  }
  auto log = OpenLog();
  auto h = CommandHandler::Open(*log, Clock);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  auto r = (*h)->Handle(Create("cmd-1", "acc-1"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->replayed);
  EXPECT_EQ(r->first_seq, 1u);
  EXPECT_EQ(r->partition, first.partition);
  EXPECT_EQ(r->first_offset, first.first_offset);
  EXPECT_EQ((*h)->event_count(), 1u);
  auto end = log->EndOffset(first.partition);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, 1);
}

TEST_F(WritePathTest, BatchAcrossReopenContinuesEachChain) {
  {
    auto log = OpenLog();
    auto h = CommandHandler::Open(*log, Clock);
    ASSERT_TRUE(h.ok());
    std::vector<Command> batch;
    for (int i = 0; i < 50; ++i) {
      std::string id = "acc-" + std::to_string(i);
      batch.push_back(Create(("c-" + id).c_str(), id.c_str()));
    }
    for (const auto& r : (*h)->HandleBatch(batch)) ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  auto log = OpenLog();
  auto h = CommandHandler::Open(*log, Clock);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ((*h)->event_count(), 50u);
  Command close{CommandId("close-7"), At("2026-10-01T08:00:00Z"), SystemActor(),
                CloseAccount{AccountId("acc-7"), CloseReason::kLeft, {}}};
  auto r = (*h)->Handle(close);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_seq, 2u);
  // A third open verifies the extended chain.
  log.reset();
  auto log2 = OpenLog();
  auto h2 = CommandHandler::Open(*log2, Clock);
  ASSERT_TRUE(h2.ok()) << h2.status().ToString();
  EXPECT_EQ((*h2)->event_count(), 51u);
  EXPECT_EQ((*h2)->account(AccountId("acc-7"))->lifecycle, AccountLifecycle::kClosed);
}

}  // namespace
}  // namespace ledger
