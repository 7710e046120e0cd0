// ParseOnde (ops/import/csv/onde.h): an école's pupils + guardians CSV pair
// in Windows-1252. The input is the two files separated by a "\n=====\n"
// line (fuzz_support.h), written under /dev/shm for the reader; each file
// also goes through the CSV layer's checks (fuzz_csv.h).
// Checks on the reader: never throws; a refusal is InvalidArgument; an
// accepted pair is marked ONDE with the uai given, its values are UTF-8 and
// trimmed, guardians are "line:N" with their line, every link names a pupil
// and a guardian read, with resp_legal 0..2 and responsibility 1..2.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "ops/import/csv/onde.h"
#include "tests/fuzz/fuzz_csv.h"

namespace {

// text.h trims spaces and tabs.
void CheckValue(const std::string& v) { ledger::fuzz::CheckValue(v, " \t"); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [pupils_file, guardians_file] =
      ledger::fuzz::SplitPair(std::string_view(reinterpret_cast<const char*>(data), size));
  ledger::fuzz::CheckCsvText(pupils_file, "WINDOWS-1252");
  ledger::fuzz::CheckCsvText(guardians_file, "WINDOWS-1252");
  const std::string pupils_path = ledger::fuzz::WriteScratch("eleves.csv", pupils_file);
  const std::string guardians_path = ledger::fuzz::WriteScratch("responsables.csv", guardians_file);
  ledger::Result<ledger::import::ExportSet> set = ledger::import::ParseOnde(pupils_path, guardians_path, "0310001H");
  if (!set.ok()) {
    FUZZ_CHECK(set.status().code() == ledger::StatusCode::kInvalidArgument, "a refusal is InvalidArgument");
    return 0;
  }
  FUZZ_CHECK(set->system == ledger::SourceSystem::kOnde, "not marked ONDE");
  FUZZ_CHECK(set->uai == "0310001H", "the uai given is not kept");
  FUZZ_CHECK(!set->pupils.empty() && !set->guardians.empty(), "accepted a file without rows");
  std::set<std::string> pupils, guardians;
  for (const auto& p : set->pupils) {
    FUZZ_CHECK(p.line >= 2, "a pupil on the header's line");
    pupils.insert(p.source_id);
    for (const std::string* v : {&p.source_id, &p.ine, &p.last_name, &p.first_name, &p.class_name}) CheckValue(*v);
  }
  for (const auto& g : set->guardians) {
    FUZZ_CHECK(g.source_id == "line:" + std::to_string(g.line), "a guardian's source_id is not line:N");
    guardians.insert(g.source_id);
    for (const std::string* v : {&g.last_name, &g.first_name, &g.mobile, &g.email}) CheckValue(*v);
  }
  for (const auto& l : set->links) {
    FUZZ_CHECK(pupils.count(l.pupil_source_id) == 1, "a link to a pupil not read");
    FUZZ_CHECK(guardians.count(l.guardian_source_id) == 1, "a link to a guardian not read");
    FUZZ_CHECK(l.resp_legal >= 0 && l.resp_legal <= 2, "resp_legal out of 0..2");
    FUZZ_CHECK(l.responsibility == 1 || l.responsibility == 2, "responsibility out of 1..2");
    CheckValue(l.relationship);
  }
  return 0;
}
