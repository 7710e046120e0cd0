#include "ops/simulate_command.h"

#include <chrono>
#include <filesystem>

#include <fmt/core.h>

#include "aggregates/command_handler.h"
#include "ops/import/csv/annuaire.h"
#include "ops/import_command.h"
#include "ops/progress.h"
#include "ops/simulate/population.h"

namespace ledger::sim {
namespace {

constexpr size_t kGroupCommit = 4096;  // commands per HandleBatch

Status MergeIntoDirectory(const LogFlags& flags, const Population& pop) {
  const std::string path = DirectoryPath(flags);
  std::vector<import::Establishment> existing;
  if (auto loaded = import::LoadDirectory(path); loaded.ok()) {
    existing = std::move(*loaded);
  } else if (loaded.status().code() != StatusCode::kNotFound) {
    return loaded.status();
  }
  std::filesystem::create_directories(flags.data);
  return import::SaveDirectory(path, import::MergeDirectory(std::move(existing), DirectoryOf(pop)));
}

}  // namespace

Result<SimulateSummary> RunSimulate(const LogFlags& flags, const SimulateRequest& request,
                                    std::FILE* out) {
  const auto start = std::chrono::steady_clock::now();
  SimulateSummary sum;
  LEDGER_ASSIGN_OR_RETURN(sum.profile, LoadProfile(request.profile, DirectoryPath(flags)));
  LEDGER_ASSIGN_OR_RETURN(Population pop, MakePopulation(sum.profile, request.seed, request.scale));
  sum.schools = pop.schools.size();
  sum.pupils = pop.pupils.size();
  sum.guardians = pop.guardians.size();
  sum.families = pop.families.size();
  const std::vector<Command> commands = SchoolYear(sum.profile, pop, request.seed, &sum.facts);
  sum.commands = commands.size();
  fmt::print(out,
             "simulating {} (seed {}, scale {}): {} establishments, {} pupils, {} guardians in {} "
             "families; {} commands\n",
             sum.profile.name, request.seed, request.scale, sum.schools, sum.pupils, sum.guardians,
             sum.families, sum.commands);
  LEDGER_RETURN_IF_ERROR(MergeIntoDirectory(flags, pop));

  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenLog(flags, LogAccess::kWrite));
  const Timestamp recorded{StartOfDay(sum.profile.year_end).micros + 20LL * 3600 * 1000000};
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<CommandHandler> handler,
                          CommandHandler::Open(*log, [recorded] { return recorded; }));
  ProgressBar bar("simulating", static_cast<int64_t>(commands.size()));
  for (size_t i = 0; i < commands.size(); i += kGroupCommit) {
    std::span<const Command> batch(commands.data() + i, std::min(kGroupCommit, commands.size() - i));
    std::vector<Result<Outcome>> results = handler->HandleBatch(batch);
    for (size_t k = 0; k < results.size(); ++k) {
      if (!results[k].ok()) {
        const StatusCode code = results[k].status().code();
        const std::string where = fmt::format("command {} of {} ({} {} on {})", i + k + 1,
                                              commands.size(), batch[k].id.str(),
                                              CommandName(batch[k].body), TargetStream(batch[k].body).str());
        if (code == StatusCode::kUnavailable || code == StatusCode::kDataLoss)
          return results[k].status().WithContext(
              "simulation stopped at " + where + "; what was appended is kept: run the same "
              "simulation again to finish it");
        return Internal("the simulator's " + where + " was refused: " + results[k].status().ToString());
      }
      if (results[k]->replayed) ++sum.replayed;
      else sum.appended_events += results[k]->count;
    }
    bar.Update(static_cast<int64_t>(i + results.size()));
  }
  bar.Finish();
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(out,
             "{} events appended, {} commands replayed from an earlier run, in {:.1f} s ({} "
             "transfers, {} leavers, {} erroneous links, {} delegations revoked)\n",
             sum.appended_events, sum.replayed, sum.seconds, sum.facts.transfers, sum.facts.leavers,
             sum.facts.erroneous_links, sum.facts.delegations_revoked);
  return sum;
}

}  // namespace ledger::sim
