#include "projections/stats.h"

#include <gtest/gtest.h>

namespace ledger {
namespace {

const Placement kCollege{Uai("0350033W"), "035", "rennes", Level::kCollege, "4E1"};
const Placement kEcole{Uai("0350122T"), "035", "rennes", Level::kEcole, ""};
const Placement kEcole094{Uai("0940389M"), "094", "creteil", Level::kEcole, ""};

AccountView Pupil(ViewState s) {
  AccountView v;
  v.id = "p";
  v.seq = 1;
  v.kind = AccountKind::kPupil;
  v.state = s;
  v.placement = kCollege;
  return v;
}

AccountView Guardian(std::initializer_list<Placement> links) {
  AccountView v;
  v.id = "g";
  v.seq = 1;
  v.kind = AccountKind::kGuardian;
  v.state = ViewState::kActivated;
  int i = 0;
  for (const Placement& p : links) {
    LinkView l;
    l.pupil = "p" + std::to_string(i++);
    l.placement = p;
    v.links[l.pupil] = l;
  }
  return v;
}

StatCounts At(const StatTable& t, Scope s, const char* id, AccountKind k, StatLevel l) {
  auto it = t.find(StatCell{s, id, k, l});
  return it == t.end() ? StatCounts{} : it->second;
}

TEST(StatsTest, PupilCountsInEveryScopeAtItsLevelAndAll) {
  StatTable t = Contribution(Pupil(ViewState::kNotified));
  EXPECT_EQ(t.size(), 10u);  // 5 scopes x {all, college}
  const StatCounts notified{1, 1, 0};
  EXPECT_EQ(At(t, Scope::kNational, "FR", AccountKind::kPupil, StatLevel::kAll), notified);
  EXPECT_EQ(At(t, Scope::kAcademy, "rennes", AccountKind::kPupil, StatLevel::kCollege), notified);
  EXPECT_EQ(At(t, Scope::kDepartment, "035", AccountKind::kPupil, StatLevel::kAll), notified);
  EXPECT_EQ(At(t, Scope::kEstablishment, "0350033W", AccountKind::kPupil, StatLevel::kCollege), notified);
  EXPECT_EQ(At(t, Scope::kClass, "0350033W/4E1", AccountKind::kPupil, StatLevel::kAll), notified);
  EXPECT_EQ(At(Contribution(Pupil(ViewState::kActivated)), Scope::kNational, "FR", AccountKind::kPupil,
               StatLevel::kAll),
            (StatCounts{1, 0, 1}));
  EXPECT_TRUE(Contribution(Pupil(ViewState::kClosed)).empty());
}

TEST(StatsTest, GuardianCountsOncePerDistinctScopeAndOnceNationally) {
  // Two children in the same école, one in a collège of the same department, one in 094.
  StatTable t = Contribution(Guardian({kEcole, kEcole, kCollege, kEcole094}));
  const StatCounts one{1, 0, 1};
  EXPECT_EQ(At(t, Scope::kNational, "FR", AccountKind::kGuardian, StatLevel::kAll), one);
  EXPECT_EQ(At(t, Scope::kNational, "FR", AccountKind::kGuardian, StatLevel::kEcole), one);
  EXPECT_EQ(At(t, Scope::kNational, "FR", AccountKind::kGuardian, StatLevel::kCollege), one);
  EXPECT_EQ(At(t, Scope::kDepartment, "035", AccountKind::kGuardian, StatLevel::kAll), one);
  EXPECT_EQ(At(t, Scope::kDepartment, "094", AccountKind::kGuardian, StatLevel::kAll), one);
  EXPECT_EQ(At(t, Scope::kEstablishment, "0350122T", AccountKind::kGuardian, StatLevel::kAll), one);
  EXPECT_EQ(At(t, Scope::kAcademy, "creteil", AccountKind::kGuardian, StatLevel::kEcole), one);
  EXPECT_EQ(At(t, Scope::kDepartment, "094", AccountKind::kGuardian, StatLevel::kCollege), StatCounts{});
  for (const auto& [cell, c] : t) EXPECT_NE(cell.scope, Scope::kClass);
}

TEST(StatsTest, GuardianWithoutActiveLinksCountsOnlyNationally) {
  AccountView g = Guardian({kEcole});
  g.links.begin()->second.status = LinkViewStatus::kRemoved;
  StatTable t = Contribution(g);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t.begin()->first.scope, Scope::kNational);
}

TEST(StatsTest, DeltaOfATransferMovesTheCount) {
  AccountView before = Pupil(ViewState::kActivated);
  AccountView after = before;
  after.placement = Placement{Uai("0350031U"), "035", "rennes", Level::kLycee, "2NDPRO"};
  StatTable d;
  AddDelta(d, Contribution(before), Contribution(after));
  EXPECT_EQ(At(d, Scope::kEstablishment, "0350033W", AccountKind::kPupil, StatLevel::kAll),
            (StatCounts{-1, 0, -1}));
  EXPECT_EQ(At(d, Scope::kEstablishment, "0350031U", AccountKind::kPupil, StatLevel::kLycee),
            (StatCounts{1, 0, 1}));
  // Same department and national at `all`: unchanged, so absent from the delta.
  EXPECT_EQ(d.count(StatCell{Scope::kDepartment, "035", AccountKind::kPupil, StatLevel::kAll}), 0u);
  EXPECT_EQ(At(d, Scope::kNational, "FR", AccountKind::kPupil, StatLevel::kCollege), (StatCounts{-1, 0, -1}));
}

}  // namespace
}  // namespace ledger
