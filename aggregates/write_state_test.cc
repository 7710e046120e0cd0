// The write path with its state in a store and a cache of fixed size
// (write_state.h): the cache stays at its size while the workload touches ten
// times as many streams, and the log written is byte for byte the one an
// unbounded handler writes — through evictions, reopens, a store that failed,
// a store ahead of the log. And the state's bytes round-trip.
#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/fixtures.h"
#include "aggregates/memory_state_store.h"
#include "aggregates/testing/workload.h"
#include "aggregates/write_state.h"
#include "events/hash_chain.h"
#include "events/identifiers.h"
#include "events/privacy/key_store.h"
#include "events/privacy/key_vault.h"
#include "events/privacy/secret.h"
#include "events/testing/memory_event_log.h"

namespace ledger {
namespace {

using namespace ledger::testing;

Clock FixedClock() {
  return [] { return At("2026-01-01T00:00:00Z"); };
}

// Every record of the log, partition by partition, as bytes.
std::vector<std::string> Records(MemoryEventLog& log) {
  std::vector<std::string> out;
  for (int p = 0; p < log.partition_count(); ++p)
    for (const LogRecord& r : log.records(p)) out.push_back(std::to_string(p) + "|" + r.key + "|" + r.value);
  return out;
}

// What an unbounded handler writes for `commands` in batches of `batch`, and
// each command's result ("ok", or the status code).
struct Reference {
  MemoryEventLog log;
  std::vector<std::string> results;
};

std::string Describe(const Result<Outcome>& r) {
  if (!r.ok()) return std::string(StatusCodeName(r.status().code()));
  return "ok " + std::to_string(r->first_seq) + "+" + std::to_string(r->count) + (r->replayed ? " replayed" : "");
}

void Submit(CommandHandler& h, std::span<const Command> commands, size_t batch, std::vector<std::string>& results) {
  for (size_t i = 0; i < commands.size(); i += batch) {
    auto part = commands.subspan(i, std::min(batch, commands.size() - i));
    for (const auto& r : h.HandleBatch(part)) results.push_back(Describe(r));
  }
}

// `again` (the first commands submitted a second time) answered from the
// log: each one that appended is now a replay of the same events.
void ExpectReplays(const std::vector<std::string>& again, const std::vector<std::string>& first) {
  for (size_t i = 0; i < again.size(); ++i) {
    if (first[i] != "ok 0+0" && first[i].rfind("ok", 0) == 0) {
      EXPECT_EQ(again[i], first[i] + " replayed") << i;
    }
  }
}

std::unique_ptr<Reference> Unbounded(std::span<const Command> commands, size_t batch) {
  auto ref = std::make_unique<Reference>();
  auto h = CommandHandler::Open(ref->log, FixedClock()).value();
  Submit(*h, commands, batch, ref->results);
  return ref;
}

TEST(WriteStateTest, TheCacheStaysAtItsSizeWhileTheWorkloadTouchesTenTimesAsManyStreams) {
  const std::vector<Command> commands = GenerateWorkload({.families = 60, .seed = 7});
  const auto ref = Unbounded(commands, 16);

  MemoryEventLog log;
  MemoryStateStore store;
  const size_t kCache = 20;
  auto h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, kCache}).value();
  std::vector<std::string> results;
  size_t most = 0;
  for (size_t i = 0; i < commands.size(); i += 16) {
    auto part = std::span<const Command>(commands).subspan(i, std::min<size_t>(16, commands.size() - i));
    for (const auto& r : h->HandleBatch(part)) results.push_back(Describe(r));
    most = std::max(most, h->cached_streams());
  }
  EXPECT_LE(most, kCache);
  EXPECT_GE(h->stream_count(), 10 * kCache);
  EXPECT_EQ(h->event_count(), Records(ref->log).size());
  // Every decision the same as with everything in memory: the same log, byte for byte.
  EXPECT_EQ(results, ref->results);
  EXPECT_EQ(Records(log), Records(ref->log));
  // The states evicted were read back from the store.
  EXPECT_GT(store.gets(), static_cast<int>(h->stream_count()));
}

TEST(WriteStateTest, AReopenFoldsOnlyWhatTheStoreLacksAndAnswersReplaysFromIt) {
  const std::vector<Command> commands = GenerateWorkload({.families = 30, .seed = 3});
  const auto ref = Unbounded(commands, 10);
  const size_t half = commands.size() / 2;

  MemoryEventLog log;
  MemoryStateStore store;
  std::vector<std::string> results;
  {
    auto h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, 8}).value();
    Submit(*h, std::span<const Command>(commands).first(half), 10, results);
  }
  auto h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, 8}).value();
  EXPECT_EQ(h->cached_streams(), 0u) << "nothing to fold: the store held the whole log";
  // The first half again: every command answered as a replay, nothing appended.
  std::vector<std::string> again;
  Submit(*h, std::span<const Command>(commands).first(half), 10, again);
  ExpectReplays(again, ref->results);
  Submit(*h, std::span<const Command>(commands).subspan(half), 10, results);
  EXPECT_EQ(results, ref->results);
  EXPECT_EQ(Records(log), Records(ref->log));
}

TEST(WriteStateTest, AStoreThatFailedIsCaughtUpFromTheLogAtTheNextOpen) {
  const std::vector<Command> commands = GenerateWorkload({.families = 30, .seed = 5});
  const auto ref = Unbounded(commands, 10);
  const size_t cut = commands.size() / 3;

  MemoryEventLog log;
  MemoryStateStore store;
  std::vector<std::string> results;
  auto h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, 8}).value();
  Submit(*h, std::span<const Command>(commands).first(cut), 10, results);
  store.FailWritesFrom(1);
  // This batch reaches the log (and is answered so); its state does not reach the store.
  auto batch = std::span<const Command>(commands).subspan(cut, 10);
  for (const auto& r : h->HandleBatch(batch)) results.push_back(Describe(r));
  EXPECT_EQ(std::vector<std::string>(results.begin() + cut, results.end()),
            std::vector<std::string>(ref->results.begin() + cut, ref->results.begin() + cut + 10));
  // The handler is poisoned: the caller reopens.
  auto poisoned = h->Handle(commands[cut + 10]);
  ASSERT_FALSE(poisoned.ok());
  EXPECT_EQ(poisoned.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(poisoned.status().message().find("write path's state"), std::string::npos);

  store.Heal();
  h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, 8}).value();
  EXPECT_GT(h->cached_streams(), 0u) << "the batch the store missed was folded from the log";
  Submit(*h, std::span<const Command>(commands).subspan(cut + 10), 10, results);
  EXPECT_EQ(results, ref->results);
  EXPECT_EQ(Records(log), Records(ref->log));
}

TEST(WriteStateTest, AFirstOpenOnALongLogCommitsAsItFoldsAndStaysBounded) {
  const std::vector<Command> commands = GenerateWorkload({.families = 40, .seed = 9});
  const auto ref = Unbounded(commands, 25);
  const size_t cut = commands.size() * 2 / 3;

  // A log written without a store: the first open with one folds all of it.
  MemoryEventLog log;
  std::vector<std::string> results;
  {
    auto h = CommandHandler::Open(log, FixedClock()).value();
    Submit(*h, std::span<const Command>(commands).first(cut), 25, results);
  }
  MemoryStateStore store;
  auto h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, 6}).value();
  EXPECT_LE(h->cached_streams(), 6u);
  EXPECT_GT(store.writes(), 5) << "the fold committed as it went";
  EXPECT_EQ(h->event_count(), Records(log).size());
  // Replays of commands whose events straddled a commit of the fold are whole.
  std::vector<std::string> again;
  Submit(*h, std::span<const Command>(commands).first(cut), 25, again);
  ExpectReplays(again, ref->results);
  Submit(*h, std::span<const Command>(commands).subspan(cut), 25, results);
  EXPECT_EQ(results, ref->results);
  EXPECT_EQ(Records(log), Records(ref->log));
}

TEST(WriteStateTest, AStoreAheadOfTheLogIsClearedAndRebuilt) {
  const std::vector<Command> commands = GenerateWorkload({.families = 20, .seed = 11});
  const auto ref = Unbounded(commands, 10);
  MemoryStateStore store;
  {
    // The store of another, longer log.
    MemoryEventLog other;
    auto h = CommandHandler::Open(other, FixedClock(), nullptr, {&store, 8}).value();
    std::vector<std::string> ignored;
    Submit(*h, commands, 10, ignored);
  }
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, 8}).value();
  EXPECT_EQ(store.clears(), 1);
  EXPECT_EQ(h->event_count(), 0u);
  std::vector<std::string> results;
  Submit(*h, commands, 10, results);
  EXPECT_EQ(results, ref->results);
  EXPECT_EQ(Records(log), Records(ref->log));
}

TEST(WriteStateTest, AStoreOfAnotherLogBehindThisOneIsClearedAndRebuilt) {
  const std::vector<Command> commands = GenerateWorkload({.families = 20, .seed = 17});
  const auto ref = Unbounded(commands, 10);
  MemoryStateStore store;
  {
    // Another log of the same commands, recorded at another time: other hashes.
    MemoryEventLog other;
    auto h = CommandHandler::Open(other, [] { return At("2025-01-01T00:00:00Z"); }, nullptr, {&store, 8}).value();
    std::vector<std::string> ignored;
    Submit(*h, std::span<const Command>(commands).first(commands.size() / 4), 10, ignored);
  }
  MemoryEventLog log;
  std::vector<std::string> results;
  {
    auto h = CommandHandler::Open(log, FixedClock()).value();
    Submit(*h, std::span<const Command>(commands).first(commands.size() / 2), 10, results);
  }
  auto h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, 8}).value();
  EXPECT_EQ(store.clears(), 1);
  EXPECT_EQ(h->event_count(), Records(log).size());
  Submit(*h, std::span<const Command>(commands).subspan(commands.size() / 2), 10, results);
  EXPECT_EQ(results, ref->results);
  EXPECT_EQ(Records(log), Records(ref->log));
}

// With sealed personal data the store keeps no birth date in clear: a
// pupil's activation opens it again from the creation's ciphertext — after
// its state was evicted, and after a reopen (found by the CLI's crash test).
TEST(WriteStateTest, ASealedBirthDateIsOpenedAgainOnceTheClearOneIsGone) {
  MemoryEventLog log;
  privacy::MemoryKeyStore keys;
  privacy::KeyVault vault(keys, privacy::Secret32::Random());
  MemoryStateStore store;
  auto notify = [](const char* id, const char* account) {
    return Command{CommandId(id), At("2022-09-02T08:00:00Z"), HeadActor(kCollegeUai),
                   NotifyAccount{AccountId(account), NotifyChannel::kLetter, {}, false}};
  };
  auto activate = [](const char* id, const char* account, Date birth) {
    return Command{CommandId(id), At("2022-09-03T08:00:00Z"), PupilActor(account),
                   ActivateAccount{AccountId(account), ActivationMethod::kProvisionalPassword, birth}};
  };
  {
    auto h = CommandHandler::Open(log, FixedClock(), &vault, {&store, 1}).value();
    std::vector<Command> batch;
    for (const char* p : {"acc-p-1", "acc-p-2", "acc-p-3"})
      batch.push_back(Command{CommandId(std::string("c-") + p), At("2022-09-01T08:00:00Z"), SystemActor(),
                              CreateAccount{AccountId(p), NewPupil()}});
    batch.push_back(Command{CommandId("c-acc-g-1"), At("2022-09-01T08:00:00Z"), SystemActor(),
                            CreateAccount{AccountId("acc-g-1"), NewGuardian()}});
    batch.push_back(notify("n-1", "acc-p-1"));
    batch.push_back(notify("n-2", "acc-p-2"));
    for (const auto& r : h->HandleBatch(batch)) ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_LE(h->cached_streams(), 1u);
    // acc-p-1 was evicted: its birth date comes back from the log.
    auto wrong = h->Handle(activate("a-1x", "acc-p-1", Date{2011, 3, 15}));
    EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
    auto right = h->Handle(activate("a-1", "acc-p-1", Date{2011, 3, 14}));
    EXPECT_TRUE(right.ok()) << right.status().ToString();
  }
  for (const auto& [key, value] : store.data()) {
    if (key.rfind("sacc-", 0) != 0) continue;
    const AccountState state = DecodeAccountState(value).value();
    EXPECT_FALSE(state.birth_date.has_value()) << key;
    // Only a pupil's activation needs the birth date: a guardian's state
    // keeps no ciphertext (it would be written again at every change).
    EXPECT_EQ(state.sealed_creation.empty(), !state.is_pupil()) << key;
  }
  EXPECT_TRUE(store.data().count("sacc-g-1"));
  // The state keeps the creation's ciphertext: the log is not read again.
  // (acc-p-2's creation is damaged; its notification after it is the
  // partition's tail, which the reopen checks.)
  const int32_t p2 = PartitionForKey("acc-p-2", log.partition_count());
  ASSERT_GE(log.records(p2).size(), 2u);
  ASSERT_EQ(log.records(p2).back().key, "acc-p-2");
  for (LogRecord& r : log.records(p2))
    if (r.key == "acc-p-2" && &r != &log.records(p2).back()) r.value = "damaged";
  auto h = CommandHandler::Open(log, FixedClock(), &vault, {&store, 1}).value();
  auto right = h->Handle(activate("a-2", "acc-p-2", Date{2011, 3, 14}));
  EXPECT_TRUE(right.ok()) << right.status().ToString();
}

TEST(WriteStateTest, AccountStatesRoundTripAndNeverKeepTheLoginOrASealedBirthDate) {
  AccountState s;
  s.position = StreamPosition{4, Hash{1, 2, 3}, At("2023-01-02T03:04:05Z")};
  s.kind = AccountKind::kGuardian;
  s.lifecycle = AccountLifecycle::kActivated;
  s.login = "m.morel3";
  s.placement = College("3E2");
  s.birth_date = Date{2011, 3, 14};
  s.has_mobile = true;
  s.match_keys = {"k1", std::string("k\0two", 5)};
  s.letter_expires_at = At("2023-04-02T00:00:00Z");
  s.has_ledger_password = true;
  s.activation_method = ActivationMethod::kSelfRegistration;
  s.reset_pending = true;
  s.links["acc-p-1"] = LinkState{Lycee(), LinkRank::kEnCharge, LinkStatus::kDisputed};
  s.links["acc-p-2"] = LinkState{Ecole(), LinkRank::kLegal2, LinkStatus::kConfirmed};
  s.closed_reason = "merged_into";
  s.created_offset = 77;
  s.sealed_creation = std::string("\x01nonce+ciphertext\0", 19);

  AccountState back = DecodeAccountState(EncodeAccountState(s, true)).value();
  EXPECT_EQ(back.login, "") << "a login is never stored";
  back.login = s.login;
  EXPECT_EQ(back.position.seq, 4u);
  EXPECT_EQ(back.position.last_hash, s.position.last_hash);
  EXPECT_EQ(back.position.last_at, s.position.last_at);
  EXPECT_EQ(EncodeAccountState(back, true), EncodeAccountState(s, true));
  EXPECT_EQ(back.birth_date, s.birth_date);
  EXPECT_EQ(back.links.at("acc-p-1").rank, LinkRank::kEnCharge);
  EXPECT_EQ(back.match_keys, s.match_keys);
  EXPECT_EQ(back.activation_method, ActivationMethod::kSelfRegistration);
  EXPECT_EQ(back.created_offset, 77);
  EXPECT_EQ(back.sealed_creation, s.sealed_creation);

  AccountState sealed = DecodeAccountState(EncodeAccountState(s, false)).value();
  EXPECT_FALSE(sealed.birth_date.has_value()) << "with sealed personal data the date is opened from the log";
}

TEST(WriteStateTest, EstablishmentsCommandsAndPositionsRoundTrip) {
  EstablishmentState e;
  e.position.seq = 2;
  e.uai = kCollegeUai;
  e.delegations[{"staff-1", Module::kPupilSupport}] =
      DelegationState{StaffId("head-1"), At("2022-09-01T00:00:00Z"), At("2023-08-31T23:59:59Z"), true, "left"};
  EstablishmentState eb = DecodeEstablishmentState(EncodeEstablishmentState(e)).value();
  EXPECT_EQ(EncodeEstablishmentState(eb), EncodeEstablishmentState(e));
  EXPECT_TRUE(eb.delegations.at({"staff-1", Module::kPupilSupport}).revoked);

  CommandRecord c{StreamId("acc-1"), 3, 2, 7, 12345};
  CommandRecord cb = DecodeCommandRecord(EncodeCommandRecord(c)).value();
  EXPECT_EQ(cb.stream.str(), "acc-1");
  EXPECT_EQ(cb.first_seq, 3u);
  EXPECT_EQ(cb.count, 2u);
  EXPECT_EQ(cb.partition, 7);
  EXPECT_EQ(cb.first_offset, 12345);

  WriteStateMeta m{{0, 5, 9}, {Hash{}, Hash{5}, Hash{9, 9}}, 14, 6, {"acc-9"}};
  WriteStateMeta mb = DecodeWriteStateMeta(EncodeWriteStateMeta(m)).value();
  EXPECT_EQ(mb.folded, m.folded);
  EXPECT_EQ(mb.tails, m.tails);
  EXPECT_EQ(mb.event_count, 14u);
  EXPECT_EQ(mb.stream_count, 6u);
  EXPECT_EQ(mb.pending_erasures, m.pending_erasures);
}

TEST(WriteStateTest, DamagedStateBytesAreDataLossNamingWhat) {
  AccountState s;
  s.placement = College();
  s.links["acc-p-1"] = LinkState{Lycee(), LinkRank::kLegal1, LinkStatus::kConfirmed};
  const std::string bytes = EncodeAccountState(s, true);
  for (size_t cut : {size_t{0}, size_t{1}, size_t{20}, bytes.size() - 1}) {
    auto r = DecodeAccountState(std::string_view(bytes).substr(0, cut));
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(r.status().message().find("an account's state"), std::string::npos) << r.status().ToString();
  }
  EXPECT_FALSE(DecodeAccountState(bytes + "x").ok()) << "bytes left over";
  std::string bad_kind = bytes;
  bad_kind[1 + 8 + 32 + 8] = 9;  // format, seq, hash, time, then the kind
  auto r = DecodeAccountState(bad_kind);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("out of range"), std::string::npos);
  // A length that claims more than there is does not allocate it.
  std::string huge = EncodeCommandRecord(CommandRecord{StreamId("a"), 1, 1, 0, 0});
  huge[1] = '\xff';
  huge[8] = '\x7f';
  EXPECT_EQ(DecodeCommandRecord(huge).status().code(), StatusCode::kDataLoss);
}

TEST(WriteStateTest, AStateThatDoesNotDecodeIsDataLossForTheCommandNamingTheAccount) {
  // A state that does not decode is DataLoss for the command that needs it.
  MemoryEventLog log;
  MemoryStateStore store;
  auto h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, 1}).value();
  ASSERT_TRUE(h->Handle(Command{CommandId("c1"), At("2022-09-01T08:00:00Z"), SystemActor(),
                                CreateAccount{AccountId("acc-p-1"), NewPupil()}}).ok());
  ASSERT_TRUE(h->Handle(Command{CommandId("c2"), At("2022-09-01T08:00:00Z"), SystemActor(),
                                CreateAccount{AccountId("acc-p-2"), NewPupil()}}).ok());
  store.data()["sacc-p-1"] = "\x01garbage";  // evicted (cache of 1), so read back from the store
  auto r = h->Handle(Command{CommandId("c3"), At("2022-09-05T09:00:00Z"), HeadActor(kCollegeUai),
                             NotifyAccount{AccountId("acc-p-1"), NotifyChannel::kLetter, {}, false}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("acc-p-1"), std::string::npos) << r.status().ToString();
}

// No command of today's catalogue yields two events, but the log allows it
// (Outcome::count): a first fold that commits between such a command's
// events still records the command whole.
TEST(WriteStateTest, ACommandWhoseEventsStraddleACommitOfTheFoldIsReplayedWhole) {
  MemoryEventLog log;
  const StreamId stream("acc-p-1");
  std::vector<std::string> records;
  Event e;
  for (Payload p : {Payload(NewPupil()), Payload(PasswordReset{ResetChannel::kStaff})}) {
    const Hash prev = e.hash;
    e = Event{};
    e.seq = records.size() + 1;
    e.stream = stream;
    e.event_id = MakeEventId(stream, e.seq);
    e.occurred_at = At("2022-09-01T08:00:00Z");
    e.recorded_at = e.occurred_at;
    e.actor = SystemActor();
    e.command_id = CommandId("c-two");
    e.prev_hash = prev;
    e.payload = std::move(p);
    records.push_back(SealEvent(e));
  }
  ASSERT_TRUE(log.Append(stream.str(), records).ok());
  MemoryStateStore store;
  auto h = CommandHandler::Open(log, FixedClock(), nullptr, {&store, 1}).value();
  EXPECT_GE(store.writes(), 2) << "a commit after each record of the fold";
  auto r = h->Handle(Command{CommandId("c-two"), At("2022-09-01T08:00:00Z"), SystemActor(),
                             CreateAccount{AccountId("acc-p-1"), NewPupil()}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->replayed);
  EXPECT_EQ(r->first_seq, 1u);
  EXPECT_EQ(r->count, 2u);
  EXPECT_EQ(r->first_offset, 0);
}

}  // namespace
}  // namespace ledger
