// LedgerIndex over a store: folded in steps as the log grows, in commits of a
// few entries, it holds exactly what one fold of the whole log holds; memory
// holds one commit, never the ledger; a store of another log, of another
// lookup secret, or cut short by a failed write is folded again or resumed.
#include "ops/import/ledger_index.h"

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/memory_state_store.h"
#include "aggregates/testing/workload.h"
#include "events/privacy/lookup_key.h"
#include "events/testing/memory_event_log.h"
#include "projections/view_codec.h"

namespace ledger::import {
namespace {

using Data = std::map<std::string, std::string, std::less<>>;

// Submits `commands[from, to)` to `log`.
void Submit(EventLog& log, const std::vector<Command>& commands, size_t from, size_t to) {
  auto handler = CommandHandler::Open(log, [] { return Timestamp{1'800'000'000'000'000}; });
  ASSERT_TRUE(handler.ok()) << handler.status().ToString();
  for (size_t i = from; i < to; i += 256) {
    const std::span<const Command> group(commands.data() + i, std::min<size_t>(256, to - i));
    for (const Result<Outcome>& r : (*handler)->HandleBatch(group)) ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

// What one fold of the whole log writes, in one commit.
Data FoldAtOnce(EventLog& log, const privacy::LookupKeyer* keyer) {
  MemoryStateStore store;
  auto index = LedgerIndex::Open(log, store, keyer, SIZE_MAX);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return store.data();
}

std::map<char, int> EntriesByKind(const Data& data) {
  std::map<char, int> n;
  for (const auto& [k, v] : data) ++n[k[0]];
  return n;
}

// The workload with matching keys (its guardians have none): each guardian a
// mobile key, every fifth one sharing it with the guardian before (an
// ambiguity), and at the end every seventh one's contact changed (new keys).
std::vector<Command> WithMatchKeys(std::vector<Command> commands) {
  std::vector<std::string> guardians;
  for (Command& c : commands) {
    auto* create = std::get_if<CreateAccount>(&c.body);
    if (create == nullptr || create->data.kind != AccountKind::kGuardian) continue;
    const bool shared = guardians.size() % 5 == 4;
    create->data.match_keys = {"m" + (shared ? guardians.back() : create->account.str())};
    guardians.push_back(create->account.str());
  }
  Command last = commands.back();
  for (size_t i = 0; i < guardians.size(); i += 7) {
    last.id = CommandId("contact-" + guardians[i]);
    last.at.micros += 1000;
    last.body = UpdateContact{AccountId(guardians[i]), true, true, {"e" + guardians[i]}};
    commands.push_back(last);
  }
  return commands;
}

class LedgerIndexStoreTest : public ::testing::Test {
 protected:
  std::vector<Command> commands_ = WithMatchKeys(testing::GenerateWorkload({.families = 600, .seed = 7}));
  MemoryEventLog log_;
};

TEST_F(LedgerIndexStoreTest, FoldedInStepsOfSmallCommitsItHoldsWhatOneFoldHolds) {
  MemoryStateStore store;
  constexpr size_t kFlush = 50;
  const size_t step = commands_.size() / 5 + 1;
  uint64_t folded = 0;
  for (size_t from = 0; from < commands_.size(); from += step) {
    Submit(log_, commands_, from, std::min(commands_.size(), from + step));
    auto index = LedgerIndex::Open(log_, store, nullptr, kFlush);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    EXPECT_FALSE((*index)->refolded());
    folded += (*index)->folded_now();
    // Memory: one commit, not the ledger (an event adds a few entries beyond the bound).
    EXPECT_LE((*index)->peak_pending(), kFlush + 8);
  }
  int64_t records = 0;
  for (int32_t p = 0; p < log_.partition_count(); ++p) records += *log_.EndOffset(p);
  EXPECT_EQ(folded, static_cast<uint64_t>(records)) << "each record folded once over the steps";

  const Data once = FoldAtOnce(log_, nullptr);
  EXPECT_EQ(store.data(), once);
  // The workload exercises every kind of entry, and ten times more accounts
  // than a commit holds.
  const std::map<char, int> kinds = EntriesByKind(once);
  for (char kind : std::string("vilgksopx")) EXPECT_GT(kinds.count(kind) ? kinds.at(kind) : 0, 0) << kind;
  EXPECT_GT(kinds.at('v'), static_cast<int>(10 * kFlush));

  // Nothing new: nothing folded, nothing written.
  const int writes = store.writes();
  auto again = LedgerIndex::Open(log_, store, nullptr, kFlush);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->folded_now(), 0u);
  EXPECT_EQ(store.writes(), writes + 1);  // the meta, rewritten as it was
  EXPECT_EQ(store.data(), once);
}

TEST_F(LedgerIndexStoreTest, AnswersAsTheInMemoryFold) {
  Submit(log_, commands_, 0, commands_.size());
  MemoryStateStore store;
  auto stored = LedgerIndex::Open(log_, store, nullptr, 64);
  auto memory = LedgerIndex::Load(log_);
  ASSERT_TRUE(stored.ok() && memory.ok());
  const LedgerIndex& a = **stored;
  const LedgerIndex& b = **memory;
  std::set<std::string> uais;
  int pupils = 0, links = 0;
  for (const auto& [k, v] : store.data()) {
    if (k[0] != 'v') continue;
    const std::string id = k.substr(1);
    const std::optional<AccountView> view = a.Find(id);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(EncodeView(*view), EncodeView(*b.Find(id)));
    EXPECT_EQ(a.KeysOf(id), b.KeysOf(id));
    for (const std::string& key : a.KeysOf(id)) EXPECT_EQ(a.GuardiansByKey(key), b.GuardiansByKey(key));
    if (view->kind != AccountKind::kPupil) continue;
    ++pupils;
    uais.insert(view->placement.uai.str());
    const auto la = a.LinksOf(id), lb = b.LinksOf(id);
    ASSERT_EQ(la.size(), lb.size()) << id;
    for (const auto& [g, l] : la) EXPECT_EQ(EncodeLink(l), EncodeLink(lb.at(g)));
    links += static_cast<int>(la.size());
  }
  EXPECT_GT(pupils, 600);
  EXPECT_GT(links, 600);
  EXPECT_EQ(a.PupilsAt(uais), b.PupilsAt(uais));
  EXPECT_EQ(a.LeaversFrom(uais), b.LeaversFrom(uais));
  EXPECT_FALSE(a.LeaversFrom(uais).empty());
  // What the entries mean: each open pupil listed once, at its establishment
  // (transfers and closures removed the entry before); each leaver once.
  size_t open = 0, listed = 0, left = 0;
  const auto at = a.PupilsAt(uais);
  for (const auto& [uai, pupils] : at) listed += pupils.size();
  for (const auto& [k, v] : store.data()) {
    if (k[0] != 'v') continue;
    const AccountView view = *a.Find(k.substr(1));
    if (view.kind != AccountKind::kPupil) continue;
    if (view.state == ViewState::kClosed) {
      left += view.closed_reason == "left";
      continue;
    }
    ++open;
    const std::vector<std::string>& here = at.at(view.placement.uai.str());
    EXPECT_TRUE(std::binary_search(here.begin(), here.end(), k.substr(1))) << k;
  }
  EXPECT_EQ(listed, open);
  EXPECT_EQ(a.LeaversFrom(uais).size(), left);
  // Keys: a changed contact's old key no longer finds its guardian; a shared key finds both.
  const std::vector<std::string> guardians = [&] {
    std::vector<std::string> g;
    for (const Command& c : commands_)
      if (auto* create = std::get_if<CreateAccount>(&c.body); create && create->data.kind == AccountKind::kGuardian)
        g.push_back(create->account.str());
    return g;
  }();
  EXPECT_TRUE(a.GuardiansByKey("m" + guardians[0]).empty());
  EXPECT_EQ(a.GuardiansByKey("e" + guardians[0]), std::set<std::string>{guardians[0]});
  EXPECT_EQ(a.GuardiansByKey("m" + guardians[3]), (std::set<std::string>{guardians[3], guardians[4]}));
  EXPECT_TRUE(a.status().ok());
}

TEST_F(LedgerIndexStoreTest, AStoreOfAnotherLogOrAnotherSecretIsFoldedAgain) {
  Submit(log_, commands_, 0, commands_.size() / 2);
  MemoryStateStore store;
  ASSERT_TRUE(LedgerIndex::Open(log_, store, nullptr, 100).ok());

  // Another ledger, the same size: its tails differ.
  MemoryEventLog other;
  Submit(other, WithMatchKeys(testing::GenerateWorkload({.families = 600, .seed = 8})), 0,
         commands_.size() / 2);
  auto on_other = LedgerIndex::Open(other, store, nullptr, 100);
  ASSERT_TRUE(on_other.ok());
  EXPECT_TRUE((*on_other)->refolded());
  EXPECT_EQ(store.data(), FoldAtOnce(other, nullptr));

  // The same log under a lookup secret: keyed logins and INEs, folded again.
  privacy::Secret32 secret{};
  secret.data()[0] = 42;
  const privacy::LookupKeyer keyer(secret);
  auto keyed = LedgerIndex::Open(other, store, &keyer, 100);
  ASSERT_TRUE(keyed.ok());
  EXPECT_TRUE((*keyed)->refolded());
  EXPECT_EQ(store.data(), FoldAtOnce(other, &keyer));
}

// The store is derived: a meta that does not read (junk, cut short, another
// format) is no error, the log is folded again from its start.
TEST_F(LedgerIndexStoreTest, AGarbledMetaIsFoldedAgainFromTheLog) {
  Submit(log_, commands_, 0, commands_.size());
  const Data want = FoldAtOnce(log_, nullptr);
  MemoryStateStore store;
  ASSERT_TRUE(LedgerIndex::Open(log_, store, nullptr, 100).ok());
  const std::string meta = *store.Get("m").value();
  for (const std::string& garbled : {std::string("\xff junk"), meta.substr(0, meta.size() / 2), std::string(),
                                     std::string(1, '\x07') + meta.substr(1), meta + "trailing"}) {
    SCOPED_TRACE(::testing::PrintToString(garbled));
    const std::pair<std::string, std::string> put[] = {{"m", garbled}, {"v-stale-view", "junk left behind"}};
    ASSERT_TRUE(store.Write(put).ok());
    auto again = LedgerIndex::Open(log_, store, nullptr, 100);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_TRUE((*again)->refolded());
    EXPECT_EQ(store.data(), want);
  }
}

TEST_F(LedgerIndexStoreTest, AFailedCommitIsAnErrorAndTheNextOpenResumes) {
  Submit(log_, commands_, 0, commands_.size());
  MemoryStateStore store;
  store.FailWritesFrom(4);  // the disk fills during the fourth commit
  auto failed = LedgerIndex::Open(log_, store, nullptr, 200);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().ToString().find("import index"), std::string::npos) << failed.status().ToString();
  store.Heal();
  auto resumed = LedgerIndex::Open(log_, store, nullptr, 200);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_FALSE((*resumed)->refolded());
  int64_t records = 0;
  for (int32_t p = 0; p < log_.partition_count(); ++p) records += *log_.EndOffset(p);
  EXPECT_LT((*resumed)->folded_now(), static_cast<uint64_t>(records)) << "three commits were kept";
  EXPECT_EQ(store.data(), FoldAtOnce(log_, nullptr));
}

}  // namespace
}  // namespace ledger::import
