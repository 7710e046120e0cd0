// ParseSiecle: one establishment's SIECLE "BEE" export pair (BEE_ELEVES +
// BEE_RESPONSABLES XML) read into an ExportSet (records.h), UTF-8, trimmed,
// with each record's line. Nothing is judged here (an invalid INE, a missing
// mobile…): the planner does that. Only what makes the pair unreadable fails.
//
// Layout read (other elements are ignored):
//   BEE_ELEVES
//     PARAMETRES/UAJ                        → ExportSet::uai, as written (required)
//     DONNEES/ELEVES/ELEVE[@ELEVE_ID]       → PupilRecord (DONNEES/ELEVES required)
//       ID_NATIONAL (INE, may be empty), NOM_DE_FAMILLE, PRENOM, DATE_NAISS,
//       DATE_SORTIE (optional), MEL, TEL_PORTABLE; dates DD/MM/YYYY
//     DONNEES/STRUCTURES/STRUCTURES_ELEVE[@ELEVE_ID]/STRUCTURE
//       {CODE_STRUCTURE, TYPE_STRUCTURE}: the first of type D (division) is the
//       pupil's class_name; G (groups) and the others are ignored. No
//       STRUCTURES: no classes.
//   BEE_RESPONSABLES
//     PARAMETRES/UAJ (optional; when present, must equal the pupils file's)
//     DONNEES/PERSONNES/PERSONNE[@PERSONNE_ID] → GuardianRecord (required)
//       NOM_DE_FAMILLE, PRENOM, TEL_PORTABLE, MEL
//     DONNEES/RESPONSABLES/RESPONSABLE_ELEVE  → LinkRecord (required), all kept
//       ELEVE_ID, PERSONNE_ID, RESP_LEGAL, NIVEAU_RESPONSABILITE (absent or
//       empty: 0), CODE_PARENTE
// The containers are required because an export without them would read as
// "no pupils" / "no links", which the planner would turn into closures and
// unlinks.
//
// Encodings: the XML declaration is obeyed (SIECLE writes ISO-8859-15; libxml2
// converts through iconv); no declaration means UTF-8. A UTF-8 byte order mark
// wins over the declaration: a file starting with EF BB BF is read as UTF-8
// even when it declares ISO-8859-15 (a re-saved export: the editor re-encoded
// the bytes and added the mark but kept the old first line); if its bytes are
// not UTF-8 the file is refused at the first bad line. libxml2 alone would
// obey the declaration and turn "é" into "Ã©".
//
// Security: options XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_BIG_LINES
// only (no NOENT, DTDLOAD, DTDATTR, HUGE); an external DTD is never loaded;
// any entity declaration (<!ENTITY …>, e.g. SYSTEM "file:///etc/passwd") or
// non-predefined entity reference refuses the file at its line, before
// anything is expanded. SIECLE exports have no DTD.
//
// Errors (the first one met; the pupils file is read first):
//   NotFound        "PATH: cannot open (reason)"
//   InvalidArgument "PATH:LINE: what (what to do)" for: malformed XML (libxml2's
//     line and message), a truncated or empty file, an unsupported encoding
//     ("unsupported encoding \"KLINGON\" in the XML declaration …"), bytes not
//     in the file's encoding, entities, a wrong root element ("root element is
//     BEE_RESPONSABLES, expected BEE_ELEVES (were --eleves and --responsables
//     swapped?)"), a required element missing, an ELEVE/PERSONNE without its
//     id, a duplicate ELEVE_ID or PERSONNE_ID, a DATE_NAISS or DATE_SORTIE
//     that is not a real DD/MM/YYYY date (line of that element), a
//     STRUCTURES_ELEVE or RESPONSABLE_ELEVE naming an ELEVE_ID or PERSONNE_ID
//     absent from the files, a non-numeric RESP_LEGAL or NIVEAU_RESPONSABILITE,
//     the two files' UAJ differing.
// Messages name files, lines, elements and ids (ELEVE_ID, PERSONNE_ID, UAJ),
// never a name, a date or a contact read from a record (libxml2's own
// message, quoted for malformed XML, is cut to its first line: element
// names, no bytes of the file).
//
// Cost: linear in the files' size (ids indexed in hash maps); one document in
// memory at a time.
// Thread-safety: reentrant. libxml2's error handlers are replaced for the
// duration of a parse, per thread (libxml2 is built with thread support), and
// restored: concurrent calls on different threads are fine; a caller's own
// libxml2 handlers on the calling thread are silent meanwhile.
#pragma once

#include <string>

#include "events/status.h"
#include "ops/import/records.h"

namespace ledger::import {

// Reads the pair. ExportSet::system is kSiecle; pupils_file / guardians_file
// are the paths as given.
Result<ExportSet> ParseSiecle(const std::string& eleves_path, const std::string& responsables_path);

}  // namespace ledger::import
