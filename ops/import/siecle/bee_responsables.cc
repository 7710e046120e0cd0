// BEE_RESPONSABLES: DONNEES/PERSONNES/PERSONNE and DONNEES/RESPONSABLES/
// RESPONSABLE_ELEVE (siecle.h states the layout).
#include <string>
#include <unordered_map>

#include "ops/import/siecle/bee_readers.h"

namespace ledger::import::siecle_internal {
namespace {

// PERSONNE_ID → index in ExportSet::guardians.
using GuardianIndex = IdIndex;

// The optional PARAMETRES/UAJ of this file must be the pupils file's.
Status CheckUaj(const XmlDocument& doc, const std::string& uai) {
  const xmlNode* uaj = Child(Child(doc.root(), "PARAMETRES"), "UAJ");
  const std::string here = Text(uaj);
  if (here.empty() || here == uai) return OkStatus();
  return doc.ErrorAt(uaj, "PARAMETRES/UAJ is " + here + " but the pupils file's is " + uai +
                              " (give two exports of the same establishment)");
}

Status ReadPersonne(const XmlDocument& doc, const xmlNode* personne, ExportSet* set,
                    GuardianIndex* index) {
  GuardianRecord g;
  LEDGER_ASSIGN_OR_RETURN(g.source_id,
                          RegisterId(doc, personne, "PERSONNE", "PERSONNE_ID", set->guardians, index));
  g.line = Line(personne);
  g.last_name = ChildText(personne, "NOM_DE_FAMILLE");
  g.first_name = ChildText(personne, "PRENOM");
  g.mobile = ChildText(personne, "TEL_PORTABLE");
  g.email = ChildText(personne, "MEL");
  set->guardians.push_back(std::move(g));
  return OkStatus();
}

// The child `name` as a small non-negative number; 0 when absent or empty.
Result<int> ReadNumber(const XmlDocument& doc, const xmlNode* record, std::string_view name,
                       std::string_view expected) {
  const xmlNode* element = Child(record, name);
  const std::string text = Text(element);
  if (text.size() > 3 || text.find_first_not_of("0123456789") != std::string::npos) {
    return doc.ErrorAt(element, std::string(name) + " is not a number (" + std::string(expected) +
                                    " expected; export the file again from SIECLE)");
  }
  return text.empty() ? 0 : std::stoi(text);
}

// A child naming an id of the files: required, and known to `index`.
template <typename Index>
Result<std::string> ReadReference(const XmlDocument& doc, const xmlNode* record,
                                  std::string_view name, const Index& index,
                                  std::string_view where) {
  const xmlNode* element = Child(record, name);
  std::string id = Text(element);
  if (id.empty()) {
    return doc.ErrorAt(record, "RESPONSABLE_ELEVE without " + std::string(name) +
                                   " (export the file again from SIECLE)");
  }
  if (!index.contains(id)) {
    return doc.ErrorAt(element, "RESPONSABLE_ELEVE names " + std::string(name) + " " + id +
                                    ", absent from " + std::string(where) +
                                    " (export both files again, at the same time, from SIECLE)");
  }
  return id;
}

Status ReadResponsableEleve(const XmlDocument& doc, const xmlNode* r, const PupilIndex& pupils,
                            const GuardianIndex& guardians, ExportSet* set) {
  LinkRecord link;
  link.line = Line(r);
  LEDGER_ASSIGN_OR_RETURN(link.pupil_source_id,
                          ReadReference(doc, r, "ELEVE_ID", pupils, "the pupils file"));
  LEDGER_ASSIGN_OR_RETURN(link.guardian_source_id,
                          ReadReference(doc, r, "PERSONNE_ID", guardians, "DONNEES/PERSONNES"));
  LEDGER_ASSIGN_OR_RETURN(link.resp_legal, ReadNumber(doc, r, "RESP_LEGAL", "0, 1 or 2"));
  LEDGER_ASSIGN_OR_RETURN(link.responsibility,
                          ReadNumber(doc, r, "NIVEAU_RESPONSABILITE", "1, 2 or 3"));
  link.relationship = ChildText(r, "CODE_PARENTE");
  set->links.push_back(std::move(link));
  return OkStatus();
}

}  // namespace

Status ReadBeeResponsables(const XmlDocument& doc, const PupilIndex& pupils, ExportSet* set) {
  LEDGER_RETURN_IF_ERROR(CheckRoot(doc, "BEE_RESPONSABLES", "BEE_ELEVES"));
  LEDGER_RETURN_IF_ERROR(CheckUaj(doc, set->uai));
  LEDGER_ASSIGN_OR_RETURN(const xmlNode* donnees, Require(doc, doc.root(), "DONNEES", "DONNEES"));
  LEDGER_ASSIGN_OR_RETURN(const xmlNode* personnes,
                          Require(doc, donnees, "PERSONNES", "DONNEES/PERSONNES"));
  LEDGER_ASSIGN_OR_RETURN(const xmlNode* responsables,
                          Require(doc, donnees, "RESPONSABLES", "DONNEES/RESPONSABLES"));
  GuardianIndex guardians;
  LEDGER_RETURN_IF_ERROR(ForEachChild(personnes, "PERSONNE", [&](const xmlNode* p) {
    return ReadPersonne(doc, p, set, &guardians);
  }));
  return ForEachChild(responsables, "RESPONSABLE_ELEVE", [&](const xmlNode* r) {
    return ReadResponsableEleve(doc, r, pupils, guardians, set);
  });
}

}  // namespace ledger::import::siecle_internal
