#include "events/types.h"

#include <chrono>
#include <cstdio>

namespace ledger {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

year_month_day Ymd(const Date& d) {
  return year_month_day{std::chrono::year{d.year}, std::chrono::month{d.month},
                        std::chrono::day{d.day}};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool AllDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

bool Date::valid() const { return Ymd(*this).ok(); }

std::optional<Date> ParseIsoDate(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  if (!AllDigits(t.substr(0, 4)) || !AllDigits(t.substr(5, 2)) || !AllDigits(t.substr(8, 2)))
    return std::nullopt;
  Date d{ToInt(t.substr(0, 4)), static_cast<uint8_t>(ToInt(t.substr(5, 2))),
         static_cast<uint8_t>(ToInt(t.substr(8, 2)))};
  if (!d.valid()) return std::nullopt;
  return d;
}

std::string FormatIsoDate(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, unsigned{d.month}, unsigned{d.day});
  return buf;
}

Timestamp StartOfDay(const Date& d) {
  return Timestamp{sys_days(Ymd(d)).time_since_epoch().count() * kMicrosPerDay};
}

Timestamp EndOfDay(const Date& d) { return Timestamp{StartOfDay(d).micros + kMicrosPerDay - 1}; }

int64_t DayNumber(Timestamp t) { return FloorDiv(t.micros, kMicrosPerDay); }

Date DateOfDayNumber(int64_t day) {
  year_month_day ymd{sys_days{days{day}}};
  return Date{static_cast<int>(ymd.year()), static_cast<uint8_t>(unsigned(ymd.month())),
              static_cast<uint8_t>(unsigned(ymd.day()))};
}

Date DateOf(Timestamp t) { return DateOfDayNumber(DayNumber(t)); }

std::string FormatRfc3339(Timestamp t) {
  // The time of day without multiplying the day back: day * kMicrosPerDay
  // overflows int64 for instants near its limits (found by tests/fuzz/fuzz_codec).
  int64_t rem = t.micros % kMicrosPerDay;
  if (rem < 0) rem += kMicrosPerDay;
  Date d = DateOf(t);
  int64_t secs = rem / kMicrosPerSecond;
  int64_t frac = rem % kMicrosPerSecond;
  char buf[64];
  if (frac == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", d.year,
                  unsigned{d.month}, unsigned{d.day}, static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", d.year,
                  unsigned{d.month}, unsigned{d.day}, static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60),
                  static_cast<long long>(frac));
  }
  return buf;
}

std::optional<Timestamp> ParseRfc3339(std::string_view t) {
  auto date = ParseIsoDate(t.substr(0, 10));
  if (!date) return std::nullopt;
  if (t.size() == 10) return StartOfDay(*date);
  // YYYY-MM-DDTHH:MM:SS
  if (t.size() < 20 || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t.back() != 'Z')
    return std::nullopt;
  auto hh = t.substr(11, 2), mm = t.substr(14, 2), ss = t.substr(17, 2);
  if (!AllDigits(hh) || !AllDigits(mm) || !AllDigits(ss)) return std::nullopt;
  int h = ToInt(hh), m = ToInt(mm), s = ToInt(ss);
  if (h > 23 || m > 59 || s > 59) return std::nullopt;
  int64_t frac = 0;
  std::string_view rest = t.substr(19, t.size() - 20);
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2 || rest.size() > 7 || !AllDigits(rest.substr(1)))
      return std::nullopt;
    std::string digits(rest.substr(1));
    digits.resize(6, '0');
    frac = ToInt(digits);
  }
  return Timestamp{StartOfDay(*date).micros + (h * 3600LL + m * 60 + s) * kMicrosPerSecond + frac};
}

Timestamp SystemNow() {
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count()};
}

Timestamp AddDays(Timestamp t, int n) { return Timestamp{t.micros + n * kMicrosPerDay}; }

Timestamp AddMonths(Timestamp t, int months) {
  int64_t day = FloorDiv(t.micros, kMicrosPerDay);
  int64_t rem = t.micros - day * kMicrosPerDay;
  year_month_day ymd{sys_days{days{day}}};
  auto ym = std::chrono::year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
  auto last = std::chrono::year_month_day_last{ym.year(), std::chrono::month_day_last{ym.month()}};
  auto d = std::min(ymd.day(), last.day());
  year_month_day out{ym.year(), ym.month(), d};
  return Timestamp{sys_days(out).time_since_epoch().count() * kMicrosPerDay + rem};
}

Timestamp EndOfSchoolYear(Timestamp t) {
  Date d = DateOf(t);
  int end_year = d.month >= 9 ? d.year + 1 : d.year;
  return EndOfDay(Date{end_year, 8, 31});
}

}  // namespace ledger
