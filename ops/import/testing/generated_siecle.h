// Test-only: generated SIECLE BEE exports (ISO-8859-15, the real layout) of
// a synthetic population: `pupils` pupils in `schools` establishments of two
// departments (collèges in 031, lycées in 032), families of 1–3 children
// sharing their two guardians across establishments; NextYear moves it on a
// school year (10 % transfers, 5 % leavers, 30 % class changes, 5 %
// newcomers). Deterministic: the same arguments give the same bytes. Used by
// benchmarks/import_bench and tests/cli_crash_test.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "events/identifiers.h"
#include "ops/import/csv/annuaire.h"

namespace ledger::import::testing {

// ISO-8859-15 bytes (É = C9, È = C8, Ë = CB, Ç = C7, Œ = BC, é = E9, ë = EB, ç = E7, ï = EF).
inline const std::vector<std::string> kLast1 = {
    "MARTIN", "B\xC9RANGER", "LEF\xC8VRE", "\xBCUVRARD", "FRAN\xC7OIS", "GARNIER", "ROUSSEAU",
    "MOREAU", "GIRARD", "MERCIER", "BOYER", "CHEVALIER", "FAURE", "BLANC", "GU\xC9RIN", "MULLER",
    "HENRY", "ROUSSEL", "NICOLAS", "PERRIN", "MORIN", "MATHIEU", "CLEMENT", "GAUTHIER", "DUMONT",
    "LOPEZ", "FONTAINE", "NO\xCBL", "ROUX", "VINCENT", "ANDR\xC9", "LEGRAND", "BRUN", "DUPUIS",
    "BERTRAND", "ROBIN", "SIMON", "LAURENT", "MICHEL", "GARCIA"};
inline const std::vector<std::string> kLast2 = {
    "", "DE LA TOUR", "LE GALL", "DUVAL", "PETIT", "RENARD", "CARON", "BARBIER", "ARNAUD",
    "MARCHAND", "COLIN", "LEMAIRE", "GILLET", "AUBERT", "PICARD", "BRUNET", "SCHMITT", "MEYER",
    "LECLERC", "HUBERT", "JOLY", "ROY", "NOEL", "LUCAS", "ROCHE", "LAMBERT", "BONNET", "DAVID",
    "BAILLY", "PR\xC9VOST", "CARPENTIER", "RIVI\xC8RE", "LEROY", "FABRE", "BERGER", "MEUNIER",
    "DENIS", "LEMOINE", "FOURNIER", "DUFOUR"};
inline const std::vector<std::string> kFirst = {
    "L\xE9""a", "Chlo\xE9", "No\xE9", "Lucas", "Emma", "Hugo", "Ma\xEBl", "In\xE8s", "Jade",
    "Louis", "Zo\xE9", "Gabriel", "Ana\xEFs", "Rapha\xEBl", "Lina", "Arthur", "Mila", "Jules",
    "Rose", "Adam", "Fran\xE7oise", "Herv\xE9", "Sophie", "Paul", "H\xE9l\xE8ne", "J\xE9r\xF4me",
    "Karim", "Nathalie", "St\xE9phane", "Val\xE9rie", "Olivier", "Sandrine"};

struct Pupil {
  int id = 0;       // global; ELEVE_ID and INE derive from it
  int family = 0;
  int school = 0;   // establishment index; -1: gone
  std::string class_name;
};

struct Population {
  std::vector<std::string> uais;
  std::vector<Pupil> pupils;
  int families = 0;
};

inline std::string FamilyName(int f) {
  std::string n = kLast1[f % kLast1.size()];
  const std::string& b = kLast2[(f / kLast1.size()) % kLast2.size()];
  if (!b.empty()) n += " " + b;
  if (size_t k = f / (kLast1.size() * kLast2.size()); k > 0) n += " " + kLast1[k % kLast1.size()];
  return n;
}
inline std::string IneOf(int id) {
  return fmt::format("{:09d}{}{}", 100000000 + id, char('A' + id % 26), char('A' + (id / 26) % 26));
}
inline std::string ClassOf(int school, int grade, int group) {
  return school % 2 == 0 ? fmt::format("{}{}", 6 - grade, char('A' + group))
                         : fmt::format("{}G{}", grade == 0 ? "2" : grade == 1 ? "1" : "T", group + 1);
}

inline Population Generate(int pupils, int schools) {
  Population pop;
  for (int s = 0; s < schools; ++s)
    pop.uais.push_back(MakeUai((s % 2 == 0 ? 310000 : 320000) + 100 + static_cast<uint32_t>(s)));
  uint32_t rng = 12345;
  auto next = [&rng] { return rng = rng * 1103515245u + 12345u, (rng >> 8) % 1000; };
  for (int i = 0; i < pupils;) {
    const int children = 1 + static_cast<int>(next() % 3);
    for (int c = 0; c < children && i < pupils; ++c, ++i) {
      Pupil p;
      p.id = i;
      p.family = pop.families;
      p.school = static_cast<int>(next() % static_cast<uint32_t>(schools));
      p.class_name = ClassOf(p.school, static_cast<int>(next() % 4), static_cast<int>(next() % 6));
      pop.pupils.push_back(p);
    }
    ++pop.families;
  }
  return pop;
}

// The next year: transfers, leavers, class changes, newcomers.
inline Population NextYear(Population pop) {
  uint32_t rng = 777;
  auto next = [&rng] { return rng = rng * 1103515245u + 12345u, (rng >> 8) % 1000; };
  const int schools = static_cast<int>(pop.uais.size());
  for (Pupil& p : pop.pupils) {
    const uint32_t r = next();
    if (r < 100) {
      p.school = (p.school + 1) % schools;
      p.class_name = ClassOf(p.school, 0, static_cast<int>(next() % 6));
    } else if (r < 150) {
      p.school = -1;
    } else if (r < 450) {
      p.class_name = ClassOf(p.school, 1 + static_cast<int>(next() % 3), static_cast<int>(next() % 6));
    }
  }
  const int newcomers = static_cast<int>(pop.pupils.size()) / 20;
  const int base = static_cast<int>(pop.pupils.size());
  for (int k = 0; k < newcomers; ++k) {
    Pupil p;
    p.id = base + k;
    p.family = pop.families++;
    p.school = k % schools;
    p.class_name = ClassOf(p.school, 0, k % 6);
    pop.pupils.push_back(p);
  }
  return pop;
}

// Writes one establishment's pair; returns {eleves, responsables}.
inline std::pair<std::string, std::string> WriteExport(const Population& pop, int school,
                                                const std::filesystem::path& dir) {
  const std::string uai = pop.uais[school];
  const std::string eleves = (dir / (uai + "_eleves.xml")).string();
  const std::string resp = (dir / (uai + "_responsables.xml")).string();
  std::string e = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_ELEVES VERSION=\"3.5\">\n"
                  "<PARAMETRES><UAJ>" + uai + "</UAJ></PARAMETRES>\n<DONNEES>\n<ELEVES>\n";
  std::string structures = "<STRUCTURES>\n";
  std::map<int, std::vector<int>> families;  // family → its pupils here
  for (const Pupil& p : pop.pupils) {
    if (p.school != school) continue;
    e += fmt::format(
        "<ELEVE ELEVE_ID=\"{}\">\n<ID_NATIONAL>{}</ID_NATIONAL>\n<NOM_DE_FAMILLE>{}</NOM_DE_FAMILLE>\n"
        "<PRENOM>{}</PRENOM>\n<DATE_NAISS>{:02d}/{:02d}/{}</DATE_NAISS>\n</ELEVE>\n",
        p.id, IneOf(p.id), FamilyName(p.family), kFirst[(p.id * 7) % 20], 1 + p.id % 28,
        1 + p.id % 12, 2008 + p.id % 8);
    structures += fmt::format(
        "<STRUCTURES_ELEVE ELEVE_ID=\"{}\"><STRUCTURE><CODE_STRUCTURE>{}</CODE_STRUCTURE>"
        "<TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>\n",
        p.id, p.class_name);
    families[p.family].push_back(p.id);
  }
  e += "</ELEVES>\n" + structures + "</STRUCTURES>\n</DONNEES>\n</BEE_ELEVES>\n";
  std::string r = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_RESPONSABLES VERSION=\"3.5\">\n"
                  "<PARAMETRES><UAJ>" + uai + "</UAJ></PARAMETRES>\n<DONNEES>\n<PERSONNES>\n";
  std::string links = "<RESPONSABLES>\n";
  for (const auto& [family, children] : families) {
    for (int parent = 0; parent < 2; ++parent) {
      const int person = family * 2 + parent;
      const bool mobile = person % 19 != 0;
      r += fmt::format("<PERSONNE PERSONNE_ID=\"{}\">\n<NOM_DE_FAMILLE>{}</NOM_DE_FAMILLE>\n"
                       "<PRENOM>{}</PRENOM>\n{}</PERSONNE>\n",
                       900000 + person, FamilyName(family), kFirst[20 + (person % 12)],
                       mobile ? fmt::format("<TEL_PORTABLE>06 {:02d} {:02d} {:02d} {:02d}</TEL_PORTABLE>\n",
                                            person / 1000000 % 100, person / 10000 % 100,
                                            person / 100 % 100, person % 100)
                              : fmt::format("<MEL>p{}@example.org</MEL>\n", person));
    }
    for (int child : children) {
      for (int parent = 0; parent < 2; ++parent)
        links += fmt::format(
            "<RESPONSABLE_ELEVE><ELEVE_ID>{}</ELEVE_ID><PERSONNE_ID>{}</PERSONNE_ID>"
            "<RESP_LEGAL>{}</RESP_LEGAL><CODE_PARENTE>{}</CODE_PARENTE>"
            "<NIVEAU_RESPONSABILITE>1</NIVEAU_RESPONSABILITE></RESPONSABLE_ELEVE>\n",
            child, 900000 + family * 2 + parent, parent + 1, parent == 0 ? 20 : 10);
    }
  }
  r += "</PERSONNES>\n" + links + "</RESPONSABLES>\n</DONNEES>\n</BEE_RESPONSABLES>\n";
  std::ofstream(eleves, std::ios::binary) << e;
  std::ofstream(resp, std::ios::binary) << r;
  return {eleves, resp};
}

// The directory entries of `pop`'s establishments (academy toulouse).
inline std::vector<Establishment> DirectoryOf(const Population& pop) {
  std::vector<Establishment> directory;
  for (size_t s = 0; s < pop.uais.size(); ++s) {
    Establishment e;
    e.uai = Uai(pop.uais[s]);
    e.name = fmt::format("{} {}", s % 2 == 0 ? "Collège" : "Lycée", s);
    e.type = s % 2 == 0 ? "Collège" : "Lycée";
    e.level = s % 2 == 0 ? Level::kCollege : Level::kLycee;
    e.department = pop.uais[s].substr(0, 3);
    e.academy = "toulouse";
    directory.push_back(e);
  }
  return directory;
}

}  // namespace ledger::import::testing
