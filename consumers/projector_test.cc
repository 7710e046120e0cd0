// The projector on in-memory logs: views agree with the write path's own
// state, results do not depend on partitioning, interleaving or batch size,
// restarts resume exactly, and bad records are quarantined while the rest goes on.
#include "consumers/projector.h"

#include <unistd.h>

#include <numeric>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/temp_dir.h"
#include "projections/view_codec.h"

namespace ledger {
namespace {

using Dump = std::map<std::string, std::string>;

class ProjectorTest : public ::testing::Test {
 protected:

  // Writes the workload through the real write path.
  static void Fill(EventLog& log, size_t families, uint32_t seed = 11) {
    auto h = CommandHandler::Open(log, [] { return Timestamp{1}; });
    ASSERT_TRUE(h.ok());
    for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({families, seed, "w"})))
      ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::unique_ptr<ProjectionDb> Db(const std::string& name) {
    auto db = ProjectionDb::Open(dir_ / name, {});
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return std::move(*db);
  }

  Dump Project(EventLog& log, const std::string& name, size_t batch, int threads = 1) {
    auto db = Db(name);
    Projector p(log, *db, ProjectorOptions{batch, threads});
    auto r = p.CatchUp();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->quarantined, 0);
    return *db->Dump(false);
  }

  testing::TempDir tmp_{"projector"};
  const std::filesystem::path& dir_ = tmp_.path();
};

TEST_F(ProjectorTest, ViewsAgreeWithTheWritePathState) {
  MemoryEventLog log;
  Fill(log, 300);
  auto h = CommandHandler::Open(log, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  auto db = Db("db");
  Projector p(log, *db);
  auto r = p.CatchUp();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, static_cast<int64_t>((*h)->event_count()));
  int64_t pupils = 0, activated_pupils = 0;
  for (size_t f = 0; f < 300; ++f) {
    for (int k = 0; k < 3; ++k) {
      std::string id = "w-f" + std::to_string(f) + "-p" + std::to_string(k);
      const AccountState* s = (*h)->account(AccountId(id));
      auto v = db->View(id);
      ASSERT_TRUE(v.ok());
      ASSERT_EQ(s != nullptr, v->has_value()) << id;
      if (!s) continue;
      EXPECT_EQ(Name((*v)->state), Name(s->lifecycle)) << id;
      EXPECT_EQ((*v)->placement, s->placement) << id;
      EXPECT_EQ((*v)->reset_pending, s->reset_pending) << id;
      if (!s->closed()) ++pupils;
      if (s->lifecycle == AccountLifecycle::kActivated) ++activated_pupils;
    }
  }
  auto national = db->Stats(Scope::kNational);
  ASSERT_TRUE(national.ok());
  StatCounts c = national->at(StatCell{Scope::kNational, "FR", AccountKind::kPupil, StatLevel::kAll});
  EXPECT_EQ(c.accounts, pupils);
  EXPECT_EQ(c.activated, activated_pupils);
  auto hist = db->History("w-f0-p0");
  ASSERT_TRUE(hist.ok());
  EXPECT_EQ(hist->size(), (*h)->account(AccountId("w-f0-p0"))->position.seq);
}

// The establishment index (projection_db.h "e|") after transfers, links,
// unlinks and closures: exactly the accounts each view places there.
TEST_F(ProjectorTest, EstablishmentIndexHoldsExactlyTheAccountsEachViewPlacesThere) {
  MemoryEventLog log(3);
  Fill(log, 400, 5);
  auto db = Db("db");
  Projector p(log, *db, ProjectorOptions{37, 1});  // many small batches: entries added and removed across them
  ASSERT_TRUE(p.CatchUp().ok());
  std::set<std::string> expected, indexed;
  size_t closed = 0, moved_links = 0;
  const Dump dump = *db->Dump(false);
  for (const auto& [key, value] : dump) {
    if (key.rfind("e|", 0) == 0) indexed.insert(key.substr(2));
    if (key.rfind("v|", 0) != 0) continue;
    auto v = DecodeView(value);
    ASSERT_TRUE(v.ok()) << key << ": " << v.status().ToString();
    if (v->state == ViewState::kClosed) {
      ++closed;
      continue;
    }
    if (v->kind == AccountKind::kPupil) expected.insert(v->placement.uai.str() + "|" + v->id);
    for (const auto& [pupil, l] : v->links) {
      if (l.active()) expected.insert(l.placement.uai.str() + "|" + v->id);
      if (l.last_change == "moved") ++moved_links;
    }
  }
  EXPECT_GT(closed, 0u) << "the workload should close accounts";
  EXPECT_GT(moved_links, 0u) << "the workload should move links";
  EXPECT_EQ(indexed, expected);
  // MembersOf reads one establishment's entries.
  const std::string first = *expected.begin();
  const std::string uai = first.substr(0, first.find('|'));
  auto members = db->MembersOf(uai);
  ASSERT_TRUE(members.ok());
  size_t n = 0;
  for (const std::string& e : expected) n += e.rfind(uai + "|", 0) == 0;
  EXPECT_EQ(members->size(), n);
}

TEST_F(ProjectorTest, SameStreamsOverAnyPartitioningAndBatchSizeGiveIdenticalProjections) {
  MemoryEventLog one(1), three(3), twelve(12);
  Fill(one, 150);
  Fill(three, 150);
  Fill(twelve, 150);
  Dump reference = Project(twelve, "p12", 4096);
  ASSERT_GT(reference.size(), 1000u);
  EXPECT_EQ(Project(one, "p1", 4096), reference);
  EXPECT_EQ(Project(three, "p3-b7", 7), reference);
  EXPECT_EQ(Project(twelve, "p12-b1", 1), reference);
  EXPECT_EQ(Project(twelve, "p12-t2", 64, 2), reference) << "two threads";
  EXPECT_EQ(Project(three, "p3-t3", 5, 3), reference) << "three threads";
}

TEST_F(ProjectorTest, RandomInterleavingsOfPartitionsGiveIdenticalProjections) {
  MemoryEventLog log;
  Fill(log, 150);
  Dump reference = Project(log, "round-robin", 4096);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 3; ++trial) {
    auto db = Db("shuffled-" + std::to_string(trial));
    Projector p(log, *db, ProjectorOptions{1 + rng() % 97});
    std::vector<int32_t> live(12);
    std::iota(live.begin(), live.end(), 0);
    while (!live.empty()) {  // a random partition steps each time, until all are drained
      size_t i = rng() % live.size();
      auto n = p.Step(live[i]);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (*n == 0) live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    }
    EXPECT_EQ(*db->Dump(false), reference) << "trial " << trial;
  }
}

TEST_F(ProjectorTest, RestartResumesFromTheStoredOffsetsExactly) {
  MemoryEventLog log;
  Fill(log, 100);
  {
    auto db = Db("db");
    Projector p(log, *db, ProjectorOptions{50});
    for (int32_t part = 0; part < 12; part += 2) ASSERT_TRUE(p.Step(part).ok());
  }
  auto db = Db("db");
  Projector p(log, *db, ProjectorOptions{50});
  ASSERT_TRUE(p.CatchUp().ok());
  EXPECT_EQ(*db->Dump(true), [&] {
    auto clean = Db("clean");
    Projector q(log, *clean);
    EXPECT_TRUE(q.CatchUp().ok());
    return *clean->Dump(true);
  }());
}

// Inserts `value` under `key` at `index` of partition `p`, renumbering offsets.
void Inject(MemoryEventLog& log, int32_t p, size_t index, std::string key, std::string value) {
  auto& recs = log.records(p);
  recs.insert(recs.begin() + static_cast<std::ptrdiff_t>(index), LogRecord{p, 0, std::move(key), std::move(value)});
  for (size_t i = 0; i < recs.size(); ++i) recs[i].offset = static_cast<int64_t>(i);
}

TEST_F(ProjectorTest, BadRecordsAreQuarantinedAndProjectionGoesOn) {
  MemoryEventLog clean, log;
  Fill(clean, 80);
  Fill(log, 80);
  // In one partition, mid-way: random bytes, then a duplicate of an earlier
  // record (out of sequence for its stream).
  const int32_t p = 5;
  ASSERT_GT(log.records(p).size(), 40u);
  Inject(log, p, 20, "w-f1-p0", "\x13\x37 not a flatbuffer \xff");
  LogRecord dup = log.records(p)[3];
  Inject(log, p, 30, dup.key, dup.value);

  auto db = Db("db");
  Projector proj(log, *db);
  auto r = proj.CatchUp();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->quarantined, 2);
  EXPECT_EQ(r->done, r->applied + 2);
  auto q = db->Quarantine();
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 2u);
  EXPECT_EQ((*q)[0].partition, p);
  EXPECT_EQ((*q)[0].offset, 20);
  EXPECT_EQ((*q)[0].key, "w-f1-p0");
  EXPECT_EQ((*q)[1].offset, 30);
  EXPECT_NE((*q)[1].reason.find("seq"), std::string::npos) << (*q)[1].reason;

  // Everything else is exactly the projection of the clean log.
  Dump got = *db->Dump(false), want = Project(clean, "clean", 4096);
  std::erase_if(got, [](const auto& kv) { return kv.first.starts_with("q|"); });
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace ledger
