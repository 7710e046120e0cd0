// `ledger import annuaire|siecle|onde`: the commands around the importers
// (ops/import/). Contract:
//  - annuaire FILE.csv…: parses every file (ops/import/csv/annuaire.h), merges
//    them into the establishment directory DATA/establishments.tsv (same UAI:
//    the newer file wins) and prints what it holds per department. Any bad
//    file: nothing is written.
//  - siecle --eleves F --responsables G [--eleves F2 --responsables G2 …] and
//    onde --pupils F --guardians G --uai U: parses every file, loads the
//    directory and the whole log, plans the difference (import_plan.h), prints
//    it with the data-quality report (and writes it as JSON with --report),
//    then submits the commands through the write path in group commits.
//    All-or-nothing on bad input: a file that does not parse, an unknown or
//    unexpected UAI — an error naming file and line, and nothing appended.
//    Several establishments in one run let a pupil who moved between them be
//    transferred (same account) rather than closed here and created there.
//    --dry-run plans and reports without appending.
//    If the log fails mid-way, run the same import again: it resumes (command
//    ids derive from the files, so nothing is appended twice).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "aggregates/command_handler.h"
#include "events/status.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

struct ImportRequest {
  std::vector<std::string> annuaire;                // annuaire files
  std::vector<std::string> eleves, responsables;    // siecle pairs, in order
  std::string pupils, guardians, uai;               // onde
  std::optional<std::string> expected_uai;          // siecle --uai
  std::optional<Date> date;                         // the exports' date (default: today)
  std::string report;                               // --report FILE.json
  bool dry_run = false;
};

// DATA/establishments.tsv
std::string DirectoryPath(const LogFlags& flags);

Status RunImportAnnuaire(const LogFlags& flags, const ImportRequest& request, std::FILE* out);
Status RunImportSiecle(const LogFlags& flags, const ImportRequest& request, Clock now, std::FILE* out);
Status RunImportOnde(const LogFlags& flags, const ImportRequest& request, Clock now, std::FILE* out);

}  // namespace ledger
