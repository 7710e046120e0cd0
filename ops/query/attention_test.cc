// Comptes à surveiller: each case on hand-made views (CasesOf), and the
// store-level report on a projected workload agrees with CasesOf per account.
#include "ops/query/attention.h"

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "consumers/projector.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger::query {
namespace {

const std::string kHere = "0310001A";  // a well-formed UAI is not needed by CasesOf
const std::string kThere = "0310002B";
Timestamp Day(const char* d) { return StartOfDay(*ParseIsoDate(d)); }
const Timestamp kNow = Day("2023-03-01");

AccountView Pupil(ViewState state) {
  AccountView v;
  v.id = "p1";
  v.seq = 2;
  v.kind = AccountKind::kPupil;
  v.state = state;
  v.placement.uai = Uai(kHere);
  v.created_at = Day("2022-09-01");
  return v;
}

AccountView Guardian(ViewState state, bool mobile) {
  AccountView v = Pupil(state);
  v.id = "g1";
  v.kind = AccountKind::kGuardian;
  v.placement = {};
  v.has_mobile = mobile;
  return v;
}

LinkView Link(const std::string& pupil, const std::string& uai, LinkViewStatus status) {
  LinkView l;
  l.guardian = "g1";
  l.pupil = pupil;
  l.placement.uai = Uai(uai);
  l.status = status;
  l.changed_at = Day("2022-10-10");
  return l;
}

std::vector<AttentionCase> Cases(const AccountView& v, int weeks = 4,
                                 PupilUai where = [](const std::string&) { return std::optional<std::string>(kHere); }) {
  std::vector<AttentionCase> out;
  for (const AttentionItem& i : CasesOf(v, kHere, kNow, weeks, where)) out.push_back(i.why);
  return out;
}

TEST(AttentionCasesTest, AnExpiredLetterAndANoticeLeftTooLongAreToldApart) {
  AccountView v = Pupil(ViewState::kNotified);
  v.notified_by = NotifyChannel::kLetter;
  v.notified_at = Day("2022-11-01");
  v.notice_expires_at = Day("2023-02-01");  // expired before kNow
  EXPECT_EQ(Cases(v), std::vector{AttentionCase::kLetterExpired});
  auto items = CasesOf(v, kHere, kNow, 4, [](const std::string&) { return std::nullopt; });
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].since, v.notice_expires_at);
  v.notice_expires_at = Day("2023-05-01");  // still valid, notified 17 weeks ago
  EXPECT_EQ(Cases(v), std::vector{AttentionCase::kNotActivated});
  EXPECT_TRUE(Cases(v, 20).empty()) << "within the weeks allowed";
  v.notified_by = NotifyChannel::kEmail;  // an e-mail does not expire as a letter does
  v.notice_expires_at = Day("2023-02-01");
  EXPECT_EQ(Cases(v), std::vector{AttentionCase::kNotActivated});
  v.state = ViewState::kActivated;
  EXPECT_TRUE(Cases(v).empty());
}

TEST(AttentionCasesTest, GuardiansWithoutMobileResetsPendingAndClosedAccounts) {
  EXPECT_EQ(Cases(Guardian(ViewState::kCreated, false)), std::vector{AttentionCase::kNoMobile});
  EXPECT_TRUE(Cases(Guardian(ViewState::kCreated, true)).empty());
  EXPECT_TRUE(Cases(Guardian(ViewState::kActivated, false)).empty()) << "activated: nothing to register";
  EXPECT_TRUE(Cases(Pupil(ViewState::kCreated)).empty()) << "pupils activate with their letter";
  AccountView reset = Pupil(ViewState::kActivated);
  reset.reset_pending = true;
  EXPECT_EQ(Cases(reset), std::vector{AttentionCase::kResetPending});
  AccountView closed = Guardian(ViewState::kClosed, false);
  closed.reset_pending = true;
  EXPECT_TRUE(Cases(closed).empty());
}

TEST(AttentionCasesTest, DisputedLinksHereAndLinksLeftBehindByATransfer) {
  AccountView g = Guardian(ViewState::kActivated, true);
  g.links["p1"] = Link("p1", kHere, LinkViewStatus::kDisputed);
  g.links["p2"] = Link("p2", kThere, LinkViewStatus::kDisputed);  // disputed, but elsewhere
  g.links["p3"] = Link("p3", kHere, LinkViewStatus::kRemoved);     // removed: nothing to do
  auto pupils = [](const std::string& p) -> std::optional<std::string> { return p == "p2" ? kThere : kHere; };
  EXPECT_EQ(Cases(g, 4, pupils), std::vector{AttentionCase::kDisputedLink});
  // p4 moved away from here, its link did not follow; p5 moved here, its link still says there.
  g.links["p4"] = Link("p4", kHere, LinkViewStatus::kConfirmed);
  g.links["p5"] = Link("p5", kThere, LinkViewStatus::kConfirmed);
  auto moved = [](const std::string& p) -> std::optional<std::string> {
    return p == "p4" ? kThere : p == "p5" ? kHere : p == "p2" ? kThere : kHere;
  };
  std::vector<AttentionItem> items = CasesOf(g, kHere, kNow, 4, moved);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[1].why, AttentionCase::kLinkLeftBehind);
  EXPECT_EQ(items[1].pupil, "p4");
  EXPECT_EQ(items[2].why, AttentionCase::kLinkLeftBehind);
  EXPECT_EQ(items[2].pupil, "p5");
}

TEST(AttentionReportTest, TheStoreReportIsCasesOfEveryAccountOfTheEstablishment) {
  MemoryEventLog log(3);
  auto h = CommandHandler::Open(log, [] { return Timestamp{1}; });
  ASSERT_TRUE(h.ok());
  for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({300, 9, "a"}))) ASSERT_TRUE(r.ok());
  testing::TempDir tmp("attention");
  auto db = ProjectionDb::Open(tmp.path() / "db", {});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Projector(log, **db).CatchUp().ok());
  // The establishment with the most pupils.
  auto table = (*db)->Stats(Scope::kEstablishment);
  ASSERT_TRUE(table.ok());
  std::string uai;
  int64_t most = -1;
  for (const auto& [cell, c] : *table)
    if (cell.profile == AccountKind::kPupil && cell.level == StatLevel::kAll && c.accounts > most)
      most = c.accounts, uai = cell.scope_id;
  const Timestamp now = Day("2030-01-01");
  auto r = ReadAttention(**db, uai, now, 4);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GE(r->accounts, static_cast<size_t>(most)) << "its pupils and their guardians";
  EXPECT_FALSE(r->items.empty());
  for (const AttentionItem& i : r->items) {
    auto v = (*db)->View(i.account);
    ASSERT_TRUE(v.ok() && v->has_value());
    EXPECT_NE((*v)->state, ViewState::kClosed);
  }
  Json j = AttentionToJson(*r, false, 10);
  EXPECT_FALSE(j.contains("accounts")) << "counts only";
  EXPECT_EQ(j["counts"].size(), std::size(kAttentionCases) * 2);
  int64_t total = 0;
  for (const Json& c : j["counts"]) total += c["count"].get<int64_t>();
  EXPECT_EQ(total, static_cast<int64_t>(r->items.size()));
  Json full = AttentionToJson(*r, true, 1);
  EXPECT_EQ(full["accounts"].size(), 1u);
  EXPECT_EQ(full["truncated"], r->items.size() > 1);
  EXPECT_EQ(ReadAttention(**db, "not-a-uai", now, 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadAttention(**db, uai, now, 0).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ledger::query
