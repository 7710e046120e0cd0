// What the importers read out of the schools' information systems, before
// any decision: plain records as the files hold them (UTF-8, trimmed), each
// with the file and line it came from. The parsers (annuaire.h, siecle.h,
// onde.h) fill them; the planner (import_plan.h) validates identifiers,
// matches people with the ledger's accounts and turns the difference into
// commands.
//
// Parsers reject only what makes a file unreadable as a whole (malformed XML
// or CSV, a wrong root element or header, an unknown encoding, a truncated
// file): InvalidArgument "FILE:LINE: what is wrong (what to do)". Bad values
// inside well-formed records (an invalid INE, a missing mobile…) are kept as
// they are and judged by the planner, which reports them.
// Value types.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/event.h"
#include "events/types.h"

namespace ledger::import {

// An establishment of the directory ("annuaire de l'éducation").
struct Establishment {
  Uai uai;                 // validated: 7 digits + check letter
  std::string name;        // Nom_etablissement
  std::string type;        // Type_etablissement as written ("Ecole", "Collège", "Lycée", …)
  Level level = Level::kOther;  // from the type (and the lycée's voies)
  std::string department;  // "035": the UAI's first three digits
  std::string academy;     // lower-case academy name: "rennes", "creteil", "toulouse"
  int pupils = 0;          // Nombre_d_eleves when the file has it, else 0
  friend bool operator==(const Establishment&, const Establishment&) = default;
};

// One pupil of an export.
struct PupilRecord {
  std::string source_id;   // SIECLE ELEVE_ID; ONDE: the INE, or "line:N" without one
  std::string ine;         // as written (may be empty or invalid: the planner judges)
  std::string last_name;   // NOM_DE_FAMILLE / Nom élève
  std::string first_name;  // PRENOM / Prénom élève
  std::optional<Date> birth_date;  // DATE_NAISS / Date naissance (DD/MM/YYYY)
  std::optional<Date> left_on;     // DATE_SORTIE (SIECLE); none in ONDE
  std::string email;       // MEL
  std::string mobile;      // TEL_PORTABLE
  std::string class_name;  // the class (SIECLE structure of type D; ONDE "Classe")
  int line = 0;            // line of the record's start in its file
};

// One adult of an export (a SIECLE PERSONNE, an ONDE guardians row).
struct GuardianRecord {
  std::string source_id;  // PERSONNE_ID; ONDE guardians file: "line:N"
  std::string last_name;
  std::string first_name;
  std::string mobile;  // TEL_PORTABLE (empty: none on file)
  std::string email;   // MEL
  int line = 0;
};

// A guardian ↔ pupil relation of an export (RESPONSABLE_ELEVE).
struct LinkRecord {
  std::string pupil_source_id;     // ELEVE_ID
  std::string guardian_source_id;  // PERSONNE_ID
  int resp_legal = 0;              // RESP_LEGAL: 1, 2; 0 = not a legal guardian
  int responsibility = 0;          // NIVEAU_RESPONSABILITE: 1 legal, 2 "en charge", 3 contact only
  std::string relationship;        // CODE_PARENTE as written
  int line = 0;
};

// One establishment's export: a SIECLE BEE_ELEVES + BEE_RESPONSABLES pair, or
// an ONDE pupils + guardians pair.
struct ExportSet {
  SourceSystem system = SourceSystem::kSiecle;
  std::string uai;             // PARAMETRES/UAJ (SIECLE) or --uai (ONDE), as written
  int uai_line = 0;            // line of PARAMETRES/UAJ in pupils_file; 0: not from a file
  std::string pupils_file;     // paths as given, for messages and source_file
  std::string guardians_file;
  std::vector<PupilRecord> pupils;
  std::vector<GuardianRecord> guardians;
  std::vector<LinkRecord> links;
};

}  // namespace ledger::import
