#include "projections/stat_accumulator.h"

#include <gtest/gtest.h>

#include <random>

namespace ledger {
namespace {

const Placement kPlaces[] = {
    {Uai("0350033W"), "035", "rennes", Level::kCollege, "4E1"},
    {Uai("0350033W"), "035", "rennes", Level::kCollege, "3E2"},
    {Uai("0350122T"), "035", "rennes", Level::kEcole, ""},
    {Uai("0940389M"), "094", "creteil", Level::kEcole, ""},
    {Uai("0310024H"), "031", "toulouse", Level::kLycee, "2NDE1"},
    {Uai("0311111A"), "031", "toulouse", Level::kOther, "X"},
};

// A random account: a pupil somewhere, or a guardian with 0-4 links, some removed.
AccountView RandomView(std::mt19937& rng) {
  AccountView v;
  v.id = "a";
  v.seq = rng() % 4;  // 0: not created
  v.kind = rng() % 2 ? AccountKind::kPupil : AccountKind::kGuardian;
  const ViewState states[] = {ViewState::kCreated, ViewState::kNotified, ViewState::kActivated, ViewState::kClosed};
  v.state = states[rng() % 4];
  v.placement = kPlaces[rng() % std::size(kPlaces)];
  if (v.kind == AccountKind::kGuardian) {
    const int n = static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) {
      LinkView l;
      l.pupil = "p" + std::to_string(i);
      l.placement = kPlaces[rng() % std::size(kPlaces)];
      l.status = rng() % 4 == 0 ? LinkViewStatus::kRemoved : LinkViewStatus::kConfirmed;
      v.links[l.pupil] = l;
    }
  }
  return v;
}

TEST(StatAccumulatorTest, ContributionIsTheSameCellsAsContribution) {
  std::mt19937 rng(7);
  StatAccumulator acc;
  CellSet set;
  for (int i = 0; i < 2000; ++i) {
    const AccountView v = RandomView(rng);
    acc.ContributionOf(v, set);
    acc.AddChange(CellSet{}, set, StartOfDay(Date{2023, 9, 1}));
    std::map<Date, StatTable> drained;
    acc.Drain(drained);
    const StatTable expected = Contribution(v);
    if (expected.empty()) {
      EXPECT_TRUE(drained.empty()) << i;
    } else {
      ASSERT_EQ(drained.size(), 1u) << i;
      EXPECT_EQ(drained.begin()->second, expected) << i;
    }
  }
}

// StateChangeOf: after a change of state alone (any state to any, closed
// and not yet created included), what ContributionOf finds afresh.
TEST(StatAccumulatorTest, AChangeOfStateAloneGivesWhatContributionOfFinds) {
  std::mt19937 rng(11);
  StatAccumulator acc;
  CellSet before, after, fresh;
  const ViewState states[] = {ViewState::kCreated, ViewState::kNotified, ViewState::kActivated, ViewState::kClosed};
  size_t kept = 0;
  for (int i = 0; i < 2000; ++i) {
    AccountView v = RandomView(rng);
    acc.ContributionOf(v, before);
    v.state = states[rng() % 4];
    if (rng() % 8 == 0) v.seq = v.seq == 0 ? 1 : 0;  // created, or not yet
    acc.StateChangeOf(v, before, after);
    acc.ContributionOf(v, fresh);
    EXPECT_EQ(after.cells, fresh.cells) << i;
    EXPECT_EQ(after.one, fresh.one) << i;
    kept += !before.cells.empty() && before.cells == after.cells;
  }
  EXPECT_GT(kept, 500u) << "most changes keep their cells";
}

TEST(StatAccumulatorTest, SummedChangesByDayEqualAddDeltaThenAccumulate) {
  std::mt19937 rng(11);
  StatAccumulator acc;
  std::map<Date, StatTable> expected;
  std::map<Date, StatTable> drained;
  CellSet before, after;
  for (int i = 0; i < 20000; ++i) {
    const AccountView b = RandomView(rng), a = RandomView(rng);
    // Days around the epoch's and a school year's, some before 1970.
    const Date day{rng() % 8 == 0 ? 1969 : 2023, static_cast<uint8_t>(1 + rng() % 12),
                   static_cast<uint8_t>(1 + rng() % 28)};
    const Timestamp at{StartOfDay(day).micros + static_cast<int64_t>(rng() % 86'400'000'000)};
    StatTable delta;
    AddDelta(delta, Contribution(b), Contribution(a));
    Accumulate(expected[DateOf(at)], delta);
    acc.ContributionOf(b, before);
    acc.ContributionOf(a, after);
    acc.AddChange(before, after, at);
    if (i % 3000 == 0) acc.Drain(drained);  // draining in the middle changes nothing
  }
  acc.Drain(drained);
  EXPECT_TRUE(acc.empty());
  for (auto it = expected.begin(); it != expected.end();)
    it = it->second.empty() ? expected.erase(it) : std::next(it);
  for (auto it = drained.begin(); it != drained.end();)
    it = it->second.empty() ? drained.erase(it) : std::next(it);
  EXPECT_EQ(drained, expected);
  EXPECT_GT(expected.size(), 100u);
}

TEST(StatAccumulatorTest, TimestampsAtTheExtremesAreDatedAsDateOfDatesThem) {
  // A forged record may carry any occurred_at: the extremes are dated as
  // DateOf dates them, with no overflow (UBSan runs this test).
  std::mt19937 rng(5);
  StatAccumulator acc;
  std::map<Date, StatTable> expected, drained;
  CellSet before, after;
  for (int64_t micros : {INT64_MIN, INT64_MIN + 1, int64_t{-1}, int64_t{0}, INT64_MAX - 1, INT64_MAX}) {
    AccountView v = RandomView(rng);
    v.seq = 1;
    v.state = ViewState::kCreated;
    StatTable delta;
    AddDelta(delta, {}, Contribution(v));
    Accumulate(expected[DateOf(Timestamp{micros})], delta);
    acc.ContributionOf(AccountView{}, before);
    acc.ContributionOf(v, after);
    acc.AddChange(before, after, Timestamp{micros});
  }
  acc.Drain(drained);
  EXPECT_EQ(drained, expected);
}

// The sums by period (Roll, DrainPeriods) are the sums by day added up by
// the periods the store's keys name: all time, the year, the month, the day
// — with Rolls and drains in the middle, days before 1970 and the extremes.
TEST(StatAccumulatorTest, SumsByPeriodAreTheSumsByDayAddedUpByPeriod) {
  using Period = StatAccumulator::Period;
  std::mt19937 rng(13);
  StatAccumulator by_day, by_period;
  CellSet before, after;
  auto change = [&](StatAccumulator& acc, const AccountView& b, const AccountView& a, Timestamp at) {
    acc.ContributionOf(b, before);
    acc.ContributionOf(a, after);
    acc.AddChange(before, after, at);
  };
  std::map<std::pair<Period, Date>, StatTable> got;
  auto drain = [&] {
    by_period.DrainPeriods([&](Period p, const Date& first, const StatCell& cell, const StatCounts& c) {
      EXPECT_FALSE(c.zero());
      Accumulate(got[{p, first}], StatTable{{cell, c}});
    });
    EXPECT_EQ(by_period.period_sums(), 0u);
  };
  for (int i = 0; i < 20000; ++i) {
    const AccountView b = RandomView(rng), a = RandomView(rng);
    Timestamp at;
    if (i % 1000 == 0) {
      const int64_t extremes[] = {INT64_MIN, INT64_MIN + 1, -1, INT64_MAX - 1, INT64_MAX};
      at = Timestamp{extremes[(i / 1000) % 5]};
    } else {
      const Date day{rng() % 8 == 0 ? 1969 : 2023, static_cast<uint8_t>(1 + rng() % 12),
                     static_cast<uint8_t>(1 + rng() % 28)};
      at = Timestamp{StartOfDay(day).micros + static_cast<int64_t>(rng() % 86'400'000'000)};
    }
    change(by_day, b, a, at);
    change(by_period, b, a, at);
    if (i % 3000 == 0) by_period.Roll();
    if (i % 7000 == 0) drain();
  }
  by_period.Roll();
  EXPECT_TRUE(by_period.empty());
  EXPECT_GT(by_period.period_sums(), 0u);
  drain();
  std::map<Date, StatTable> days;
  by_day.Drain(days);
  std::map<std::pair<Period, Date>, StatTable> expected;
  for (const auto& [d, table] : days) {
    const std::pair<Period, Date> periods[] = {{Period::kAllTime, Date{1970, 1, 1}},
                                               {Period::kYear, Date{d.year, 1, 1}},
                                               {Period::kMonth, Date{d.year, d.month, 1}},
                                               {Period::kDay, d}};
    for (const auto& p : periods) Accumulate(expected[p], table);
  }
  for (auto* m : {&expected, &got})
    for (auto it = m->begin(); it != m->end();) it = it->second.empty() ? m->erase(it) : std::next(it);
  EXPECT_EQ(got, expected);
  EXPECT_GT(expected.size(), 300u);
}

TEST(StatAccumulatorTest, AChangeThatMovesNothingLeavesNothing) {
  StatAccumulator acc;
  std::mt19937 rng(3);
  CellSet set;
  for (int i = 0; i < 100; ++i) {
    acc.ContributionOf(RandomView(rng), set);
    acc.AddChange(set, set, StartOfDay(Date{2023, 9, 1}));
  }
  std::map<Date, StatTable> drained;
  acc.Drain(drained);
  EXPECT_TRUE(drained.empty());
}

}  // namespace
}  // namespace ledger
