// A population's school year as dated commands, for the real write path
// (CommandHandler): delegations granted (and some revoked), the rentrée
// import (accounts, links, some of them erroneous), notifications,
// activations by every method, resets by every channel, link confirmations,
// erroneous links disputed and fixed by academy support, class changes,
// transfers (with their links updated) and leavers (with their links
// removed).
//
// Activations follow quotas, not coin flips: in each department × level, the
// pupils activated by the profile's first date are exactly round(rate × n) of
// the pupils present then, and by the second date exactly round(rate × n) of
// those present then (each department's guardians likewise, by their first
// child's department), so `ledger stats --as-of` reproduces the profile's
// targets at any scale, up to rounding and the few guardians linked in two
// departments. École pupils (rennes-35) get accounts but are not notified:
// the ledger serves their guardians.
//
// Pure: the same population and seed give the same commands, sorted by time
// (each stream's commands in order), with ids "<prefix>-s<seed>-c<n>": a
// second run replays instead of appending. Every command is meant to be
// accepted.
#pragma once

#include <cstdint>
#include <vector>

#include "aggregates/command.h"
#include "ops/simulate/command_spill.h"
#include "ops/simulate/population.h"
#include "ops/simulate/profile.h"

namespace ledger::sim {

struct YearFacts {
  size_t transfers = 0, leavers = 0, erroneous_links = 0, delegations_revoked = 0;
  AccountId disputed_guardian;  // a guardian whose erroneous link is still disputed at the year's end
  AccountId audited_pupil;      // a pupil with a rich history (activated, reset by staff)
};

std::vector<Command> SchoolYear(const Profile& profile, const Population& pop, uint64_t seed,
                                YearFacts* facts);

// The same commands in the same order, through `spill` (finished on return):
// the year in bounded memory, read back with CommandSpill::Next.
Status SchoolYearInto(const Profile& profile, const Population& pop, uint64_t seed, YearFacts* facts,
                      CommandSpill& spill);

}  // namespace ledger::sim
