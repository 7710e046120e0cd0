#include "ops/cli/simulate_command.h"
#include "ops/datadir/personal_vault.h"

#include <chrono>

#include <fmt/core.h>

#include "aggregates/command_handler.h"
#include "events/file_replace.h"
#include "ops/import/csv/annuaire.h"
#include "ops/cli/import_command.h"
#include "ops/cli/submit.h"
#include "ops/simulate/population.h"

namespace ledger::sim {
namespace {

constexpr size_t kGroupCommit = 4096;  // commands per HandleBatch
constexpr size_t kSpillRun = 131'072;  // commands sorted in memory at a time (~70 MB)

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
  LEDGER_RETURN_IF_ERROR(import::AddToDirectory(DirectoryPath(flags), DirectoryOf(pop)).status());
  LEDGER_RETURN_IF_ERROR(ReplaceFile((std::filesystem::path(flags.data) / "profile.json").string(),
                                     ProfileJson(sum.profile).dump(2) + "\n"));

  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenLog(flags, LogAccess::kWrite));
  // The year is drawn into a spill (sorted runs on disk, sealed under a key
  // held in memory only) and read back in time order: memory stays bounded.
  // Under the writer's lock, so no other simulation uses the directory.
  const std::filesystem::path spill_dir = std::filesystem::path(flags.data) / "simulate.spill";
  std::error_code ec;
  std::filesystem::remove_all(spill_dir, ec);  // a killed run's: unreadable without its key
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<CommandSpill> spill, CommandSpill::Create(spill_dir, kSpillRun));
  LEDGER_RETURN_IF_ERROR(SchoolYearInto(sum.profile, pop, request.seed, &sum.facts, *spill));
  sum.commands = spill->size();
  fmt::print(out,
             "simulating {} (seed {}, scale {}): {} establishments, {} pupils, {} guardians in {} "
             "families; {} commands\n",
             sum.profile.name, request.seed, request.scale, sum.schools, sum.pupils, sum.guardians,
             sum.families, sum.commands);
  const Timestamp recorded{StartOfDay(sum.profile.year_end).micros + 20LL * 3600 * 1000000};
  LEDGER_ASSIGN_OR_RETURN(OpenedVault vault, OpenVault(flags, VaultAccess::kWrite));
  LEDGER_ASSIGN_OR_RETURN(OpenedWriteState state, OpenWriteState(flags, *log));
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<CommandHandler> handler,
                          CommandHandler::Open(*log, [recorded] { return recorded; }, vault.vault.get(),
                                               state.options()));
  const Submitted sent = SubmitInGroupCommits(*handler, *spill, kGroupCommit, "simulating");
  sum.appended_events = sent.appended_events;
  sum.replayed = sent.replayed;
  if (!sent.failure.ok()) {
    std::string where = fmt::format("command {} of {}", sent.failure_index + 1, sum.commands);
    if (const auto& failed = sent.failed_command)
      where += fmt::format(" ({} {} on {})", failed->id.str(), CommandName(failed->body), TargetStream(failed->body).str());
    const StatusCode code = sent.failure.code();
    if (code == StatusCode::kUnavailable || code == StatusCode::kDataLoss)
      return sent.failure.WithContext("simulation stopped at " + where +
                                      "; what was appended is kept: run the same simulation "
                                      "again to finish it");
    return Internal("the simulator's " + where + " was refused: " + sent.failure.ToString());
  }
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(out,
             "{} events appended, {} commands replayed from an earlier run, in {:.1f} s ({} "
             "transfers, {} leavers, {} erroneous links, {} delegations revoked)\n",
             sum.appended_events, sum.replayed, sum.seconds, sum.facts.transfers, sum.facts.leavers,
             sum.facts.erroneous_links, sum.facts.delegations_revoked);
  return sum;
}

}  // namespace ledger::sim
