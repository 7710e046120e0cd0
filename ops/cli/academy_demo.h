// `ledger demo`, the project's main job: simulate toulouse-2022 at the demo
// scale through the write path, project it, print the department tables as
// of the profile's two dates next to the figures the académie published,
// then one pupil's audited history (hash chain verified) and one erroneous
// link as assistance staff see it. `ledger demo --rules` keeps the rule tour
// (ops/demo.h).
//
// CompareWithPublished reads the projections (brought up to date) and pairs
// every simulated rate with its published figure: one row per department of
// the profile, then the academy's row.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "events/status.h"
#include "ops/datadir/log_flags.h"
#include "ops/simulate/profile.h"

namespace ledger {

inline constexpr double kDemoScale = 0.05;
inline constexpr uint64_t kDemoSeed = 2022;

struct Figure {
  double simulated = -1;  // % (-1: no account in that cell)
  double published = -1;  // % (-1: not published)
};

struct ComparisonRow {
  std::string code;  // department code, or the academy's name for the last row
  std::string name;
  Figure pupils, college, lycee, guardians;  // as of the second date
  Figure pupils_first_date;                 // as of the first date
};

Result<std::vector<ComparisonRow>> CompareWithPublished(const LogFlags& flags,
                                                        const sim::Profile& profile);
void PrintComparison(const std::vector<ComparisonRow>& rows, const sim::Profile& profile,
                     std::FILE* out);

struct AcademyDemoOptions {
  double scale = kDemoScale;
  uint64_t seed = kDemoSeed;
};
Status RunAcademyDemo(const LogFlags& flags, const AcademyDemoOptions& options, std::FILE* out);

}  // namespace ledger
