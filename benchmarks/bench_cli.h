// The benchmarks' command lines (CLI11) share their checks: a count (rounds,
// runs, accounts, families, …) is a whole number of 1 or more; a setting
// whose 0 means "none" or "the default" a whole number of 0 or more; a rate a
// number of 0 or more; a date YYYY-MM-DD. CLI11's own PositiveNumber
// accepts fractions and says "not in range 0.000000 to 1.79e308" for a word;
// these name what they expected and what they got (exit 105, before any work).
// So do the settings with a range (WholeNumberIn), where CLI11's Range says
// only "Value abc not in range".
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

#include "events/types.h"

namespace ledger::bench {

// A value of type T (parsed whole, by std::from_chars) from `least` to
// `most`; refused with "expected <expected>, got '<text>'". `name`: the
// value's name in --help.
template <typename T>
CLI::Validator Between(T least, T most, std::string expected, std::string name) {
  return CLI::Validator(
      [least, most, expected = std::move(expected)](std::string& text) -> std::string {
        T value{};
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec == std::errc() && end == text.data() + text.size() && value >= least && value <= most) return {};
        return "expected " + expected + ", got '" + text + "'";
      },
      std::move(name));
}

// A value of type T of `least` or more.
template <typename T>
CLI::Validator AtLeast(T least, std::string expected, std::string name) {
  return Between<T>(least, std::numeric_limits<T>::max(), std::move(expected), std::move(name));
}

// A whole number from `least` to `most` (as rebuild_bench's
// --freed-memory-kept-mb, whose -1 means "unbounded", or privacy_bench's
// --only, a mode's number).
inline CLI::Validator WholeNumberIn(int64_t least, int64_t most) {
  return Between<int64_t>(least, most,
                          "a whole number from " + std::to_string(least) + " to " + std::to_string(most), "N");
}

// A whole number of `least` or more (0: a setting whose 0 means "none" or
// "the default", as rebuild_bench's --fold-from or --view-cache-mb).
inline CLI::Validator WholeNumber(uint64_t least) {
  return AtLeast<uint64_t>(least, "a whole number of " + std::to_string(least) + " or more", least > 0 ? "COUNT" : "N");
}

inline CLI::Validator PositiveCount() { return WholeNumber(1); }

// A rate (events per second, …) of 0 or more, fractions allowed. CLI11's
// NonNegativeNumber answers -1 or a word with "not in range 0.000000 to"
// a 309-digit number.
inline CLI::Validator NonNegativeRate() { return AtLeast<double>(0.0, "a number of 0 or more", "RATE"); }

// A date YYYY-MM-DD (ParseIsoDate), as `ledger stats --as-of` takes it.
inline CLI::Validator IsoDate() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (ParseIsoDate(text)) return {};
        return "expected a date YYYY-MM-DD, got '" + text + "'";
      },
      "DATE");
}

}  // namespace ledger::bench
