#include "ops/import/csv/annuaire.h"

#include <map>
#include <set>

#include "events/identifiers.h"
#include "ops/import/csv/text.h"

namespace ledger::import {

namespace {

constexpr std::string_view kUai = "Identifiant_de_l_etablissement";
constexpr std::string_view kName = "Nom_etablissement";
constexpr std::string_view kType = "Type_etablissement";
constexpr std::string_view kDepartment = "Code_departement";
constexpr std::string_view kAcademy = "Libelle_academie";
constexpr std::string_view kPupils = "Nombre_d_eleves";

Level LevelOfType(std::string_view type) {
  const std::string folded = FoldToAsciiLower(type);
  if (folded == "ecole") return Level::kEcole;
  if (folded == "college") return Level::kCollege;
  if (folded == "lycee") return Level::kLycee;
  return Level::kOther;
}

// A count of at most 9 digits, else 0 (empty, "NC", "1 200"…).
int PupilsOf(std::string_view text) {
  if (text.empty() || text.size() > 9) return 0;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string Where(const std::string& file, int line) {
  return file + ":" + std::to_string(line) + ": ";
}

}  // namespace

Result<std::vector<Establishment>> ParseAnnuaire(const std::string& path) {
  LEDGER_ASSIGN_OR_RETURN(CsvTable table, ReadCsvFile(path, "UTF-8"));
  size_t col[5];
  const std::string_view required[5] = {kUai, kName, kType, kDepartment, kAcademy};
  for (size_t k = 0; k < 5; ++k) {
    std::optional<size_t> c = FindColumn(table.header, required[k]);
    if (!c)
      return InvalidArgument(Where(path, table.header_line) + "no column " +
                             std::string(required[k]) + " (is this the annuaire de l'éducation?)");
    col[k] = *c;
  }
  const std::optional<size_t> pupils_col = FindColumn(table.header, kPupils);

  std::vector<Establishment> list;
  std::set<std::string> seen;
  for (const CsvRow& row : table.rows) {
    const std::string& uai = row.fields[col[0]];
    if (Status s = ValidateUai(uai); !s.ok())
      return InvalidArgument(Where(path, row.line) + s.message());
    Establishment e;
    e.uai = Uai(uai);
    e.department = std::string(DepartmentOfUai(e.uai));
    const std::string& dept = row.fields[col[3]];
    if (dept != e.department)
      return InvalidArgument(Where(path, row.line) + "Code_departement " + dept +
                             " disagrees with UAI " + uai + " (department " + e.department + ")");
    if (!seen.insert(uai).second) continue;  // another site of a multi-line establishment
    e.name = row.fields[col[1]];
    e.type = row.fields[col[2]];
    e.level = LevelOfType(e.type);
    e.academy = FoldToAsciiLower(row.fields[col[4]]);
    if (pupils_col) e.pupils = PupilsOf(row.fields[*pupils_col]);
    list.push_back(std::move(e));
  }
  return list;
}

std::vector<Establishment> MergeDirectory(std::vector<Establishment> existing,
                                          const std::vector<Establishment>& incoming) {
  std::map<std::string, Establishment> by_uai;
  for (Establishment& e : existing) by_uai[e.uai.str()] = std::move(e);
  for (const Establishment& e : incoming) by_uai[e.uai.str()] = e;
  std::vector<Establishment> merged;
  merged.reserve(by_uai.size());
  for (auto& [uai, e] : by_uai) merged.push_back(std::move(e));
  return merged;
}

}  // namespace ledger::import
