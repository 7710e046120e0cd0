// Checks on `ledger migrate` runs shared by the mock and real-cluster Kafka
// tests (test-only; needs GoogleTest, unlike ledger_runner.h which the
// benchmarks use too).
#pragma once

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "tests/ledger_runner.h"

namespace ledger::testing {

// A `ledger migrate` rerun after a killed run had copied `kept` of `total`
// records: it succeeded, verified those and copied the rest.
inline void ExpectMigrationResumed(const CliRun& rerun, int64_t total, int64_t kept) {
  ASSERT_EQ(rerun.code, 0) << rerun.err;
  EXPECT_NE(rerun.out.find("migrated " + std::to_string(total - kept) + " records"),
            std::string::npos)
      << rerun.out;
  EXPECT_NE(rerun.out.find("(" + std::to_string(kept) + " already there, verified)"),
            std::string::npos)
      << rerun.out;
}

}  // namespace ledger::testing
