// Strong identifier types and the time vocabulary shared by every layer.
//
// Identifiers are distinct types so that an AccountId cannot be passed where a
// Uai is expected. Validation of identifiers with a syntax of their own (UAI,
// INE) lives in identifiers.h; these types only carry the text.
// Timestamps are UTC microseconds since the Unix epoch: the ledger never reads
// a clock in domain code; time arrives inside commands.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ledger {

template <typename Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}
  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend auto operator<=>(const StrongId&, const StrongId&) = default;

 private:
  std::string value_;
};

using AccountId = StrongId<struct AccountIdTag>;   // opaque, stable for life (no name, no INE)
using CommandId = StrongId<struct CommandIdTag>;   // chosen by the submitter, for idempotency
using EventId = StrongId<struct EventIdTag>;
using StreamId = StrongId<struct StreamIdTag>;     // an AccountId's text, or "uai:<UAI>"
using StaffId = StrongId<struct StaffIdTag>;
using Uai = StrongId<struct UaiTag>;               // establishment: 7 digits + check letter
using Ine = StrongId<struct IneTag>;               // national pupil number

// The stream of an establishment's own events (delegations).
inline StreamId EstablishmentStream(const Uai& uai) { return StreamId("uai:" + uai.str()); }
inline StreamId AccountStream(const AccountId& id) { return StreamId(id.str()); }

// UTC instant with microsecond precision.
struct Timestamp {
  int64_t micros = 0;
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

// A calendar date (proleptic Gregorian), e.g. a birth date or an --as-of date.
struct Date {
  int32_t year = 0;
  uint8_t month = 0;  // 1..12
  uint8_t day = 0;    // 1..31
  friend auto operator<=>(const Date&, const Date&) = default;
  bool valid() const;
};

// "2023-06-20" <-> Date. Parse returns nullopt on anything but a real date.
std::optional<Date> ParseIsoDate(std::string_view text);
std::string FormatIsoDate(const Date& d);

// RFC 3339 UTC: "2023-06-20T08:15:00Z" (fraction printed only when non-zero).
std::string FormatRfc3339(Timestamp t);
// Accepts "YYYY-MM-DD" (midnight) or "YYYY-MM-DDTHH:MM:SS[.ffffff]Z".
std::optional<Timestamp> ParseRfc3339(std::string_view text);

Timestamp StartOfDay(const Date& d);         // 00:00:00Z
Timestamp EndOfDay(const Date& d);           // 23:59:59.999999Z (the "as of D" cut-off)
Date DateOf(Timestamp t);
// Days since 1970-01-01 of `t`, rounded down, and back: DateOf(t) ==
// DateOfDayNumber(DayNumber(t)) for every Timestamp, INT64_MIN included.
int64_t DayNumber(Timestamp t);
Date DateOfDayNumber(int64_t day);
// The system clock, now (microseconds since the epoch, UTC): the faces' Clock.
Timestamp SystemNow();
Timestamp AddDays(Timestamp t, int days);
Timestamp AddMonths(Timestamp t, int months);  // day clamped to the month's length

// The last instant of the school year containing t: 31 August 23:59:59.999999Z
// (a school year runs from 1 September to 31 August).
Timestamp EndOfSchoolYear(Timestamp t);

}  // namespace ledger

template <typename Tag>
struct std::hash<ledger::StrongId<Tag>> {
  size_t operator()(const ledger::StrongId<Tag>& id) const noexcept {
    return std::hash<std::string>()(id.str());
  }
};
