// `ledger demo`: runs DemoScenario() through the write path (CommandHandler
// over the given log) and prints, for each command, what happened: accepted
// (stream, seq, log position), refused (with the rule's reason) or replayed
// (already in the log from an earlier run: nothing appended).
//
// Fails (Internal) if a command meant to be accepted is refused or one meant
// to be refused is accepted: the demo doubles as a smoke test of the rules.
// Prints no names: accounts appear by their opaque ids.
#pragma once

#include <cstdio>

#include "aggregates/command_handler.h"

namespace ledger {

struct DemoSummary {
  size_t commands = 0;
  size_t accepted = 0;
  size_t replayed = 0;
  size_t refused = 0;
  size_t events_appended = 0;
  size_t events_in_log = 0;
  size_t streams = 0;
  size_t event_types_covered = 0;  // distinct event types among this run's appended or replayed steps
};

// `vault` seals personal data (events/personal_data.h); null writes it in clear.
Result<DemoSummary> RunDemo(EventLog& log, const Clock& clock, std::FILE* out, PersonalDataVault* vault = nullptr,
                            WriteStateOptions state = {});

}  // namespace ledger
