#include "ops/simulate/population.h"

#include <cmath>
#include <map>
#include <unordered_map>

#include <fmt/core.h>

#include "events/identifiers.h"
#include "ops/simulate/rng.h"

namespace ledger::sim {
namespace {

constexpr int kCollegeSize = 520;  // pupils of a synthetic collège
constexpr int kLyceeSize = 900;

const char* const kLastNames[] = {
    "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU",
    "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL",
    "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT",
    "MULLER", "LEFEVRE", "FAURE", "ANDRE", "MERCIER", "BLANC", "GUERIN", "BOYER", "GARNIER",
    "CHEVALIER", "FRANCOIS", "LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLEMENT",
    "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON", "MARCHAND", "DUVAL",
    "DENIS", "DUMONT", "MARIE", "LEMAIRE", "NOEL", "MEYER", "DUFOUR", "MEUNIER", "BRUN", "BLANCHARD",
    "GIRAUD", "JOLY", "RIVIERE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD", "MARTINEZ",
    "GERARD", "ROCHE", "RENARD", "SCHMITT", "ROY", "LEROUX", "COLIN", "VIDAL", "CARON", "PICARD",
    "ROGER", "FABRE", "AUBERT", "LEMOINE", "RENAUD", "DUMAS", "LACROIX", "OLIVIER", "PHILIPPE",
    "BOURGEOIS", "PIERRE", "BENOIT", "REY", "LECLERC", "PAYET", "ROLLAND", "LECLERCQ", "GUILLAUME",
    "LECOMTE", "LOPEZ", "JEAN", "DUPUY", "GUILLOT", "HUBERT", "BERGER", "CARPENTIER", "SANCHEZ",
    "DUPUIS", "MOULIN", "LOUIS", "DESCHAMPS", "HUET", "VASSEUR", "PEREZ", "BOUCHER", "FLEURY",
    "ROYER", "KLEIN", "JACQUET", "ADAM", "PARIS", "POIRIER", "MARTY", "AUBRY", "GUYOT", "CARRE",
    "CHARLES", "RENAULT", "CHARPENTIER", "MENARD", "MAILLARD", "BARON", "BERTIN", "BAILLY",
    "HERVE", "SCHNEIDER", "FERNANDEZ", "LE GALL", "COLLET", "LEGER", "BOUVIER", "JULIEN",
    "PREVOST", "MILLET", "PERROT", "DANIEL", "LE ROUX", "COUSIN", "GERMAIN", "BRETON", "BESSON",
    "LANGLOIS", "REMY", "LE GOFF", "PELLETIER", "LEVEQUE", "PERRIER", "LEBLANC", "BARRE", "LEBRUN",
    "MARCHAL", "WEBER", "MALLET", "HAMON", "BOULANGER", "JACOB", "MONNIER", "MICHAUD", "RODRIGUEZ",
    "GUICHARD", "GILLET", "ETIENNE", "GRONDIN", "POULAIN", "TESSIER", "CHEVALLIER", "COLLIN",
    "CHAUVIN", "DA SILVA", "BOUCHET", "GAY", "LEMAITRE", "BENARD", "MARECHAL", "HUMBERT", "REYNAUD",
    "ANTOINE", "HOARAU", "PERRET", "BARTHELEMY", "CORDIER", "PICHON", "LEJEUNE", "GILBERT", "LAMY"};
const char* const kFirstNames[] = {
    "Emma", "Louise", "Jade", "Alice", "Chloe", "Lina", "Mila", "Lea", "Manon", "Rose", "Anna",
    "Ines", "Camille", "Lola", "Ambre", "Lena", "Zoe", "Juliette", "Julia", "Lou", "Gabriel",
    "Leo", "Raphael", "Arthur", "Louis", "Lucas", "Adam", "Jules", "Hugo", "Mael", "Liam",
    "Noah", "Paul", "Ethan", "Tiago", "Sacha", "Gabin", "Nathan", "Mohamed", "Aaron"};
const char* const kAdultFirstNames[] = {
    "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sandrine", "Valerie", "Christine", "Celine",
    "Stephanie", "Sophie", "Aurelie", "Karine", "Laetitia", "Virginie", "Emilie", "Julie",
    "Philippe", "Christophe", "Stephane", "Frederic", "Laurent", "Olivier", "Nicolas", "Sebastien",
    "Julien", "David", "Thierry", "Eric", "Pascal", "Vincent", "Jerome", "Franck"};

// An index into `pool`, drawn.
template <size_t N>
uint16_t Pick(Rng& rng, const char* const (&pool)[N]) {
  static_assert(N <= 65535);
  return static_cast<uint16_t>(rng.Next() % N);
}

std::string Lower(std::string s) {
  std::string out;
  for (char c : s)
    if (c != ' ') out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string LoginBase(const std::string& first, const std::string& last) {
  return Lower(first).substr(0, 1) + "." + Lower(last);
}

class Builder {
 public:
  Builder(const Profile& p, uint64_t seed, double scale) : p_(p), scale_(scale), rng_(seed) {
    pop_.names = std::make_shared<const PopulationNames>(PopulationNames{p.id_prefix, seed});
  }

  Population Run() {
    if (p_.establishments.empty()) SyntheticSchools();
    else RealSchools();
    for (size_t s = 0; s < pop_.schools.size(); ++s) {
      remaining_.push_back(pop_.schools[s].pupils);
      by_dept_[pop_.schools[s].department].push_back(static_cast<int>(s));
    }
    for (size_t s = 0; s < pop_.schools.size(); ++s)
      while (remaining_[s] > 0) NewFamily(static_cast<int>(s));
    return std::move(pop_);
  }

 private:
  void AddSchool(Uai uai, std::string name, const std::string& dept, Level level, int pupils) {
    pop_.schools.push_back(School{std::move(uai), std::move(name), dept, p_.academy, level, pupils});
  }

  // Each department's pupils at scale, in schools of realistic size.
  void SyntheticSchools() {
    for (const Department& d : p_.departments) {
      const uint32_t dept = static_cast<uint32_t>(std::stoi(d.code));
      for (Level level : {Level::kCollege, Level::kLycee}) {
        const bool college = level == Level::kCollege;
        const int total = static_cast<int>(std::lround((college ? d.college_pupils : d.lycee_pupils) * scale_));
        if (total == 0) continue;
        const int size = college ? kCollegeSize : kLyceeSize;
        const int n = std::max(1, static_cast<int>(std::lround(static_cast<double>(total) / size)));
        for (int i = 0; i < n; ++i) {
          const int pupils = total / n + (i < total % n ? 1 : 0);
          AddSchool(Uai(MakeUai(dept * 10000 + (college ? 1000 : 5000) + static_cast<uint32_t>(i))),
                    fmt::format("{} {} n°{} ({})", college ? "Collège" : "Lycée", d.name, i + 1,
                                "synthétique"),
                    d.code, level, pupils);
        }
      }
    }
  }

  void RealSchools() {
    for (const import::Establishment& e : p_.establishments) {
      const int pupils = static_cast<int>(std::lround(e.pupils * scale_));
      if (pupils > 0) AddSchool(e.uai, e.name, e.department, e.level, pupils);
    }
  }

  // A school of `dept` (or, rarely, of another) with room left; -1 if none found.
  int SiblingSchool(const std::string& dept) {
    const std::vector<int>* pool = &by_dept_[dept];
    if (by_dept_.size() > 1 && rng_.Chance(0.03)) {
      auto it = by_dept_.begin();
      std::advance(it, static_cast<long>(rng_.Next() % by_dept_.size()));
      pool = &it->second;
    }
    for (int tries = 0; tries < 8; ++tries) {
      int s = (*pool)[rng_.Next() % pool->size()];
      if (remaining_[s] > 0) return s;
    }
    return -1;
  }

  // The n of a new login "<first initial>.<last name><n>" (unique in the population).
  uint32_t Login(const std::string& first, const std::string& last) {
    return static_cast<uint32_t>(++logins_[LoginBase(first, last)]);
  }

  void NewFamily(int first_school) {
    const int f = static_cast<int>(pop_.families.size());
    Family fam;
    const uint16_t last = Pick(rng_, kLastNames);
    const int children = rng_.Chance(0.55) ? 1 : rng_.Chance(0.75) ? 2 : 3;
    fam.children.first = static_cast<int>(pop_.pupils.size());
    for (int k = 0; k < children; ++k) {
      int s = k == 0 ? first_school : SiblingSchool(pop_.schools[first_school].department);
      if (s < 0) break;
      --remaining_[s];
      NewPupil(s, f, last);
      ++fam.children.count;
    }
    const int guardians = rng_.Chance(0.8) ? 2 : 1;
    fam.guardians.first = static_cast<int>(pop_.guardians.size());
    for (int g = 0; g < guardians; ++g) {
      Guardian gd;
      gd.names = pop_.names.get();
      gd.index = static_cast<int>(pop_.guardians.size());
      gd.last = last;
      gd.first = static_cast<uint8_t>(Pick(rng_, kAdultFirstNames));
      gd.login_n = Login(kAdultFirstNames[gd.first], kLastNames[gd.last]);
      gd.mobile = rng_.Chance(0.88);
      gd.email = rng_.Chance(0.75);
      gd.family = f;
      ++fam.guardians.count;
      pop_.guardians.push_back(gd);
    }
    pop_.families.push_back(std::move(fam));
  }

  int NewPupil(int s, int family, uint16_t last) {
    static const char* kEcole[] = {"CP", "CE1", "CE2", "CM1", "CM2"};
    static const char* kLycee[] = {"2NDE", "1ERE", "TLE"};
    const School& school = pop_.schools[s];
    Pupil p;
    const int i = static_cast<int>(pop_.pupils.size());
    p.names = pop_.names.get();
    p.index = i;
    p.school = s;
    int born = 0;
    if (school.level == Level::kEcole) {
      int g = static_cast<int>(rng_.Between(0, 4));
      p.class_name = kEcole[g];
      born = p_.rentree.year - 6 - g;
    } else if (school.level == Level::kCollege) {
      int g = static_cast<int>(rng_.Between(0, 3));  // 0: 6e … 3: 3e
      p.class_name = fmt::format("{}{}", 6 - g, static_cast<char>('A' + rng_.Between(0, 5)));
      born = p_.rentree.year - 11 - g;
    } else {
      int g = static_cast<int>(rng_.Between(0, 2));
      p.class_name = fmt::format("{}{}", kLycee[g], rng_.Between(1, 8));
      born = p_.rentree.year - 15 - g;
    }
    p.birth = Date{born, static_cast<uint8_t>(rng_.Between(1, 12)), static_cast<uint8_t>(rng_.Between(1, 28))};
    p.last = last;
    p.first = static_cast<uint8_t>(Pick(rng_, kFirstNames));
    p.login_n = Login(kFirstNames[p.first], kLastNames[p.last]);
    p.email = rng_.Chance(0.2);
    p.family = family;
    pop_.pupils.push_back(std::move(p));
    return i;
  }

  const Profile& p_;
  double scale_;
  Rng rng_;
  Population pop_;
  std::vector<int> remaining_;
  std::map<std::string, std::vector<int>> by_dept_;
  std::unordered_map<std::string, int> logins_;
};

}  // namespace

AccountId Pupil::id() const { return AccountId(fmt::format("{}-p{}", names->id_prefix, index)); }
std::string Pupil::ine() const {
  const uint64_t seed = names->seed;
  return fmt::format("{:09d}{}{}", index, static_cast<char>('A' + seed % 26),
                     static_cast<char>('A' + (seed / 26 + static_cast<uint64_t>(index) / 1000000000) % 26));
}
std::string Pupil::last_name() const { return kLastNames[last]; }
std::string Pupil::first_name() const { return kFirstNames[first]; }
std::string Pupil::login() const { return LoginBase(kFirstNames[first], kLastNames[last]) + std::to_string(login_n); }

AccountId Guardian::id() const { return AccountId(fmt::format("{}-g{}", names->id_prefix, index)); }
std::string Guardian::last_name() const { return kLastNames[last]; }
std::string Guardian::first_name() const { return kAdultFirstNames[first]; }
std::string Guardian::login() const {
  return LoginBase(kAdultFirstNames[first], kLastNames[last]) + std::to_string(login_n);
}

Result<Population> MakePopulation(const Profile& profile, uint64_t seed, double scale) {
  if (!(scale > 0 && scale <= 20))
    return InvalidArgument("--scale " + fmt::format("{}", scale) + ": expected a number in (0, 20]");
  return Builder(profile, seed, scale).Run();
}

std::vector<import::Establishment> DirectoryOf(const Population& pop) {
  std::vector<import::Establishment> v;
  for (const School& s : pop.schools) {
    import::Establishment e;
    e.uai = s.uai;
    e.name = s.name;
    e.type = s.level == Level::kEcole ? "Ecole" : s.level == Level::kCollege ? "Collège" : "Lycée";
    e.level = s.level;
    e.department = s.department;
    e.academy = s.academy;
    e.pupils = s.pupils;
    v.push_back(std::move(e));
  }
  return v;
}

}  // namespace ledger::sim
