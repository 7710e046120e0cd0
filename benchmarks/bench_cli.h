// The benchmarks' command lines (CLI11) share one check: a count (rounds,
// runs, accounts, families, …) is a whole number of 1 or more. CLI11's own
// PositiveNumber accepts fractions and says "not in range 0.000000 to 1.79e308"
// for a word; this one names what it expected and what it got.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace ledger::bench {

inline CLI::Validator PositiveCount() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        uint64_t n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc() && end == text.data() + text.size() && n > 0) return {};
        return "expected a whole number of 1 or more, got '" + text + "'";
      },
      "COUNT");
}

}  // namespace ledger::bench
