// The national establishment directory: the ministry's "annuaire de
// l'éducation" CSV (data.education.gouv.fr, fr-en-annuaire-education) read
// into Establishment records (records.h), and the ledger's own copy of it,
// DATA/establishments.tsv, that the importers check UAIs against.
//
// ParseAnnuaire reads the CSV as published: UTF-8 with a byte-order mark,
// CRLF, ';' (text.h's dialect). Columns are found by name, so the 2023 set
// (with Nombre_d_eleves, "Code postal") and the 2026 set (no Nombre_d_eleves,
// "Code_postal", more columns) both load. Required columns:
// Identifiant_de_l_etablissement, Nom_etablissement, Type_etablissement,
// Code_departement, Libelle_academie; Nombre_d_eleves is read when present.
// Each row gives:
//   uai         Identifiant_de_l_etablissement, validated (identifiers.h)
//   name, type  Nom_etablissement, Type_etablissement as written
//   level       from Type_etablissement, compared without case or accents:
//               "Ecole" → kEcole, "Collège" → kCollege, "Lycée" → kLycee; the
//               other values of the real files ("Service Administratif",
//               "Médico-social", "Autre", "Information et orientation",
//               "EREA", and "" for the STS/CPGE-only schools) → kOther
//   department  the UAI's first three digits; Code_departement must agree
//   academy     Libelle_academie lower-cased without accents ("Créteil" → "creteil")
//   pupils      Nombre_d_eleves when present and all digits, else 0
// Every row is loaded whatever its `etat` ("OUVERT", "A FERMER", …): a closed
// establishment's pupils still exist in the ledger's history. A UAI on
// several rows (etablissement_multi_lignes = 1: one establishment, several
// sites, one pupil count) gives one record, from its first row. The result is
// in file order.
// Errors, all InvalidArgument (the directory must be right: one bad row
// refuses the file):
//   "FILE:1: no column X (is this the annuaire de l'éducation?)"
//   "FILE:LINE: UAI …: check letter should be 'T'" (ValidateUai's message)
//   "FILE:LINE: Code_departement 036 disagrees with UAI 0350122T (department 035)"
//   and text.h's encoding and CSV errors; NotFound when FILE cannot be opened.
//
// Directory store format (DATA/establishments.tsv), UTF-8, LF, one line per
// establishment sorted by UAI, after this header line:
//   uai<TAB>name<TAB>type<TAB>level<TAB>department<TAB>academy<TAB>pupils
// level is "ecole", "college", "lycee" or "other"; pupils a decimal number;
// tabs, CR and LF inside text fields are written as spaces. Every line, the
// last included, ends with LF.
//
// Thread-safety: pure functions, except SaveDirectory/LoadDirectory, which
// touch the file system; concurrent saves to one path are not supported
// (the `ledger import annuaire` command is run by one operator).
#pragma once

#include <string>
#include <vector>

#include "events/status.h"
#include "ops/import/records.h"

namespace ledger::import {

Result<std::vector<Establishment>> ParseAnnuaire(const std::string& path);

// Writes `list` to PATH.tmp, fsyncs it, renames it over `path` and fsyncs the
// directory: a crash leaves the old or the new directory, never half of one.
// Unavailable "PATH: cannot write (reason)" on an I/O error.
Status SaveDirectory(const std::string& path, const std::vector<Establishment>& list);

// Reads what SaveDirectory wrote. NotFound "PATH: no establishment directory
// (run `ledger import annuaire FILE.csv` first)" when missing; DataLoss
// "PATH:LINE: what" for a wrong header, a line without 7 fields, an invalid
// UAI, an unknown level, a department that is not the UAI's, a bad pupil
// count, a duplicate UAI or a last line without its LF (truncated).
Result<std::vector<Establishment>> LoadDirectory(const std::string& path);

// `existing` with `incoming` applied: an incoming establishment replaces the
// one with its UAI (the later one when `incoming` holds a UAI twice); sorted by UAI.
std::vector<Establishment> MergeDirectory(std::vector<Establishment> existing,
                                          const std::vector<Establishment>& incoming);

// The directory at `path` (none yet: empty) merged with `incoming` and saved
// back, the parent folder created if needed; returns what it now holds. The
// errors of LoadDirectory (except NotFound) and SaveDirectory.
Result<std::vector<Establishment>> AddToDirectory(const std::string& path,
                                                  const std::vector<Establishment>& incoming);

}  // namespace ledger::import
