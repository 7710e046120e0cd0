// The readers of the two BEE documents and what they share. Internal to
// ops/import/siecle: siecle.h states the layout they read and their errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/status.h"
#include "events/types.h"
#include "ops/import/records.h"
#include "ops/import/siecle/xml_document.h"

namespace ledger::import::siecle_internal {

// A record id (ELEVE_ID, PERSONNE_ID) → index of its record in the ExportSet.
using IdIndex = std::unordered_map<std::string, size_t>;
// ELEVE_ID → index in ExportSet::pupils.
using PupilIndex = IdIndex;

// Fills set->uai and set->pupils (with their classes) from a BEE_ELEVES
// document, and `index`.
Status ReadBeeEleves(const XmlDocument& doc, ExportSet* set, PupilIndex* index);

// Fills set->guardians and set->links from a BEE_RESPONSABLES document; the
// links' ELEVE_IDs are checked against `pupils` (the eleves file's).
Status ReadBeeResponsables(const XmlDocument& doc, const PupilIndex& pupils, ExportSet* set);

// OK when the root element is `expected`; else InvalidArgument at the root,
// suggesting the files were swapped when the root is `other` (the other
// document's root).
Status CheckRoot(const XmlDocument& doc, std::string_view expected, std::string_view other);

// The child element `name` of `parent`: InvalidArgument at `parent` when
// absent. `path` names it in the message ("DONNEES/ELEVES").
Result<const xmlNode*> Require(const XmlDocument& doc, const xmlNode* parent, std::string_view name,
                               std::string_view path);

// The DD/MM/YYYY date in the child `name` of `record`: nullopt when absent or
// empty; InvalidArgument at the child when not a real date in that format.
// `who` names the record in the message ("ELEVE_ID 4012"), never a person.
Result<std::optional<Date>> ReadDate(const XmlDocument& doc, const xmlNode* record,
                                     std::string_view name, std::string_view who);

// The id attribute `attr` of the `element` record `node` (ELEVE / ELEVE_ID,
// PERSONNE / PERSONNE_ID), entered in `index` as the record about to be
// appended to `records`. InvalidArgument at the record when the attribute is
// missing or empty, or when the id is already in `index` (naming the first
// record's line).
template <typename Record>
Result<std::string> RegisterId(const XmlDocument& doc, const xmlNode* node, std::string_view element,
                               std::string_view attr, const std::vector<Record>& records,
                               IdIndex* index) {
  std::string id = Attribute(node, std::string(attr).c_str());
  if (id.empty()) {
    return doc.ErrorAt(node, std::string(element) + " without " + std::string(attr) +
                                 " attribute (export the file again from SIECLE)");
  }
  auto [at, inserted] = index->emplace(id, records.size());
  if (!inserted) {
    return doc.ErrorAt(node, "duplicate " + std::string(attr) + " " + id + " (first at line " +
                                 std::to_string(records[at->second].line) +
                                 "; export the file again from SIECLE)");
  }
  return id;
}

}  // namespace ledger::import::siecle_internal
