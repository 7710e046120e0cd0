#include "ops/cli/import_command.h"
#include "ops/datadir/personal_vault.h"

#include <sodium.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/core.h>

#include "ops/import/csv/annuaire.h"
#include "ops/import/csv/onde.h"
#include "ops/import/import_plan.h"
#include "ops/import/report.h"
#include "ops/import/siecle/siecle.h"
#include "ops/cli/submit.h"
#include "ops/simulate/command_spill.h"

namespace ledger {

namespace {

constexpr size_t kGroupCommit = 512;  // commands per HandleBatch
constexpr size_t kSpillRun = 32'768;  // planned commands held in memory at a time (~25 MB)

// A digest of the files' bytes and the date: seeds the run's command ids.
Result<std::string> RunId(const std::vector<std::string>& files, Date date) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return NotFound(f + ": cannot open");
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0)
      crypto_generichash_update(&st, reinterpret_cast<unsigned char*>(buf),
                                static_cast<unsigned long long>(in.gcount()));
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(f.data()), f.size());
  }
  const std::string d = FormatIsoDate(date);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(d.data()), d.size());
  unsigned char out[16];
  crypto_generichash_final(&st, out, sizeof out);
  std::string hex;
  for (unsigned char c : out) hex += fmt::format("{:02x}", c);
  return hex;
}

Result<import::Directory> LoadDirectoryMap(const LogFlags& flags) {
  LEDGER_ASSIGN_OR_RETURN(std::vector<import::Establishment> list,
                          import::LoadDirectory(DirectoryPath(flags)));
  import::Directory dir;
  for (import::Establishment& e : list) dir[e.uai.str()] = std::move(e);
  return dir;
}

Status WriteReport(const std::string& path, const import::ImportPlan& plan) {
  std::ofstream f(path);
  f << import::ReportJson(plan).dump(2) << "\n";
  f.close();
  if (!f) return Unavailable("--report " + path + ": cannot write it");
  return OkStatus();
}

// Plans `sets` against the log, reports, and submits the commands.
Status ImportSets(const LogFlags& flags, const ImportRequest& request,
                  const std::vector<import::ExportSet>& sets, const std::vector<std::string>& files,
                  Clock now, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(import::Directory dir, LoadDirectoryMap(flags));
  const Date date = request.date ? *request.date : DateOf(now());
  LEDGER_ASSIGN_OR_RETURN(std::string run_id, RunId(files, date));
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenLog(flags, LogAccess::kWrite));
  // The vault first: its keyed lookups match pupils and guardians already in the ledger.
  LEDGER_ASSIGN_OR_RETURN(OpenedVault vault, OpenVault(flags, VaultAccess::kWrite));
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<StateDb> index_store, OpenImportIndex(flags, *log));
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<import::LedgerIndex> index,
                          import::LedgerIndex::Open(*log, *index_store, &vault.vault->keyer()));
  // The plan goes to a spill (runs on disk sealed under a key held in memory
  // only) and is read back in order: memory holds a run, not the plan. The
  // spill sorts by time, stably, and every command of an import carries the
  // run's time, so the order is the plan's. One directory per log, used
  // while the index's store is open: its lock keeps out another import of
  // the same log.
  const std::filesystem::path spill_dir = ImportSpillDir(flags, *log);
  std::error_code ec;
  std::filesystem::remove_all(spill_dir, ec);  // a killed run's: unreadable without its key
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<sim::CommandSpill> spill,
                          sim::CommandSpill::Create(spill_dir, kSpillRun));
  LEDGER_ASSIGN_OR_RETURN(
      import::ImportPlan plan,
      import::PlanImport(sets, dir, *index, import::PlanOptions{date, request.expected_uai, run_id},
                         [&](Command c) { return spill->Add(std::move(c)); }));
  LEDGER_RETURN_IF_ERROR(spill->Finish());
  index.reset();  // its store stays open to the end: its lock guards the spill
  for (const import::ExportSet& s : sets)
    fmt::print(out, "{} ({}, {}): {} pupils, {} adults, {} relations\n", s.pupils_file, s.uai,
               dir.at(s.uai).name, s.pupils.size(), s.guardians.size(), s.links.size());
  import::PrintReport(plan, out);
  if (!request.report.empty()) LEDGER_RETURN_IF_ERROR(WriteReport(request.report, plan));
  if (request.dry_run) {
    fmt::print(out, "dry run: {} commands planned, nothing appended\n", plan.command_count);
    return OkStatus();
  }
  LEDGER_ASSIGN_OR_RETURN(OpenedWriteState state, OpenWriteState(flags, *log));
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<CommandHandler> handler,
                          CommandHandler::Open(*log, now, vault.vault.get(), state.options()));
  const Submitted sent = SubmitInGroupCommits(*handler, *spill, kGroupCommit, "importing");
  if (!sent.failure.ok()) {
    std::string where = fmt::format("command {} of {}", sent.failure_index + 1, plan.command_count);
    if (const auto& failed = sent.failed_command)
      where += fmt::format(" ({} on {})", CommandName(failed->body), TargetStream(failed->body).str());
    return sent.failure.WithContext("import stopped at " + where +
                                    "; what was appended is kept: run the same import again to resume");
  }
  fmt::print(out, "imported: {} commands, {} events appended\n", plan.command_count,
             sent.appended_events);
  return OkStatus();
}

}  // namespace

std::string DirectoryPath(const LogFlags& flags) {
  return (std::filesystem::path(flags.data) / "establishments.tsv").string();
}

Status RunImportAnnuaire(const LogFlags& flags, const ImportRequest& request, std::FILE* out) {
  if (request.annuaire.empty()) return InvalidArgument("ledger import annuaire: give FILE.csv");
  std::vector<import::Establishment> incoming;
  for (const std::string& f : request.annuaire) {
    LEDGER_ASSIGN_OR_RETURN(std::vector<import::Establishment> list, import::ParseAnnuaire(f));
    fmt::print(out, "{}: {} establishments\n", f, list.size());
    incoming.insert(incoming.end(), list.begin(), list.end());
  }
  LEDGER_ASSIGN_OR_RETURN(const std::vector<import::Establishment> merged,
                          import::AddToDirectory(DirectoryPath(flags), incoming));
  std::map<std::string, std::map<Level, int>> by_dept;
  for (const import::Establishment& e : merged) ++by_dept[e.department][e.level];
  fmt::print(out, "directory {}: {} establishments\n", DirectoryPath(flags), merged.size());
  fmt::print(out, "  {:<10} {:>7} {:>8} {:>7} {:>7}\n", "department", "écoles", "collèges",
             "lycées", "other");
  for (auto& [dept, n] : by_dept)
    fmt::print(out, "  {:<10} {:>7} {:>8} {:>7} {:>7}\n", dept, n[Level::kEcole],
               n[Level::kCollege], n[Level::kLycee], n[Level::kOther]);
  return OkStatus();
}

Status RunImportSiecle(const LogFlags& flags, const ImportRequest& request, Clock now,
                       std::FILE* out) {
  if (request.eleves.empty() || request.eleves.size() != request.responsables.size())
    return InvalidArgument(
        "ledger import siecle: give --eleves and --responsables in pairs, one pair per "
        "establishment (got " + std::to_string(request.eleves.size()) + " and " +
        std::to_string(request.responsables.size()) + ")");
  std::vector<import::ExportSet> sets;
  std::vector<std::string> files;
  for (size_t i = 0; i < request.eleves.size(); ++i) {
    LEDGER_ASSIGN_OR_RETURN(import::ExportSet set,
                            import::ParseSiecle(request.eleves[i], request.responsables[i]));
    sets.push_back(std::move(set));
    files.push_back(request.eleves[i]);
    files.push_back(request.responsables[i]);
  }
  return ImportSets(flags, request, sets, files, now, out);
}

Status RunImportOnde(const LogFlags& flags, const ImportRequest& request, Clock now, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(import::ExportSet set,
                          import::ParseOnde(request.pupils, request.guardians, request.uai));
  return ImportSets(flags, request, {set}, {request.pupils, request.guardians}, now, out);
}

}  // namespace ledger
