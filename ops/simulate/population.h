// The people of a simulation: establishments, pupils (each with an INE),
// families and their guardians — drawn from a profile, a seed and a scale.
//
// Families have 1–3 children; a sibling is schooled in another establishment
// of the same department (sometimes another department); 80 % of families
// have two guardians. 88 % of guardians have a mobile number on file, 75 % an
// e-mail; 20 % of pupils have an e-mail. Synthetic names, logins unique in
// the population. Pure and deterministic; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "events/event.h"
#include "ops/simulate/profile.h"

namespace ledger::sim {

struct School {
  Uai uai;
  std::string name;
  std::string department;
  std::string academy;
  Level level = Level::kCollege;
  int pupils = 0;  // scaled
};

struct Pupil {
  AccountId id;
  int school = 0;
  std::string class_name;
  Date birth;
  std::string ine;
  std::string last_name, first_name, login;
  bool email = false;
  int family = 0;
};

struct Guardian {
  AccountId id;
  std::string last_name, first_name, login;
  bool mobile = false, email = false;
  int family = 0;
};

struct Family {
  std::vector<int> children;   // pupil indexes
  std::vector<int> guardians;  // guardian indexes
};

struct Population {
  std::vector<School> schools;
  std::vector<Pupil> pupils;
  std::vector<Guardian> guardians;
  std::vector<Family> families;
};

// InvalidArgument for a scale outside (0, 10].
Result<Population> MakePopulation(const Profile& profile, uint64_t seed, double scale);

// The establishments of `pop` as directory records (for DATA/establishments.tsv).
std::vector<import::Establishment> DirectoryOf(const Population& pop);

}  // namespace ledger::sim
