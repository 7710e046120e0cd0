#include "aggregates/command_handler.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "aggregates/testing/fixtures.h"
#include "events/codec.h"
#include "events/identifiers.h"
#include "events/testing/memory_event_log.h"

namespace ledger {
namespace {

using namespace ledger::testing;

Clock FixedClock() {
  return [] { return At("2026-01-01T00:00:00Z"); };
}

size_t TotalRecords(MemoryEventLog& log) {
  size_t n = 0;
  for (int p = 0; p < log.partition_count(); ++p) n += log.records(p).size();
  return n;
}

Command Cmd(const char* id, CommandBody body, Actor actor, const char* at = "2022-09-05T09:00:00Z") {
  return Command{CommandId(id), At(at), std::move(actor), std::move(body)};
}

Command CreatePupil(const char* id = "c-create") {
  return Cmd(id, CreateAccount{AccountId("acc-p-1"), NewPupil()}, SystemActor(), "2022-09-01T08:00:00Z");
}

TEST(CommandHandlerTest, AppendsChainedEventsToTheStreamsPartition) {
  MemoryEventLog log(12);
  auto h = CommandHandler::Open(log, FixedClock()).value();
  auto created = h->Handle(CreatePupil());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto notified = h->Handle(Cmd("c-notify", NotifyAccount{AccountId("acc-p-1"), NotifyChannel::kLetter, {}, false},
                                HeadActor(kCollegeUai)));
  ASSERT_TRUE(notified.ok()) << notified.status().ToString();

  int32_t p = PartitionForKey("acc-p-1", 12);
  ASSERT_EQ(log.records(p).size(), 2u);
  EXPECT_EQ(notified->partition, p);
  EXPECT_EQ(notified->first_offset, 1);
  auto first = DecodeRecord(log.records(p)[0].value).value().event;
  auto second = DecodeRecord(log.records(p)[1].value).value().event;
  EXPECT_EQ(first.seq, 1u);
  EXPECT_EQ(second.seq, 2u);
  EXPECT_EQ(second.prev_hash, first.hash);
  EXPECT_EQ(second.command_id.str(), "c-notify");
  EXPECT_EQ(FormatRfc3339(second.recorded_at), "2026-01-01T00:00:00Z");
  EXPECT_EQ(h->account(AccountId("acc-p-1"))->lifecycle, AccountLifecycle::kNotified);
}

TEST(CommandHandlerTest, SameCommandTwiceYieldsOneEvent) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, FixedClock()).value();
  auto a = h->Handle(CreatePupil());
  auto b = h->Handle(CreatePupil());
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_FALSE(a->replayed);
  EXPECT_TRUE(b->replayed);
  EXPECT_EQ(b->first_seq, 1u);
  EXPECT_EQ(b->count, 1u);
  EXPECT_EQ(b->first_offset, a->first_offset);
  EXPECT_EQ(TotalRecords(log), 1u);
}

TEST(CommandHandlerTest, SameCommandAfterReopenYieldsOneEvent) {
  MemoryEventLog log;
  {
    auto h = CommandHandler::Open(log, FixedClock()).value();
    ASSERT_TRUE(h->Handle(CreatePupil()).ok());
  }
  auto reopened = CommandHandler::Open(log, FixedClock()).value();
  EXPECT_EQ(reopened->event_count(), 1u);
  auto again = reopened->Handle(CreatePupil());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(TotalRecords(log), 1u);
  // The reopened handler continues the chain where the log left it.
  auto next = reopened->Handle(Cmd("c-2", NotifyAccount{AccountId("acc-p-1"), NotifyChannel::kLetter, {}, false},
                                   HeadActor(kCollegeUai)));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->first_seq, 2u);
}

TEST(CommandHandlerTest, RejectedCommandAppendsNothingAndLeavesNoState) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, FixedClock()).value();
  AccountCreated no_ine = NewPupil();
  no_ine.ine = Ine();
  auto r = h->Handle(Cmd("c-1", CreateAccount{AccountId("acc-p-1"), no_ine}, SystemActor()));
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(TotalRecords(log), 0u);
  EXPECT_EQ(h->account(AccountId("acc-p-1")), nullptr);
  // The same command id, corrected, is not mistaken for a duplicate.
  EXPECT_TRUE(h->Handle(Cmd("c-1", CreateAccount{AccountId("acc-p-1"), NewPupil()}, SystemActor())).ok());
}

TEST(CommandHandlerTest, RejectsCommandDatedBeforeTheStreamsLastEvent) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, FixedClock()).value();
  ASSERT_TRUE(h->Handle(CreatePupil()).ok());
  auto r = h->Handle(Cmd("c-old", ChangeClass{AccountId("acc-p-1"), "3E1"}, SystemActor(),
                         "2022-08-01T00:00:00Z"));
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("before the last event"), std::string::npos);
}

TEST(CommandHandlerTest, LinkCarriesThePupilsCurrentPlacement) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, FixedClock()).value();
  ASSERT_TRUE(h->Handle(CreatePupil()).ok());
  ASSERT_TRUE(h->Handle(Cmd("c-g", CreateAccount{AccountId("acc-g-1"), NewGuardian()}, SystemActor())).ok());
  auto linked = h->Handle(Cmd("c-l", LinkGuardian{AccountId("acc-g-1"), AccountId("acc-p-1"), LinkRank::kLegal1,
                                                  "20", SourceSystem::kSiecle, "ELEVE_ID=1", "r.xml"},
                              SystemActor()));
  ASSERT_TRUE(linked.ok()) << linked.status().ToString();
  const auto& e = std::get<GuardianLinked>(linked->events.front().payload);
  EXPECT_EQ(e.pupil_placement.uai, kCollegeUai);
  EXPECT_EQ(e.pupil_placement.department, "035");
}

TEST(CommandHandlerTest, StaffActsThroughADelegationRecordedInTheEstablishmentStream) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, FixedClock()).value();
  ASSERT_TRUE(h->Handle(CreatePupil()).ok());
  Actor staff = StaffActor("staff-7", kCollegeUai, Module::kAccountsAdmin);
  Command notify = Cmd("c-n", NotifyAccount{AccountId("acc-p-1"), NotifyChannel::kLetter, {}, false}, staff);
  EXPECT_EQ(h->Handle(notify).status().code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(h->Handle(Cmd("c-d", DelegateRights{kCollegeUai, StaffId("staff-7"), Module::kAccountsAdmin,
                                                  At("2023-08-31T23:59:59Z"), "RUPN"},
                            HeadActor(kCollegeUai), "2022-09-02T08:00:00Z"))
                  .ok());
  EXPECT_TRUE(h->Handle(notify).ok());
  EXPECT_EQ(h->establishment(kCollegeUai)->position.seq, 1u);
}

TEST(CommandHandlerTest, FailedFlushPoisonsTheHandlerUntilReopen) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, FixedClock()).value();
  log.FailNextFlush(Unavailable("disk full"));
  std::vector<Command> batch = {CreatePupil(), Cmd("c-g", CreateAccount{AccountId("acc-g-1"), NewGuardian()},
                                                   SystemActor())};
  auto results = h->HandleBatch(batch);
  for (auto& r : results) {
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(r.status().message().find("disk full"), std::string::npos);
  }
  EXPECT_EQ(h->Handle(Cmd("c-x", CreateAccount{AccountId("acc-g-2"), NewGuardian()}, SystemActor()))
                .status().code(),
            StatusCode::kUnavailable);
  // After reopening, whatever reached the log is recognised: resubmitting is safe.
  auto reopened = CommandHandler::Open(log, FixedClock()).value();
  auto again = reopened->HandleBatch(batch);
  for (auto& r : again) {
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->replayed);
  }
  EXPECT_EQ(TotalRecords(log), 2u);
}

// A vault whose key store fails for the accounts in `failing` (as a store
// failing under a worker fails the accounts of a chunk and every later one).
class FailingVault : public PersonalDataVault {
 public:
  std::set<std::string> failing;
  std::vector<std::string> prepared;
  int finished = 0;
  Status PrepareKeys(std::span<const AccountToCreate> accounts) override {
    for (const AccountToCreate& a : accounts) prepared.emplace_back(a.person);
    return OkStatus();
  }
  Status Seal(Event& e) override {
    if (std::holds_alternative<AccountCreated>(e.payload) && failing.count(e.stream.str()))
      return Unavailable("the key store failed (fake)");
    return OkStatus();  // left in clear: this test is about the handler
  }
  void FinishBatch() override { ++finished; }
  Status Open(const StreamId&, AccountCreated&) override { return OkStatus(); }
  Status Erase(const std::string&) override { return OkStatus(); }
  std::string KeyedLookup(std::string_view, std::string_view value) const override { return std::string(value); }
};

TEST(CommandHandlerTest, AKeyStoreFailingInABatchRefusesTheRestOfItAndKeepsWhatCameBefore) {
  MemoryEventLog log;
  FailingVault vault;
  vault.failing = {"acc-g-2"};
  auto h = CommandHandler::Open(log, FixedClock(), &vault).value();
  std::vector<Command> batch = {
      CreatePupil(), Cmd("c-g2", CreateAccount{AccountId("acc-g-2"), NewGuardian()}, SystemActor()),
      Cmd("c-g3", CreateAccount{AccountId("acc-g-3"), NewGuardian()}, SystemActor()),
      Cmd("c-n", NotifyAccount{AccountId("acc-p-1"), NotifyChannel::kLetter, {}, false}, SupportActor())};
  ASSERT_TRUE(h->Handle(Cmd("c-g0", CreateAccount{AccountId("acc-g-0"), NewGuardian()}, SystemActor())).ok());
  batch.push_back(Cmd("c-g0", CreateAccount{AccountId("acc-g-0"), NewGuardian()}, SystemActor()));
  vault.prepared.clear();
  const int finished_before = vault.finished;
  auto results = h->HandleBatch(batch);
  EXPECT_EQ(vault.prepared, (std::vector<std::string>{"acc-p-1", "acc-g-2", "acc-g-3"}));
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(results[i].status().code(), StatusCode::kUnavailable) << i;
    EXPECT_NE(results[i].status().message().find("key store"), std::string::npos);
  }
  // A replay after the failure still gets its recorded outcome.
  ASSERT_TRUE(results[4].ok()) << results[4].status().ToString();
  EXPECT_TRUE(results[4]->replayed);
  EXPECT_EQ(TotalRecords(log), 2u);  // acc-g-0's and the pupil's creations, flushed and acknowledged
  EXPECT_EQ(vault.finished, finished_before + 1);
  // The handler is not poisoned: the same commands again, the store back.
  vault.failing.clear();
  auto again = h->HandleBatch(batch);
  ASSERT_TRUE(again[0].ok());
  EXPECT_TRUE(again[0]->replayed);
  for (size_t i = 1; i < again.size(); ++i) EXPECT_TRUE(again[i].ok()) << again[i].status().ToString();
  EXPECT_EQ(TotalRecords(log), 5u);
  // An account already in the log is not named to the vault again.
  EXPECT_EQ(vault.prepared, (std::vector<std::string>{"acc-p-1", "acc-g-2", "acc-g-3", "acc-g-2", "acc-g-3"}));
}

TEST(CommandHandlerTest, BatchCommandsSeeEachOther) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, FixedClock()).value();
  std::vector<Command> batch = {
      CreatePupil(), Cmd("c-g", CreateAccount{AccountId("acc-g-1"), NewGuardian()}, SystemActor()),
      Cmd("c-l", LinkGuardian{AccountId("acc-g-1"), AccountId("acc-p-1"), LinkRank::kLegal1, "20",
                              SourceSystem::kSiecle, "", ""},
          SystemActor())};
  auto results = h->HandleBatch(batch);
  for (auto& r : results) EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(TotalRecords(log), 3u);
}

TEST(CommandHandlerTest, OpenRefusesACorruptLogNamingPartitionAndOffset) {
  MemoryEventLog log(4);
  {
    auto h = CommandHandler::Open(log, FixedClock()).value();
    ASSERT_TRUE(h->Handle(CreatePupil()).ok());
  }
  int32_t p = PartitionForKey("acc-p-1", 4);
  log.records(p)[0].value = "not a record";
  auto r = CommandHandler::Open(log, FixedClock());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("log partition " + std::to_string(p) + " offset 0"),
            std::string::npos)
      << r.status().ToString();
}

}  // namespace
}  // namespace ledger

namespace ledger {
namespace {

// A log whose offsets are known only at Flush, like Kafka's delivery reports.
class DeferredOffsetLog final : public EventLog {
 public:
  int32_t partition_count() const override { return inner_.partition_count(); }
  Result<int64_t> Append(std::string_view key, std::span<const std::string> values) override {
    return inner_.Append(key, values);
  }
  Status AppendAsync(std::string_view key, std::span<const std::string> values,
                     std::function<void(int64_t)> on_offset) override {
    LEDGER_ASSIGN_OR_RETURN(int64_t first, inner_.Append(key, values));
    pending_.emplace_back(first, std::move(on_offset));
    return OkStatus();
  }
  Status Flush() override {
    if (fail_) return Unavailable("broker gone");
    for (auto& [offset, f] : pending_) f(offset);
    pending_.clear();
    return OkStatus();
  }
  Result<int64_t> EndOffset(int32_t p) override { return inner_.EndOffset(p); }
  Result<std::unique_ptr<LogReader>> OpenReader(int32_t p, int64_t from) override {
    return inner_.OpenReader(p, from);
  }
  bool fail_ = false;

 private:
  MemoryEventLog inner_;
  std::vector<std::pair<int64_t, std::function<void(int64_t)>>> pending_;
};

TEST(CommandHandlerTest, OffsetsKnownOnlyAtFlushAreFilledIntoBatchResults) {
  using namespace ledger::testing;
  DeferredOffsetLog log;
  auto h = CommandHandler::Open(log, [] { return At("2026-01-01T00:00:00Z"); }).value();
  std::vector<Command> batch;
  for (int i = 0; i < 20; ++i)
    batch.push_back(Command{CommandId("c" + std::to_string(i)), At("2022-09-01T08:00:00Z"), SystemActor(),
                            CreateAccount{AccountId("acc-" + std::to_string(i)), NewPupil()}});
  auto results = h->HandleBatch(batch);
  std::map<int32_t, int64_t> next;
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->first_offset, next[r->partition]++) << "offsets in append order per partition";
  }
  // A replay answers with the same offset.
  auto again = h->Handle(batch[7]);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->first_offset, results[7]->first_offset);
  // A failed flush acknowledges nothing.
  log.fail_ = true;
  auto failed = h->Handle(Command{CommandId("late"), At("2022-09-02T08:00:00Z"), SystemActor(),
                                  CreateAccount{AccountId("acc-late"), NewPupil()}});
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ledger
