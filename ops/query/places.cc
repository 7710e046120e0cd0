#include "ops/query/places.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "ops/import/csv/annuaire.h"

namespace ledger::query {
namespace {

// France's departments (INSEE codes, with the ledger's three characters).
constexpr std::pair<std::string_view, std::string_view> kDepartments[] = {
    {"001", "Ain"}, {"002", "Aisne"}, {"003", "Allier"}, {"004", "Alpes-de-Haute-Provence"},
    {"005", "Hautes-Alpes"}, {"006", "Alpes-Maritimes"}, {"007", "Ardèche"}, {"008", "Ardennes"},
    {"009", "Ariège"}, {"010", "Aube"}, {"011", "Aude"}, {"012", "Aveyron"},
    {"013", "Bouches-du-Rhône"}, {"014", "Calvados"}, {"015", "Cantal"}, {"016", "Charente"},
    {"017", "Charente-Maritime"}, {"018", "Cher"}, {"019", "Corrèze"}, {"02A", "Corse-du-Sud"},
    {"02B", "Haute-Corse"}, {"620", "Corse-du-Sud"}, {"720", "Haute-Corse"},
    {"021", "Côte-d'Or"}, {"022", "Côtes-d'Armor"}, {"023", "Creuse"}, {"024", "Dordogne"},
    {"025", "Doubs"}, {"026", "Drôme"}, {"027", "Eure"}, {"028", "Eure-et-Loir"},
    {"029", "Finistère"}, {"030", "Gard"}, {"031", "Haute-Garonne"}, {"032", "Gers"},
    {"033", "Gironde"}, {"034", "Hérault"}, {"035", "Ille-et-Vilaine"}, {"036", "Indre"},
    {"037", "Indre-et-Loire"}, {"038", "Isère"}, {"039", "Jura"}, {"040", "Landes"},
    {"041", "Loir-et-Cher"}, {"042", "Loire"}, {"043", "Haute-Loire"}, {"044", "Loire-Atlantique"},
    {"045", "Loiret"}, {"046", "Lot"}, {"047", "Lot-et-Garonne"}, {"048", "Lozère"},
    {"049", "Maine-et-Loire"}, {"050", "Manche"}, {"051", "Marne"}, {"052", "Haute-Marne"},
    {"053", "Mayenne"}, {"054", "Meurthe-et-Moselle"}, {"055", "Meuse"}, {"056", "Morbihan"},
    {"057", "Moselle"}, {"058", "Nièvre"}, {"059", "Nord"}, {"060", "Oise"},
    {"061", "Orne"}, {"062", "Pas-de-Calais"}, {"063", "Puy-de-Dôme"}, {"064", "Pyrénées-Atlantiques"},
    {"065", "Hautes-Pyrénées"}, {"066", "Pyrénées-Orientales"}, {"067", "Bas-Rhin"}, {"068", "Haut-Rhin"},
    {"069", "Rhône"}, {"070", "Haute-Saône"}, {"071", "Saône-et-Loire"}, {"072", "Sarthe"},
    {"073", "Savoie"}, {"074", "Haute-Savoie"}, {"075", "Paris"}, {"076", "Seine-Maritime"},
    {"077", "Seine-et-Marne"}, {"078", "Yvelines"}, {"079", "Deux-Sèvres"}, {"080", "Somme"},
    {"081", "Tarn"}, {"082", "Tarn-et-Garonne"}, {"083", "Var"}, {"084", "Vaucluse"},
    {"085", "Vendée"}, {"086", "Vienne"}, {"087", "Haute-Vienne"}, {"088", "Vosges"},
    {"089", "Yonne"}, {"090", "Territoire de Belfort"}, {"091", "Essonne"}, {"092", "Hauts-de-Seine"},
    {"093", "Seine-Saint-Denis"}, {"094", "Val-de-Marne"}, {"095", "Val-d'Oise"},
    {"971", "Guadeloupe"}, {"972", "Martinique"}, {"973", "Guyane"}, {"974", "La Réunion"},
    {"976", "Mayotte"},
};

// The académies, by the ids the directory gives them (lower case, no accents).
constexpr std::pair<std::string_view, std::string_view> kAcademies[] = {
    {"aix-marseille", "Aix-Marseille"}, {"amiens", "Amiens"}, {"besancon", "Besançon"},
    {"bordeaux", "Bordeaux"}, {"clermont-ferrand", "Clermont-Ferrand"}, {"corse", "Corse"},
    {"creteil", "Créteil"}, {"dijon", "Dijon"}, {"grenoble", "Grenoble"}, {"guadeloupe", "Guadeloupe"},
    {"guyane", "Guyane"}, {"la reunion", "La Réunion"}, {"lille", "Lille"}, {"limoges", "Limoges"},
    {"lyon", "Lyon"}, {"martinique", "Martinique"}, {"mayotte", "Mayotte"}, {"montpellier", "Montpellier"},
    {"nancy-metz", "Nancy-Metz"}, {"nantes", "Nantes"}, {"nice", "Nice"}, {"normandie", "Normandie"},
    {"orleans-tours", "Orléans-Tours"}, {"paris", "Paris"}, {"poitiers", "Poitiers"},
    {"reims", "Reims"}, {"rennes", "Rennes"}, {"strasbourg", "Strasbourg"}, {"toulouse", "Toulouse"},
    {"versailles", "Versailles"},
};

template <size_t N>
std::optional<std::string_view> Lookup(const std::pair<std::string_view, std::string_view> (&table)[N],
                                       std::string_view key) {
  for (const auto& [k, v] : table)
    if (k == key) return v;
  return std::nullopt;
}

Result<Json> LoadProfileFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound(path + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  Json j = Json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || (j.contains("rows") && !j["rows"].is_array()))
    return InvalidArgument(path + ": not the JSON object of profile.json (ops/query/places.h)");
  return j;
}

// The directory as {"UAI": {"name","type","level","department","academy"}}.
Result<Json> LoadDirectoryFile(const std::string& path) {
  LEDGER_ASSIGN_OR_RETURN(std::vector<import::Establishment> list, import::LoadDirectory(path));
  Json out = Json::object();
  for (const import::Establishment& e : list)
    out[e.uai.str()] = Json{{"name", e.name}, {"type", e.type}, {"level", Name(e.level)},
                            {"department", e.department}, {"academy", e.academy}};
  return out;
}

// A string field of a profile.json object; empty when absent or not a string.
std::string Text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<std::string_view> DepartmentName(std::string_view code) { return Lookup(kDepartments, code); }
std::optional<std::string_view> AcademyName(std::string_view id) { return Lookup(kAcademies, id); }

void PlaceDirectory::Refresh(const std::filesystem::path& file, Cached& c,
                             Result<Json> (*load)(const std::string&)) {
  struct stat st {};
  const bool present = ::stat(file.c_str(), &st) == 0;
  const int64_t mtime = present ? static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec : -2;
  const int64_t size = present ? static_cast<int64_t>(st.st_size) : -2;
  if (mtime == c.mtime_ns && size == c.size) return;
  c.mtime_ns = mtime;
  c.size = size;
  c.value = Json();
  c.problem.clear();
  if (!present) return;
  Result<Json> v = load(file.string());
  if (v.ok()) {
    c.value = std::move(*v);
  } else {
    c.problem = v.status().message();  // named DATA/…: the server's own paths stay out of answers
    const std::string prefix = dir_.string() + "/";
    for (size_t at; (at = c.problem.find(prefix)) != std::string::npos;) c.problem.replace(at, prefix.size(), "DATA/");
  }
}

Result<Json> PlaceDirectory::Describe(const Query& q, const std::vector<std::string>& department_ids,
                                      const std::vector<std::string>& academy_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  Refresh(dir_ / "profile.json", profile_, LoadProfileFile);
  Refresh(dir_ / "establishments.tsv", directory_, LoadDirectoryFile);
  static const Json kNone = Json::object();
  const Json& profile = profile_.value.is_object() ? profile_.value : kNone;
  auto object = [&](const char* key) { return profile.contains(key) && profile[key].is_object() ? profile[key] : Json(); };
  Json out{{"school_year", object("school_year")},
           {"published_dates", object("published_dates")},
           {"published_source", Text(profile, "published_source")},
           {"academies", Json::array()},
           {"departments", Json::array()}};
  std::string problems;
  for (const Cached* c : {&profile_, &directory_})
    if (!c->problem.empty()) problems += (problems.empty() ? "" : "; ") + c->problem;
  if (!problems.empty()) out["problem"] = problems;
  std::set<std::string> seen;
  auto add = [&](const std::string& scope, const std::string& id, Json row) {
    if (!seen.insert(scope + "|" + id).second) return;
    out[scope == "academy" ? "academies" : "departments"].push_back(std::move(row));
  };
  if (profile.contains("rows"))
    for (const Json& r : profile["rows"]) {
      if (!r.is_object()) continue;
      const std::string scope = Text(r, "scope"), id = Text(r, "id"), name = Text(r, "name");
      if ((scope != "academy" && scope != "department") || id.empty()) continue;
      const std::optional<std::string_view> known = scope == "academy" ? AcademyName(id) : DepartmentName(id);
      Json row{{"id", id}, {"name", name.empty() ? std::string(known.value_or(id)) : name}};
      if (scope == "department") row["academy"] = Text(r, "academy");
      if (r.contains("published") && r["published"].is_object()) row["published"] = r["published"];
      add(scope, id, std::move(row));
    }
  for (const std::string& id : academy_ids)
    add("academy", id, Json{{"id", id}, {"name", std::string(AcademyName(id).value_or(id))}});
  for (const std::string& id : department_ids)
    add("department", id, Json{{"id", id}, {"name", std::string(DepartmentName(id).value_or(id))}, {"academy", ""}});
  if (!q.department.empty() || !q.uai.empty()) {
    Json list = Json::array();
    if (directory_.value.is_object())
      for (const auto& [uai, e] : directory_.value.items()) {
        if (!q.uai.empty() ? uai != q.uai : Text(e, "department") != q.department) continue;
        Json row = e;
        row["uai"] = uai;
        list.push_back(std::move(row));
      }
    out["establishments"] = std::move(list);
  }
  return out;
}

}  // namespace ledger::query
