// ParseOnde: one école's ONDE extraction pair (pupils + guardians) read into
// an ExportSet (records.h): system kOnde, uai and paths as given, UTF-8,
// trimmed, each record with its line. Values are not judged here (an invalid
// INE, a missing mobile…): the planner does that. Both files are CSV in
// text.h's dialect (';', optional quotes, CRLF or LF), encoded in
// Windows-1252 as ONDE writes them (a UTF-8 byte-order mark makes a file
// UTF-8: a spreadsheet re-saved it).
//
// Pupils file: ONDE's standard pupils extraction. Its header must be exactly
//   Nom élève;Prénom élève;Niveau;Cycle;Regroupement;Classe;Date inscription;
//   Nom d'usage;Deuxième prénom;Troisième prénom;Date naissance;
//   Commune naissance;Dépt naissance;Pays naissance;Sexe;Adresse;CP;Commune;
//   Pays;Etat
// (one line; names compared after decoding and trimming, case-sensitive),
// optionally followed by a 21st column INE: our extension. ONDE holds the
// pupils' INE but its standard extraction does not print it; without the
// column no pupil has an INE, so the planner creates no pupil account.
// Each row → PupilRecord: last_name = Nom élève, first_name = Prénom élève,
// birth_date = Date naissance, class_name = Classe, ine = INE ("" without the
// column), source_id = the INE when non-empty, else "line:N". The other
// columns are not kept (Date inscription is only checked to be a date).
// Rows are kept whatever their Etat: ONDE has no leaving date (left_on stays
// empty); a pupil who left is one absent from the next extraction.
//
// Guardians file (our format, defined here: ONDE's standard extractions do
// not give the guardians beside their pupils' identity; this is what the
// académie's extraction from ONDE must write). Header, exactly:
//   INE élève;Nom élève;Prénom élève;Date naissance;Rang;Lien;Nom responsable;
//   Prénom responsable;Téléphone portable;Courriel
// One row per (pupil, adult) relation: an adult with two children has two
// rows, hence two GuardianRecords, which the planner merges by its matching
// rule (ops/import/README.md).
//   INE élève          the pupil's INE; empty: the pupil is found by Nom élève,
//                      Prénom élève and Date naissance, compared without case
//                      or accents, among the pupils file's rows
//   Date naissance     DD/MM/YYYY or empty
//   Rang               "1" or "2": legal guardian 1 or 2; "C": personne en charge
//   Lien               relationship as written ("MERE", "PERE", "TUTEUR"…)
//   Téléphone portable, Courriel: as written
// Each row N → GuardianRecord {source_id "line:N", Nom/Prénom responsable,
// mobile, email} and LinkRecord {pupil's source_id, "line:N", resp_legal 1/2
// (0 for C), responsibility 1 (ranks 1, 2) or 2 (C), relationship = Lien}.
//
// Errors, InvalidArgument unless said (first met; the pupils file is read
// first). Messages never print a person's name.
//   "FILE:1: not an ONDE pupils extraction (expected header …)"
//   "FILE:1: not an ONDE guardians file (expected header …)"
//   "FILE: no rows (truncated extraction?)": the planner would close every
//     account of the école (no pupils) or remove every link (no guardians)
//   "FILE:LINE: Date naissance \"…\" is not a date (DD/MM/YYYY)" (and
//     Date inscription)
//   "FILE:LINE: Rang \"…\" is not 1, 2 or C"
//   "GUARDIANS:LINE: pupil INE … not in PUPILS"
//   "GUARDIANS:LINE: the pupil of this row (no INE) is not in PUPILS (…)"
//   "GUARDIANS:LINE: the pupil of this row (no INE) matches lines A and B of
//     PUPILS (give its INE)"
//   text.h's encoding and CSV errors; NotFound when a file cannot be opened.
// Thread-safety: reads the two files; no shared state.
#pragma once

#include <string>

#include "events/status.h"
#include "ops/import/records.h"

namespace ledger::import {

Result<ExportSet> ParseOnde(const std::string& pupils_path, const std::string& guardians_path,
                            const std::string& uai);

}  // namespace ledger::import
