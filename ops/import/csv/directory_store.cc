// SaveDirectory / LoadDirectory (annuaire.h): the ledger's copy of the
// establishment directory, DATA/establishments.tsv. Format in annuaire.h.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "events/file_replace.h"
#include "events/identifiers.h"
#include "ops/import/csv/annuaire.h"
#include "ops/import/csv/text.h"

namespace ledger::import {

namespace {

constexpr std::string_view kHeader = "uai\tname\ttype\tlevel\tdepartment\tacademy\tpupils";

// Text fields cannot hold the format's separators.
std::string Clean(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return out;
}

std::vector<std::string_view> Split(std::string_view line, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == sep) {
      parts.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::optional<Level> LevelNamed(std::string_view name) {
  for (Level l : {Level::kEcole, Level::kCollege, Level::kLycee, Level::kOther})
    if (Name(l) == name) return l;
  return std::nullopt;
}

// One establishment line; `where` is "PATH:LINE: ".
Result<Establishment> ParseLine(std::string_view line, const std::string& where) {
  const std::vector<std::string_view> f = Split(line, '\t');
  if (f.size() != 7) return DataLoss(where + std::to_string(f.size()) + " fields, expected 7");
  Establishment e;
  if (Status s = ValidateUai(f[0]); !s.ok()) return DataLoss(where + s.message());
  e.uai = Uai(std::string(f[0]));
  e.name = std::string(f[1]);
  e.type = std::string(f[2]);
  const std::optional<Level> level = LevelNamed(f[3]);
  if (!level) return DataLoss(where + "unknown level \"" + std::string(f[3]) + "\"");
  e.level = *level;
  e.department = std::string(f[4]);
  if (e.department != DepartmentOfUai(e.uai))
    return DataLoss(where + "department " + e.department + " is not UAI " + e.uai.str() + "'s");
  e.academy = std::string(f[5]);
  const std::string_view pupils = f[6];
  if (pupils.empty() || pupils.size() > 9 ||
      pupils.find_first_not_of("0123456789") != std::string_view::npos)
    return DataLoss(where + "pupil count \"" + std::string(pupils) + "\" is not a number");
  e.pupils = std::stoi(std::string(pupils));
  return e;
}

}  // namespace

Status SaveDirectory(const std::string& path, const std::vector<Establishment>& list) {
  std::string text(kHeader);
  text += '\n';
  for (const Establishment& e : list) {
    text += Clean(e.uai.str()) + '\t' + Clean(e.name) + '\t' + Clean(e.type) + '\t' +
            std::string(Name(e.level)) + '\t' + Clean(e.department) + '\t' + Clean(e.academy) +
            '\t' + std::to_string(e.pupils) + '\n';
  }
  return ReplaceFile(path, text);
}

Result<std::vector<Establishment>> LoadDirectory(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return NotFound(path +
                    ": no establishment directory (run `ledger import annuaire FILE.csv` first)");
  LEDGER_ASSIGN_OR_RETURN(std::string text, ReadFileBytes(path));
  std::vector<Establishment> list;
  std::set<std::string> seen;
  size_t pos = 0;
  for (int line = 1;; ++line) {
    const std::string where = path + ":" + std::to_string(line) + ": ";
    const size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      if (pos < text.size()) return DataLoss(where + "line without its end (truncated file?)");
      if (line == 1) return DataLoss(where + "empty file (truncated?)");
      break;
    }
    const std::string_view l(text.data() + pos, end - pos);
    pos = end + 1;
    if (line == 1) {
      if (l != kHeader) return DataLoss(where + "not an establishment directory (wrong header)");
      continue;
    }
    LEDGER_ASSIGN_OR_RETURN(Establishment e, ParseLine(l, where));
    if (!seen.insert(e.uai.str()).second)
      return DataLoss(where + "UAI " + e.uai.str() + " listed twice");
    list.push_back(std::move(e));
  }
  return list;
}

Result<std::vector<Establishment>> AddToDirectory(const std::string& path,
                                                  const std::vector<Establishment>& incoming) {
  std::vector<Establishment> existing;
  if (Result<std::vector<Establishment>> loaded = LoadDirectory(path); loaded.ok()) {
    existing = std::move(*loaded);
  } else if (loaded.status().code() != StatusCode::kNotFound) {
    return loaded.status();
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::vector<Establishment> merged = MergeDirectory(std::move(existing), incoming);
  LEDGER_RETURN_IF_ERROR(SaveDirectory(path, merged));
  return merged;
}

}  // namespace ledger::import
