// Simulation profiles: who is schooled where, and the activation figures a
// simulated school year must reproduce.
//
//   toulouse-2022  the académie de Toulouse, school year 2022-23: its eight
//                  departments, synthetic collèges and lycées (valid UAIs with
//                  the department's prefix) sized to the académie's order of
//                  magnitude, and the activation rates published by the
//                  académie (seeds/000_8f794ce1f2bc6b52.txt) as of
//                  2023-06-20 and 2022-09-05.
//   rennes-35      Ille-et-Vilaine's real collèges, lycées and écoles with
//                  their pupil counts, read from the establishment directory
//                  that `ledger import annuaire` wrote (DATA/establishments.tsv).
//                  No published figures: the targets are the académie de
//                  Toulouse's averages.
//
// The tuned targets are not the published figures copied: where a published
// overall rate lies outside its collège and lycée rates (Aveyron, Tarn), no
// population can match all three, so the targets sit within a point of each
// (ops/simulate/README.md shows the arithmetic). Pure data; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/json.h"
#include "events/status.h"
#include "events/types.h"
#include "ops/import/records.h"

namespace ledger::sim {

// Percentages as published; a negative value: not published.
struct Published {
  double pupils = -1;             // % pupil accounts activated, as of the second date
  double college = -1;            // … in collèges
  double lycee = -1;              // … in lycées
  double guardians = -1;          // % guardian accounts activated, as of the second date
  double pupils_first_date = -1;  // % pupil accounts activated, as of the first date
};

struct Department {
  std::string code;  // "031"
  std::string name;  // "Haute-Garonne"
  int college_pupils = 0;  // at scale 1.0 (synthetic profiles)
  int lycee_pupils = 0;
  // Targets, in %: pupils activated by the second date per level, guardians
  // activated by the second date, pupils activated by the first date.
  double college_rate = 0, lycee_rate = 0, guardian_rate = 0, first_date_rate = 0;
  Published published;
};

struct Profile {
  std::string name;
  std::string academy;  // "toulouse"
  std::string id_prefix;  // account and command ids start with it: "tls"
  Date rentree;       // the import day
  Date first_date;    // 2022-09-05: the early measure
  Date second_date;   // 2023-06-20: the year's measure
  Date year_end;      // the last day simulated
  std::vector<Department> departments;
  Published academy_published;
  // Real establishments (rennes-35); empty: synthetic ones are made from the
  // departments' pupil counts.
  std::vector<import::Establishment> establishments;
};

// The profile as DATA/profile.json (format: ops/query/places.h): the school
// year, the departments' names and the figures published, for the dashboard.
Json ProfileJson(const Profile& p);

// The names `ledger simulate --profile` accepts.
std::vector<std::string> ProfileNames();

// NotFound for an unknown name (the message lists the known ones). rennes-35
// reads `directory` (DATA/establishments.tsv) and needs department 035 in it:
// FailedPrecondition saying to run `ledger import annuaire` first.
Result<Profile> LoadProfile(const std::string& name, const std::string& directory);

}  // namespace ledger::sim
