#include "ops/import/csv/onde.h"

#include <map>

#include "ops/import/csv/text.h"

namespace ledger::import {

namespace {

constexpr std::string_view kEncoding = "WINDOWS-1252";

// The headers, columns joined by ';'.
constexpr std::string_view kPupilHeader =
    "Nom élève;Prénom élève;Niveau;Cycle;Regroupement;Classe;Date inscription;Nom d'usage;"
    "Deuxième prénom;Troisième prénom;Date naissance;Commune naissance;Dépt naissance;"
    "Pays naissance;Sexe;Adresse;CP;Commune;Pays;Etat";
constexpr size_t kPupilColumns = 20;
enum PupilColumn : size_t { kLast = 0, kFirst = 1, kClass = 5, kEnrolled = 6, kBirth = 10 };
constexpr size_t kIneColumn = kPupilColumns;  // our extension

constexpr std::string_view kGuardianHeader =
    "INE élève;Nom élève;Prénom élève;Date naissance;Rang;Lien;Nom responsable;"
    "Prénom responsable;Téléphone portable;Courriel";
constexpr size_t kGuardianColumns = 10;
enum GuardianColumn : size_t {
  kGIne,
  kGLast,
  kGFirst,
  kGBirth,
  kGRank,
  kGLink,
  kGAdultLast,
  kGAdultFirst,
  kGMobile,
  kGEmail
};

std::string Where(const std::string& file, int line) {
  return file + ":" + std::to_string(line) + ": ";
}

std::string Joined(const std::vector<std::string>& columns) {
  std::string s;
  for (size_t i = 0; i < columns.size(); ++i) s += (i == 0 ? "" : ";") + columns[i];
  return s;
}

// An empty field is no date; anything else must be a real DD/MM/YYYY date.
Result<std::optional<Date>> DateField(const CsvRow& row, size_t col, std::string_view name,
                                      const std::string& file) {
  const std::string& text = row.fields[col];
  if (text.empty()) return std::optional<Date>();
  std::optional<Date> d = ParseFrenchDate(text);
  if (!d)
    return InvalidArgument(Where(file, row.line) + std::string(name) + " \"" + text +
                           "\" is not a date (DD/MM/YYYY)");
  return d;
}

// A pupil's identity as a guardians row without INE gives it.
std::string IdentityKey(std::string_view last, std::string_view first,
                        const std::optional<Date>& birth) {
  return FoldToAsciiLower(last) + '\x1f' + FoldToAsciiLower(first) + '\x1f' +
         (birth ? FormatIsoDate(*birth) : "");
}

struct PupilIndex {
  std::map<std::string, std::string> by_ine;  // INE → source_id
  std::map<std::string, std::vector<const PupilRecord*>> by_identity;
};

Status ReadPupils(const std::string& path, ExportSet& set, PupilIndex& index) {
  LEDGER_ASSIGN_OR_RETURN(CsvTable table, ReadCsvFile(path, kEncoding));
  // Field counts first: a quoted header field holding ';' must not pass for two.
  const std::string header = Joined(table.header);
  const bool standard = table.header.size() == kPupilColumns && header == kPupilHeader;
  const bool with_ine =
      table.header.size() == kPupilColumns + 1 && header == std::string(kPupilHeader) + ";INE";
  if (!standard && !with_ine)
    return InvalidArgument(Where(path, table.header_line) +
                           "not an ONDE pupils extraction (expected header " +
                           std::string(kPupilHeader) + ", optionally followed by ;INE)");
  if (table.rows.empty()) return InvalidArgument(path + ": no rows (truncated extraction?)");
  for (const CsvRow& row : table.rows) {
    PupilRecord p;
    p.line = row.line;
    p.last_name = row.fields[kLast];
    p.first_name = row.fields[kFirst];
    p.class_name = row.fields[kClass];
    LEDGER_RETURN_IF_ERROR(DateField(row, kEnrolled, "Date inscription", path).status());
    LEDGER_ASSIGN_OR_RETURN(p.birth_date, DateField(row, kBirth, "Date naissance", path));
    if (with_ine) p.ine = row.fields[kIneColumn];
    p.source_id = p.ine.empty() ? "line:" + std::to_string(row.line) : p.ine;
    set.pupils.push_back(std::move(p));
  }
  for (const PupilRecord& p : set.pupils) {
    if (!p.ine.empty()) index.by_ine.emplace(p.ine, p.source_id);
    index.by_identity[IdentityKey(p.last_name, p.first_name, p.birth_date)].push_back(&p);
  }
  return OkStatus();
}

// The source_id of the pupil a guardians row names.
Result<std::string> FindPupil(const CsvRow& row, const PupilIndex& index,
                              const std::string& guardians, const std::string& pupils) {
  const std::string& ine = row.fields[kGIne];
  if (!ine.empty()) {
    auto it = index.by_ine.find(ine);
    if (it == index.by_ine.end())
      return InvalidArgument(Where(guardians, row.line) + "pupil INE " + ine + " not in " + pupils);
    return it->second;
  }
  LEDGER_ASSIGN_OR_RETURN(std::optional<Date> birth,
                          DateField(row, kGBirth, "Date naissance", guardians));
  auto it = index.by_identity.find(IdentityKey(row.fields[kGLast], row.fields[kGFirst], birth));
  if (it == index.by_identity.end())
    return InvalidArgument(Where(guardians, row.line) +
                           "the pupil of this row (no INE) is not in " + pupils +
                           " (no row with the same Nom élève, Prénom élève and Date naissance)");
  if (it->second.size() > 1)
    return InvalidArgument(
        Where(guardians, row.line) + "the pupil of this row (no INE) matches lines " +
        std::to_string(it->second[0]->line) + " and " + std::to_string(it->second[1]->line) +
        " of " + pupils + " (give its INE)");
  return it->second[0]->source_id;
}

Status ReadGuardians(const std::string& path, const std::string& pupils_path,
                     const PupilIndex& index, ExportSet& set) {
  LEDGER_ASSIGN_OR_RETURN(CsvTable table, ReadCsvFile(path, kEncoding));
  if (table.header.size() != kGuardianColumns || Joined(table.header) != kGuardianHeader)
    return InvalidArgument(Where(path, table.header_line) +
                           "not an ONDE guardians file (expected header " +
                           std::string(kGuardianHeader) + ")");
  if (table.rows.empty()) return InvalidArgument(path + ": no rows (truncated extraction?)");
  for (const CsvRow& row : table.rows) {
    const std::string& rank = row.fields[kGRank];
    if (rank != "1" && rank != "2" && rank != "C")
      return InvalidArgument(Where(path, row.line) + "Rang \"" + rank + "\" is not 1, 2 or C");
    if (!row.fields[kGIne].empty())  // checked even when the INE finds the pupil
      LEDGER_RETURN_IF_ERROR(DateField(row, kGBirth, "Date naissance", path).status());
    LEDGER_ASSIGN_OR_RETURN(std::string pupil, FindPupil(row, index, path, pupils_path));
    const std::string id = "line:" + std::to_string(row.line);
    GuardianRecord g;
    g.source_id = id;
    g.last_name = row.fields[kGAdultLast];
    g.first_name = row.fields[kGAdultFirst];
    g.mobile = row.fields[kGMobile];
    g.email = row.fields[kGEmail];
    g.line = row.line;
    set.guardians.push_back(std::move(g));
    LinkRecord l;
    l.pupil_source_id = std::move(pupil);
    l.guardian_source_id = id;
    l.resp_legal = rank == "C" ? 0 : rank[0] - '0';
    l.responsibility = rank == "C" ? 2 : 1;
    l.relationship = row.fields[kGLink];
    l.line = row.line;
    set.links.push_back(std::move(l));
  }
  return OkStatus();
}

}  // namespace

Result<ExportSet> ParseOnde(const std::string& pupils_path, const std::string& guardians_path,
                            const std::string& uai) {
  ExportSet set;
  set.system = SourceSystem::kOnde;
  set.uai = uai;
  set.pupils_file = pupils_path;
  set.guardians_file = guardians_path;
  PupilIndex index;
  LEDGER_RETURN_IF_ERROR(ReadPupils(pupils_path, set, index));
  LEDGER_RETURN_IF_ERROR(ReadGuardians(guardians_path, pupils_path, index, set));
  return set;
}

}  // namespace ledger::import
