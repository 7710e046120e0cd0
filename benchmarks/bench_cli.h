// The benchmarks' command lines (CLI11) share their checks: a count (rounds,
// runs, accounts, families, …) is a whole number of 1 or more; a setting
// whose 0 means "none" or "the default" a whole number of 0 or more; a rate a
// number of 0 or more. CLI11's own PositiveNumber accepts fractions and says
// "not in range 0.000000 to 1.79e308" for a word; these name what they
// expected and what they got.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace ledger::bench {

// A whole number of `least` or more (0: a setting whose 0 means "none" or
// "the default", as rebuild_bench's --fold-from or --view-cache-mb).
inline CLI::Validator WholeNumber(uint64_t least) {
  return CLI::Validator(
      [least](std::string& text) -> std::string {
        uint64_t n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc() && end == text.data() + text.size() && n >= least) return {};
        return "expected a whole number of " + std::to_string(least) + " or more, got '" + text + "'";
      },
      least > 0 ? "COUNT" : "N");
}

inline CLI::Validator PositiveCount() { return WholeNumber(1); }

// A rate (events per second, …) of 0 or more, fractions allowed. CLI11's
// NonNegativeNumber answers -1 or a word with "not in range 0.000000 to"
// a 309-digit number.
inline CLI::Validator NonNegativeRate() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double x = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
        if (ec == std::errc() && end == text.data() + text.size() && x >= 0) return {};
        return "expected a number of 0 or more, got '" + text + "'";
      },
      "RATE");
}

}  // namespace ledger::bench
