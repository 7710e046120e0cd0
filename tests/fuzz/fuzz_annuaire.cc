// ParseAnnuaire (ops/import/csv/annuaire.h): the ministry's establishment
// directory CSV (UTF-8), written under /dev/shm for the reader; the bytes
// also go through the CSV layer's checks (fuzz_csv.h).
// Checks on the reader: never throws; a refusal is InvalidArgument; an
// accepted directory has valid, distinct UAIs whose department is their first
// three digits, a pupil count ≥ 0; saved as DATA/establishments.tsv
// (SaveDirectory) it loads back (LoadDirectory) as the same establishments,
// sorted by UAI, with tabs and line ends in text fields turned to spaces.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "events/identifiers.h"
#include "ops/import/csv/annuaire.h"
#include "tests/fuzz/fuzz_csv.h"

namespace {

std::string Spaced(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ledger::fuzz::CheckCsvText(input, "UTF-8");
  const std::string path = ledger::fuzz::WriteScratch("annuaire.csv", input);
  ledger::Result<std::vector<ledger::import::Establishment>> list = ledger::import::ParseAnnuaire(path);
  if (!list.ok()) {
    FUZZ_CHECK(list.status().code() == ledger::StatusCode::kInvalidArgument, "a refusal is InvalidArgument");
    return 0;
  }
  std::set<std::string> uais;
  for (const auto& e : *list) {
    FUZZ_CHECK(ledger::ValidateUai(e.uai.str()).ok(), "an invalid UAI accepted");
    FUZZ_CHECK(uais.insert(e.uai.str()).second, "a UAI listed twice");
    FUZZ_CHECK(e.department == ledger::DepartmentOfUai(e.uai), "a department that is not the UAI's");
    FUZZ_CHECK(e.pupils >= 0, "a negative pupil count");
  }
  std::vector<ledger::import::Establishment> expected = ledger::import::MergeDirectory({}, *list);
  for (auto& e : expected) {
    e.name = Spaced(e.name);
    e.type = Spaced(e.type);
    e.academy = Spaced(e.academy);
  }
  const std::string store = (ledger::fuzz::ScratchDir() / "establishments.tsv").string();
  FUZZ_CHECK(ledger::import::SaveDirectory(store, expected).ok(), "SaveDirectory failed");
  ledger::Result<std::vector<ledger::import::Establishment>> loaded = ledger::import::LoadDirectory(store);
  FUZZ_CHECK(loaded.ok(), "the saved directory does not load");
  FUZZ_CHECK(*loaded == expected, "the saved directory loads as other establishments");
  return 0;
}
