#include "ops/simulate/profile.h"

#include <algorithm>

#include "ops/import/csv/annuaire.h"

namespace ledger::sim {
namespace {

// Pupil counts: the académie's secondary schools, rounded (≈ 250,000 pupils);
// the collège/lycée split is the one the published rates imply.
Department Dept(const char* code, const char* name, int pupils, double college_share, double c,
                double l, double g, double first, Published pub) {
  Department d;
  d.code = code;
  d.name = name;
  d.college_pupils = static_cast<int>(pupils * college_share + 0.5);
  d.lycee_pupils = pupils - d.college_pupils;
  d.college_rate = c;
  d.lycee_rate = l;
  d.guardian_rate = g;
  d.first_date_rate = first;
  d.published = pub;
  return d;
}

// School year 2022-23: the rentrée import on 29 August, the académie's two measures
// (5 September 2022, 20 June 2023), simulated until 7 July 2023.
Profile Year2022(const char* name, const char* academy, const char* id_prefix) {
  Profile p;
  p.name = name;
  p.academy = academy;
  p.id_prefix = id_prefix;
  p.rentree = Date{2022, 8, 29};
  p.first_date = Date{2022, 9, 5};
  p.second_date = Date{2023, 6, 20};
  p.year_end = Date{2023, 7, 7};
  return p;
}

Profile Toulouse2022() {
  Profile p = Year2022("toulouse-2022", "toulouse", "tls");
  // code, name, pupils, collège share, targets (collège, lycée, guardians, 5 Sept),
  // published {pupils, collèges, lycées, guardians, 5 Sept}.
  p.departments = {
      Dept("009", "Ariège", 11000, 0.67, 52.2, 57.7, 56, 22, {54, 52.2, 57.7, 56, 22}),
      Dept("012", "Aveyron", 21000, 0.90, 50.4, 52.4, 41, 19, {50, 50.9, 52.9, 41, 19}),
      Dept("031", "Haute-Garonne", 125000, 0.55, 46.5, 63.3, 58, 24, {54, 46.5, 63.3, 58, 24}),
      Dept("032", "Gers", 13500, 0.71, 76.3, 61.5, 56, 21, {72, 76.3, 61.5, 56, 21}),
      Dept("046", "Lot", 12000, 0.40, 60.0, 66.7, 56, 32, {64, 60, 66.7, 56, 32}),
      Dept("065", "Hautes-Pyrénées", 17500, 0.45, 50.1, 59.0, 52, 24, {55, 50.1, 59, 52, 24}),
      Dept("081", "Tarn", 28000, 0.90, 61.4, 62.2, 54, 23, {61, 61.8, 62.6, 54, 23}),
      Dept("082", "Tarn-et-Garonne", 21500, 0.64, 74.8, 53.2, 49, 24, {67, 74.8, 53.2, 49, 24}),
  };
  p.academy_published = {57, 54.3, 61.2, 55, 24};
  return p;
}

Result<Profile> Rennes35(const std::string& directory) {
  Profile p = Year2022("rennes-35", "rennes", "ren");
  Department d;
  d.code = "035";
  d.name = "Ille-et-Vilaine";
  d.college_rate = 54.3;
  d.lycee_rate = 61.2;
  d.guardian_rate = 55;
  d.first_date_rate = 24;
  p.departments = {d};
  Result<std::vector<import::Establishment>> all = import::LoadDirectory(directory);
  if (!all.ok()) {
    if (all.status().code() == StatusCode::kNotFound)
      return FailedPrecondition("profile rennes-35 needs the establishment directory: run `ledger "
                                "import annuaire fr-en-annuaire-education-035.csv` first (" +
                                all.status().message() + ")");
    return all.status();
  }
  for (import::Establishment& e : *all)
    if (e.department == "035" && e.level != Level::kOther && e.pupils > 0)
      p.establishments.push_back(std::move(e));
  if (p.establishments.empty())
    return FailedPrecondition(directory + ": no establishment of department 035 with a pupil "
                              "count: run `ledger import annuaire` with the 2023 annuaire of 035 "
                              "(it has Nombre_d_eleves)");
  return p;
}

}  // namespace

std::vector<std::string> ProfileNames() { return {"toulouse-2022", "rennes-35"}; }

Result<Profile> LoadProfile(const std::string& name, const std::string& directory) {
  if (name == "toulouse-2022") return Toulouse2022();
  if (name == "rennes-35") return Rennes35(directory);
  return NotFound("unknown profile '" + name + "': expected toulouse-2022 or rennes-35");
}

Json ProfileJson(const Profile& p) {
  auto published = [](const Published& pub) {
    Json j = Json::object();
    for (auto [key, v] : {std::pair{"pupils", pub.pupils}, {"college", pub.college}, {"lycee", pub.lycee},
                          {"guardians", pub.guardians}, {"pupils_first_date", pub.pupils_first_date}})
      if (v >= 0) j[key] = v;
    return j;
  };
  Json rows = Json::array();
  for (const Department& d : p.departments) {
    Json row{{"scope", "department"}, {"id", d.code}, {"name", d.name}, {"academy", p.academy}};
    if (Json pub = published(d.published); !pub.empty()) row["published"] = pub;
    rows.push_back(std::move(row));
  }
  Json academy{{"scope", "academy"}, {"id", p.academy}};
  if (Json pub = published(p.academy_published); !pub.empty()) academy["published"] = pub;
  rows.push_back(std::move(academy));
  Json j{{"profile", p.name},
         {"school_year", Json{{"from", FormatIsoDate(p.rentree)}, {"to", FormatIsoDate(p.year_end)}}},
         {"rows", rows}};
  const bool any_published = std::any_of(rows.begin(), rows.end(), [](const Json& r) { return r.contains("published"); });
  if (any_published) {
    j["published_dates"] = Json{{"first", FormatIsoDate(p.first_date)}, {"second", FormatIsoDate(p.second_date)}};
    j["published_source"] = "seeds/000_8f794ce1f2bc6b52.txt";
  }
  return j;
}

}  // namespace ledger::sim
