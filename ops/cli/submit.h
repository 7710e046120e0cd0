// Submitting many commands through the write path, as the bulk commands do
// (`ledger import`, `ledger simulate`): group commits of `group` commands
// (CommandHandler::HandleBatch), a progress bar labelled `label` on a
// terminal, and a stop at the first command that fails — what was appended
// before it is kept. The caller words the failure (failure_index says which
// command).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "aggregates/command_handler.h"
#include "ops/simulate/command_spill.h"

namespace ledger {

struct Submitted {
  size_t appended_events = 0;  // by commands not already in the log
  size_t replayed = 0;         // commands already in the log: nothing appended
  size_t failure_index = 0;    // with !failure.ok(): the failed command's index
  Status failure;
  // The failed command (none when reading the commands failed).
  std::optional<Command> failed_command;
};

Submitted SubmitInGroupCommits(CommandHandler& handler, std::span<const Command> commands,
                               size_t group, const std::string& label);

// The same for `total` commands that come in parts, never all in memory:
// `next(n)` gives up to n more in order (valid until its next call), empty at
// the end. Its failure stops the submission like a command's (failure_index:
// the first command not read).
using CommandSource = std::function<Result<std::span<const Command>>(size_t n)>;
Submitted SubmitInGroupCommits(CommandHandler& handler, size_t total, const CommandSource& next,
                               size_t group, const std::string& label);

// The same for every command of a finished `spill`, in its order.
Submitted SubmitInGroupCommits(CommandHandler& handler, sim::CommandSpill& spill, size_t group,
                               const std::string& label);

}  // namespace ledger
