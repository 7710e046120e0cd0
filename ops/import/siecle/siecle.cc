#include "ops/import/siecle/siecle.h"

#include "ops/import/siecle/bee_readers.h"
#include "ops/import/siecle/xml_document.h"

namespace ledger::import {

using siecle_internal::PupilIndex;
using siecle_internal::XmlDocument;

Result<ExportSet> ParseSiecle(const std::string& eleves_path,
                              const std::string& responsables_path) {
  ExportSet set;
  set.system = SourceSystem::kSiecle;
  set.pupils_file = eleves_path;
  set.guardians_file = responsables_path;
  PupilIndex pupils;
  {
    LEDGER_ASSIGN_OR_RETURN(const XmlDocument eleves, XmlDocument::Read(eleves_path));
    LEDGER_RETURN_IF_ERROR(siecle_internal::ReadBeeEleves(eleves, &set, &pupils));
  }
  LEDGER_ASSIGN_OR_RETURN(const XmlDocument responsables, XmlDocument::Read(responsables_path));
  LEDGER_RETURN_IF_ERROR(siecle_internal::ReadBeeResponsables(responsables, pupils, &set));
  return set;
}

}  // namespace ledger::import
