// Places by name: what the dashboard prints beside a row id — the académies,
// departments and establishments, and the figures an académie published —
// the query behind `GET /v1/places`. Place names are public data (the
// ministry's directory), never personal.
//
// Sources, all optional, under --data:
//   establishments.tsv  the establishment directory (`ledger import annuaire`,
//                       or written by `ledger simulate`): UAI, name, type
//   profile.json        written by `ledger simulate`: the school year, the
//                       departments' names and the figures the académie
//                       published (format below); an operator may write one
// and, built in, the names of France's departments and académies.
//
// profile.json:
//   {"profile":"toulouse-2022","school_year":{"from":"2022-08-29","to":"2023-07-07"},
//    "published_dates":{"first":"2022-09-05","second":"2023-06-20"},
//    "published_source":"…",
//    "rows":[{"scope":"department","id":"031","name":"Haute-Garonne","academy":"toulouse",
//             "published":{"pupils":54,"college":46.5,"lycee":63.3,"guardians":58,
//                          "pupils_first_date":24}}, …,
//            {"scope":"academy","id":"toulouse","name":"Toulouse","published":{…}}]}
// percentages as published; a figure not published is left out.
//
// PlaceDirectory re-reads a file when its size or mtime changes. A file that
// does not load (or fields of the wrong type, which are skipped) leaves the
// built-in names in use, and the answer says why under "problem".
// Thread-safety: all methods from any thread.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "events/json.h"
#include "events/status.h"

namespace ledger::query {

// "Haute-Garonne" for "031", "Corse-du-Sud" for "02A"; nullopt when unknown.
std::optional<std::string_view> DepartmentName(std::string_view code);
// "Toulouse" for "toulouse", "Aix-Marseille" for "aix-marseille"; nullopt when unknown.
std::optional<std::string_view> AcademyName(std::string_view id);

class PlaceDirectory {
 public:
  explicit PlaceDirectory(std::filesystem::path data_dir) : dir_(std::move(data_dir)) {}

  struct Query {
    std::string department;  // list its establishments
    std::string uai;         // list this establishment
  };
  // {"school_year":{…}|null,"published_dates":{…}|null,"published_source":…,
  //  "academies":[{"id","name","published"?}],"departments":[{"id","name","academy","published"?}],
  //  "establishments":[{"uai","name","type","level","department","academy"}] (with a query)}
  // Academies and departments: those of profile.json, then those `ids`
  // (rows the tables hold) adds, named from the built-in lists; "problem" when a
  // file did not load.
  Result<Json> Describe(const Query& q, const std::vector<std::string>& department_ids,
                        const std::vector<std::string>& academy_ids);

 private:
  struct Cached {
    int64_t mtime_ns = -1, size = -1;
    Json value;  // profile.json as read; or establishments by UAI
    std::string problem;  // why the file last failed to load
  };
  // Reloads `c` from `file` if it changed; `load` parses it.
  void Refresh(const std::filesystem::path& file, Cached& c, Result<Json> (*load)(const std::string&));

  std::filesystem::path dir_;
  std::mutex mu_;
  Cached profile_, directory_;
};

}  // namespace ledger::query
