// `ledger simulate --profile NAME --seed N [--scale F]`: a whole school year
// of a profile's population, submitted as commands through the real write
// path (CommandHandler over the configured log; never events written
// directly). The profile's establishments are merged into the directory
// (DATA/establishments.tsv), as `ledger import annuaire` would.
//
// Deterministic: the same profile, seed and scale give the same commands
// with the same ids and times, recorded with a fixed clock (the end of the
// simulated year), hence a byte-identical `ledger export` on a fresh ledger;
// on a ledger that already holds them, a second run replays (appends
// nothing). A refused command is a bug of the simulator or of the rules:
// the run stops with Internal naming the command.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "events/status.h"
#include "ops/datadir/log_flags.h"
#include "ops/simulate/profile.h"
#include "ops/simulate/school_year.h"

namespace ledger::sim {

struct SimulateRequest {
  std::string profile = "toulouse-2022";
  uint64_t seed = 1;
  double scale = 1.0;
};

struct SimulateSummary {
  Profile profile;
  size_t schools = 0, pupils = 0, guardians = 0, families = 0;
  size_t commands = 0, appended_events = 0, replayed = 0;
  double seconds = 0;
  YearFacts facts;
};

Result<SimulateSummary> RunSimulate(const LogFlags& flags, const SimulateRequest& request,
                                    std::FILE* out);

}  // namespace ledger::sim
