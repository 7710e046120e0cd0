#include "ops/cli/submit.h"

#include <algorithm>

#include "ops/console/progress.h"

namespace ledger {

Submitted SubmitInGroupCommits(CommandHandler& handler, std::span<const Command> commands,
                               size_t group, const std::string& label) {
  Submitted out;
  ProgressBar bar(label, static_cast<int64_t>(commands.size()));
  for (size_t i = 0; i < commands.size(); i += group) {
    const std::span<const Command> batch = commands.subspan(i, std::min(group, commands.size() - i));
    std::vector<Result<Outcome>> results = handler.HandleBatch(batch);
    for (size_t k = 0; k < results.size(); ++k) {
      if (!results[k].ok()) {
        out.failure_index = i + k;
        out.failure = results[k].status();
        return out;
      }
      if (results[k]->replayed) ++out.replayed;
      else out.appended_events += results[k]->count;
    }
    bar.Update(static_cast<int64_t>(i + results.size()));
  }
  bar.Finish();
  return out;
}

}  // namespace ledger
