// PlanImport: the difference between the schools' exports and the ledger, as
// commands for the write path, plus the data-quality report.
//
// Input: one or more establishments' exports read in one run (ExportSet), the
// establishment directory, and the ledger as it stands (LedgerIndex). Rules
// (ops/import/README.md has the full statement and its limits):
//  - Pupils are matched by INE. No INE or an invalid one: no account (reported).
//    New INE → CreateAccount; a pupil now in another establishment's export →
//    TransferPupil (same account, same login) and GuardianLinkUpdated on each
//    kept link; another class → ChangeClass; a pupil with a past DATE_SORTIE,
//    or an open account of an imported establishment absent from every export
//    of the run → its links removed (pupil_left) and AccountClosed(left).
//  - Guardians: by the PERSONNE_ID the same establishment's exports gave them
//    before, else by matching key (normalize.h: name + first name + mobile, or
//    + e-mail). Two accounts matching one adult is ambiguous: reported, the
//    adult is left out (no account, no link), never guessed. Adults get an
//    account only with at least one link: RESP_LEGAL 1/2 (legal guardians) or
//    NIVEAU_RESPONSABILITE 2 ("en charge", secondary only); contacts only
//    (level 3, RESP_LEGAL 0) get none.
//  - Links of the run's pupils follow the exports: new → GuardianLinked, gone →
//    GuardianUnlinked(source_update). Links made by hand (source manual) are
//    never removed by an import.
//  - Nothing is planned for a value the rules would refuse; it is reported.
// Errors (the whole run is refused, nothing planned): an export's UAI invalid,
// unknown to the directory, or not the expected one (messages name the file);
// the index's store failing to answer (LedgerIndex::status()).
// Deterministic: same inputs, same commands with the same ids, in the same
// order. Reads the ledger only through the index (its store); one plan at a
// time per index (its queries record a store error: LedgerIndex::status()).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aggregates/command.h"
#include "ops/import/ledger_index.h"
#include "ops/import/records.h"

namespace ledger::import {

// One line of the data-quality report. Never a person's name: files, lines
// and the exports' own ids.
struct Finding {
  std::string kind;       // see kFindingKinds in import_plan.cc and the README
  std::string file;
  int line = 0;
  std::string source_id;  // ELEVE_ID / PERSONNE_ID / "line:N"
  std::string detail;
};

struct PlanSummary {
  int pupils_read = 0, guardians_read = 0, links_read = 0;
  int pupils_created = 0, guardians_created = 0, guardians_matched = 0;
  int transfers = 0, class_changes = 0, leavers = 0, contacts_updated = 0;
  int links_added = 0, links_moved = 0, links_removed = 0;
};

struct ImportPlan {
  std::vector<Command> commands;  // in submission order (empty when they went to a sink)
  size_t command_count = 0;
  std::vector<Finding> findings;
  PlanSummary summary;
};

struct PlanOptions {
  Date date;                              // the exports' date: DATE_SORTIE up to it has left
  std::optional<std::string> expected_uai;  // --uai: every export must be of it
  std::string run_id;                     // digest of the inputs: seeds command ids
};

using Directory = std::map<std::string, Establishment>;  // by UAI

Result<ImportPlan> PlanImport(const std::vector<ExportSet>& sets, const Directory& directory,
                              const LedgerIndex& index, const PlanOptions& options);
// The same with each command given to `sink` as it is planned, in submission
// order (the plan's `commands` stay empty): a large run's commands go to a
// spill on disk instead of memory. The sink's first failure stops the plan
// and is returned. On any error the sink may already hold commands: the
// caller discards them (an error means nothing is to be submitted).
using CommandSink = std::function<Status(Command)>;
Result<ImportPlan> PlanImport(const std::vector<ExportSet>& sets, const Directory& directory,
                              const LedgerIndex& index, const PlanOptions& options,
                              const CommandSink& sink);

// Login of a new account: its base — initial of the first name, '.', the last
// name (lower-case ASCII letters, at most 20: "c.durand") — then the smallest
// number ≥ `from` not taken ("c.durand3"); `from` > 1 when the caller knows
// the numbers below it are taken. `taken` says whether a candidate is in use;
// the number chosen goes to `*number` when given.
std::string LoginBase(std::string_view first_name, std::string_view last_name);
std::string MakeLogin(std::string_view first_name, std::string_view last_name,
                      const std::function<bool(const std::string&)>& taken, int from = 1,
                      int* number = nullptr);

}  // namespace ledger::import
