#include "ops/cli/submit.h"

#include <algorithm>

#include "ops/console/progress.h"

namespace ledger {

Submitted SubmitInGroupCommits(CommandHandler& handler, std::span<const Command> commands,
                               size_t group, const std::string& label) {
  size_t given = 0;
  return SubmitInGroupCommits(
      handler, commands.size(),
      [&](size_t n) -> Result<std::span<const Command>> {
        const size_t k = std::min(n, commands.size() - given);
        given += k;
        return commands.subspan(given - k, k);
      },
      group, label);
}

Submitted SubmitInGroupCommits(CommandHandler& handler, sim::CommandSpill& spill, size_t group,
                               const std::string& label) {
  std::vector<Command> part;
  return SubmitInGroupCommits(
      handler, spill.size(),
      [&](size_t n) -> Result<std::span<const Command>> {
        LEDGER_ASSIGN_OR_RETURN(part, spill.Next(n));
        return std::span<const Command>(part);
      },
      group, label);
}

Submitted SubmitInGroupCommits(CommandHandler& handler, size_t total, const CommandSource& next,
                               size_t group, const std::string& label) {
  Submitted out;
  ProgressBar bar(label, static_cast<int64_t>(total));
  for (size_t i = 0;;) {
    Result<std::span<const Command>> batch = next(group);
    if (!batch.ok()) {
      out.failure_index = i;
      out.failure = batch.status();
      return out;
    }
    if (batch->empty()) break;
    std::vector<Result<Outcome>> results = handler.HandleBatch(*batch);
    for (size_t k = 0; k < results.size(); ++k) {
      if (!results[k].ok()) {
        out.failure_index = i + k;
        out.failure = results[k].status();
        out.failed_command = (*batch)[k];
        return out;
      }
      if (results[k]->replayed) ++out.replayed;
      else out.appended_events += results[k]->count;
    }
    i += results.size();
    bar.Update(static_cast<int64_t>(i));
  }
  bar.Finish();
  return out;
}

}  // namespace ledger
