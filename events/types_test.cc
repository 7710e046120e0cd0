#include "events/types.h"

#include <limits>

#include <gtest/gtest.h>

namespace ledger {
namespace {

TEST(DateTest, ParsesRealDatesOnly) {
  EXPECT_EQ(ParseIsoDate("2023-06-20"), (Date{2023, 6, 20}));
  EXPECT_EQ(ParseIsoDate("2024-02-29"), (Date{2024, 2, 29}));
  EXPECT_FALSE(ParseIsoDate("2023-02-29"));
  EXPECT_FALSE(ParseIsoDate("2023-13-01"));
  EXPECT_FALSE(ParseIsoDate("20230620"));
  EXPECT_FALSE(ParseIsoDate("2023-6-20x"));
}

TEST(TimestampTest, Rfc3339RoundTrip) {
  Timestamp t = *ParseRfc3339("2022-09-05T07:30:15Z");
  EXPECT_EQ(FormatRfc3339(t), "2022-09-05T07:30:15Z");
  Timestamp f = *ParseRfc3339("2022-09-05T07:30:15.25Z");
  EXPECT_EQ(f.micros - t.micros, 250'000);
  EXPECT_EQ(FormatRfc3339(f), "2022-09-05T07:30:15.250000Z");
  EXPECT_EQ(FormatRfc3339(Timestamp{0}), "1970-01-01T00:00:00Z");
  EXPECT_FALSE(ParseRfc3339("2022-09-05T25:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2022-09-05 07:30:15"));
}

// Found by tests/fuzz/fuzz_codec (UBSan): the time of day was computed as
// micros - day * kMicrosPerDay, which overflows near int64's limits. Such
// instants come only from a corrupt record, but rendering it must not be UB.
TEST(TimestampTest, InstantsAtTheLimitsOfInt64Render) {
  auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  const std::string min = FormatRfc3339(Timestamp{std::numeric_limits<int64_t>::min()});
  const std::string max = FormatRfc3339(Timestamp{std::numeric_limits<int64_t>::max()});
  EXPECT_TRUE(ends_with(min, "T19:59:05.224192Z")) << min;
  EXPECT_TRUE(ends_with(max, "T04:00:54.775807Z")) << max;
}

TEST(TimestampTest, EndOfDayIsTheAsOfCutOff) {
  Date d{2023, 6, 20};
  EXPECT_EQ(FormatRfc3339(EndOfDay(d)), "2023-06-20T23:59:59.999999Z");
  EXPECT_EQ(DateOf(EndOfDay(d)), d);
  EXPECT_EQ(DateOf(AddDays(EndOfDay(d), 0)), d);
}

TEST(TimestampTest, AddMonthsClampsToMonthEnd) {
  EXPECT_EQ(DateOf(AddMonths(StartOfDay({2023, 11, 30}), 3)), (Date{2024, 2, 29}));
  EXPECT_EQ(DateOf(AddMonths(StartOfDay({2022, 9, 5}), 3)), (Date{2022, 12, 5}));
}

TEST(TimestampTest, SchoolYearEndsOn31August) {
  EXPECT_EQ(DateOf(EndOfSchoolYear(StartOfDay({2022, 9, 1}))), (Date{2023, 8, 31}));
  EXPECT_EQ(DateOf(EndOfSchoolYear(StartOfDay({2023, 8, 31}))), (Date{2023, 8, 31}));
  EXPECT_EQ(DateOf(EndOfSchoolYear(StartOfDay({2023, 1, 10}))), (Date{2023, 8, 31}));
}

}  // namespace
}  // namespace ledger
