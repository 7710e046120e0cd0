// BEE_ELEVES: PARAMETRES/UAJ, DONNEES/ELEVES/ELEVE and DONNEES/STRUCTURES
// (siecle.h states the layout).
#include <string>

#include "ops/import/siecle/bee_readers.h"

namespace ledger::import::siecle_internal {
namespace {

// Sets set->uai and set->uai_line.
Status ReadUaj(const XmlDocument& doc, ExportSet* set) {
  LEDGER_ASSIGN_OR_RETURN(const xmlNode* parametres,
                          Require(doc, doc.root(), "PARAMETRES", "PARAMETRES"));
  LEDGER_ASSIGN_OR_RETURN(const xmlNode* uaj, Require(doc, parametres, "UAJ", "PARAMETRES/UAJ"));
  std::string uai = Text(uaj);
  if (uai.empty()) {
    return doc.ErrorAt(uaj,
                       "PARAMETRES/UAJ is empty (the establishment's UAI: export the file "
                       "again from SIECLE)");
  }
  set->uai = std::move(uai);
  set->uai_line = Line(uaj);
  return OkStatus();
}

Status ReadEleve(const XmlDocument& doc, const xmlNode* eleve, ExportSet* set, PupilIndex* index) {
  PupilRecord p;
  LEDGER_ASSIGN_OR_RETURN(p.source_id, RegisterId(doc, eleve, "ELEVE", "ELEVE_ID", set->pupils, index));
  p.line = Line(eleve);
  const std::string who = "ELEVE_ID " + p.source_id;
  p.ine = ChildText(eleve, "ID_NATIONAL");
  p.last_name = ChildText(eleve, "NOM_DE_FAMILLE");
  p.first_name = ChildText(eleve, "PRENOM");
  LEDGER_ASSIGN_OR_RETURN(p.birth_date, ReadDate(doc, eleve, "DATE_NAISS", who));
  LEDGER_ASSIGN_OR_RETURN(p.left_on, ReadDate(doc, eleve, "DATE_SORTIE", who));
  p.email = ChildText(eleve, "MEL");
  p.mobile = ChildText(eleve, "TEL_PORTABLE");
  set->pupils.push_back(std::move(p));
  return OkStatus();
}

// A pupil's class is the CODE_STRUCTURE of its first structure of type D
// (division); groups (G) and other types are ignored.
Status ReadStructuresEleve(const XmlDocument& doc, const xmlNode* structures,
                           const PupilIndex& index, ExportSet* set) {
  const std::string id = Attribute(structures, "ELEVE_ID");
  if (id.empty()) {
    return doc.ErrorAt(structures,
                       "STRUCTURES_ELEVE without ELEVE_ID attribute (export the "
                       "file again from SIECLE)");
  }
  auto it = index.find(id);
  if (it == index.end()) {
    return doc.ErrorAt(structures, "STRUCTURES_ELEVE names ELEVE_ID " + id +
                                       ", absent from DONNEES/ELEVES (export the file again "
                                       "from SIECLE)");
  }
  PupilRecord& pupil = set->pupils[it->second];
  return ForEachChild(structures, "STRUCTURE", [&](const xmlNode* s) {
    if (pupil.class_name.empty() && ChildText(s, "TYPE_STRUCTURE") == "D") {
      pupil.class_name = ChildText(s, "CODE_STRUCTURE");
    }
    return OkStatus();
  });
}

}  // namespace

Status ReadBeeEleves(const XmlDocument& doc, ExportSet* set, PupilIndex* index) {
  LEDGER_RETURN_IF_ERROR(CheckRoot(doc, "BEE_ELEVES", "BEE_RESPONSABLES"));
  LEDGER_RETURN_IF_ERROR(ReadUaj(doc, set));
  LEDGER_ASSIGN_OR_RETURN(const xmlNode* donnees, Require(doc, doc.root(), "DONNEES", "DONNEES"));
  LEDGER_ASSIGN_OR_RETURN(const xmlNode* eleves, Require(doc, donnees, "ELEVES", "DONNEES/ELEVES"));
  LEDGER_RETURN_IF_ERROR(ForEachChild(
      eleves, "ELEVE", [&](const xmlNode* eleve) { return ReadEleve(doc, eleve, set, index); }));
  // No STRUCTURES (early in the year): no classes.
  return ForEachChild(Child(donnees, "STRUCTURES"), "STRUCTURES_ELEVE",
                      [&](const xmlNode* s) { return ReadStructuresEleve(doc, s, *index, set); });
}

}  // namespace ledger::import::siecle_internal
