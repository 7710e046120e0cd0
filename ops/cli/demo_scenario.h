// The fixed scenario of `ledger demo`: four real establishments (Collège les
// Ormeaux 0350033W, Lycée professionnel Jean Jaurès 0350031U and École les
// Lucioles 0350122T in Ille-et-Vilaine, École élémentaire Les Antes 0940389M
// in Val-de-Marne), four pupils and four guardians, living one school year:
// delegations, imports, notifications, activations, resets, link checks, a
// class change, a transfer to another academy, a merge of duplicates, a
// leaver, a revocation — every event type of the catalogue — plus commands the
// rules refuse, each marked as expected to be rejected.
//
// Pure data: command ids and times are fixed, so running the scenario twice
// against the same log replays every command instead of appending.
#pragma once

#include <string>
#include <vector>

#include "aggregates/command.h"

namespace ledger {

struct DemoStep {
  std::string what;  // one line for people, no names ("the CPE resets pup-0001's password")
  Command command;
  bool expect_rejected = false;
};

std::vector<DemoStep> DemoScenario();

}  // namespace ledger
