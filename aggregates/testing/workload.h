// A reproducible school year of commands for tests and benchmarks: families
// (1–3 pupils, 1–2 guardians) schooled in real establishments of
// Ille-et-Vilaine and Val-de-Marne (UAIs from the annuaire de l'éducation),
// imported, notified, activated by every method, with resets, link
// confirmations and disputes fixed by support, class changes, transfers with
// their link updates, leavers, and staff delegations. About 11 events per
// family; every command is meant to be accepted.
//
// Pure: the same options give the same commands, sorted by time (so each
// stream's commands are in order). Submit them with CommandHandler::HandleBatch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aggregates/command.h"

namespace ledger::testing {

struct WorkloadOptions {
  size_t families = 1000;
  uint32_t seed = 1;
  std::string id_prefix = "w";  // account and command ids start with it
};

std::vector<Command> GenerateWorkload(const WorkloadOptions& options);

}  // namespace ledger::testing
