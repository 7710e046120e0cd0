// ParseSiecle (ops/import/siecle/siecle.h): a BEE_ELEVES + BEE_RESPONSABLES
// pair as an académie receives it. The input is the two files separated by
// a "\n=====\n" line (fuzz_support.h), written under /dev/shm for the reader.
// Checks: never throws or crashes (libxml2 included); a refusal is
// InvalidArgument; an accepted pair keeps its promises — values are UTF-8
// and trimmed, ELEVE_ID and PERSONNE_ID unique, every link names a pupil and
// a guardian of the files, lines are 1-based.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "ops/import/siecle/siecle.h"
#include "tests/fuzz/fuzz_csv.h"

namespace {

// xml_document.cc trims spaces, tabs and line ends.
void CheckValue(const std::string& v) { ledger::fuzz::CheckValue(v, " \t\r\n"); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [eleves, responsables] =
      ledger::fuzz::SplitPair(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string eleves_path = ledger::fuzz::WriteScratch("eleves.xml", eleves);
  const std::string responsables_path = ledger::fuzz::WriteScratch("responsables.xml", responsables);
  ledger::Result<ledger::import::ExportSet> set = ledger::import::ParseSiecle(eleves_path, responsables_path);
  if (!set.ok()) {
    FUZZ_CHECK(set.status().code() == ledger::StatusCode::kInvalidArgument, "a refusal is InvalidArgument");
    return 0;
  }
  FUZZ_CHECK(set->system == ledger::SourceSystem::kSiecle, "not marked SIECLE");
  CheckValue(set->uai);
  std::set<std::string> pupils, guardians;
  for (const auto& p : set->pupils) {
    FUZZ_CHECK(pupils.insert(p.source_id).second, "two pupils with one ELEVE_ID");
    FUZZ_CHECK(p.line >= 1, "a pupil without its line");
    for (const std::string* v : {&p.source_id, &p.ine, &p.last_name, &p.first_name, &p.email, &p.mobile, &p.class_name})
      CheckValue(*v);
  }
  for (const auto& g : set->guardians) {
    FUZZ_CHECK(guardians.insert(g.source_id).second, "two guardians with one PERSONNE_ID");
    FUZZ_CHECK(g.line >= 1, "a guardian without its line");
    for (const std::string* v : {&g.source_id, &g.last_name, &g.first_name, &g.mobile, &g.email}) CheckValue(*v);
  }
  for (const auto& l : set->links) {
    FUZZ_CHECK(pupils.count(l.pupil_source_id) == 1, "a link to a pupil not in the files");
    FUZZ_CHECK(guardians.count(l.guardian_source_id) == 1, "a link to a guardian not in the files");
    FUZZ_CHECK(l.line >= 1, "a link without its line");
    CheckValue(l.relationship);
  }
  return 0;
}
