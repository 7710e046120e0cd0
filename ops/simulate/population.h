// The people of a simulation: establishments, pupils (each with an INE),
// families and their guardians — drawn from a profile, a seed and a scale.
//
// Families have 1–3 children; a sibling is schooled in another establishment
// of the same department (sometimes another department); 80 % of families
// have two guardians. 88 % of guardians have a mobile number on file, 75 % an
// e-mail; 20 % of pupils have an e-mail. Synthetic names, logins unique in
// the population. Pure and deterministic; thread-compatible. A person's
// strings are computed on demand (PopulationNames): the population's memory
// is a few dozen bytes per person.
#pragma once

#include <cstdint>
#include <memory>
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

// What a person's names, login, INE and account id are made of, shared by
// every person of a population: their strings are computed when asked, from
// small indexes, so that a person takes a few dozen bytes (a national year at
// scale 20 is some 11 million people).
struct PopulationNames {
  std::string id_prefix;
  uint64_t seed = 0;
};

struct Pupil {
  const PopulationNames* names = nullptr;
  int index = 0;  // in Population::pupils
  int school = 0;
  int family = 0;
  Date birth;
  std::string class_name;  // "6A", "CM2", "TLE3": short, kept in the string itself
  uint32_t login_n = 0;    // login: "<first initial>.<last name><login_n>"
  uint16_t last = 0;       // index of the family name
  uint8_t first = 0;       // index of the first name
  bool email = false;

  AccountId id() const;
  std::string ine() const;
  std::string last_name() const;
  std::string first_name() const;
  std::string login() const;
};

struct Guardian {
  const PopulationNames* names = nullptr;
  int index = 0;  // in Population::guardians
  int family = 0;
  uint32_t login_n = 0;
  uint16_t last = 0;
  uint8_t first = 0;
  bool mobile = false, email = false;

  AccountId id() const;
  std::string last_name() const;
  std::string first_name() const;
  std::string login() const;
};

// Consecutive indexes (a family's children, or its guardians, are made one
// after the other): read like a vector of int.
struct IndexRange {
  int first = 0;
  int count = 0;
  struct Iterator {
    int i;
    int operator*() const { return i; }
    Iterator& operator++() {
      ++i;
      return *this;
    }
    bool operator==(const Iterator&) const = default;
  };
  int operator[](size_t k) const { return first + static_cast<int>(k); }
  size_t size() const { return static_cast<size_t>(count); }
  bool empty() const { return count == 0; }
  Iterator begin() const { return {first}; }
  Iterator end() const { return {first + count}; }
};

struct Family {
  IndexRange children;   // pupil indexes
  IndexRange guardians;  // guardian indexes
};

struct Population {
  std::shared_ptr<const PopulationNames> names;  // what every Pupil and Guardian points to
  std::vector<School> schools;
  std::vector<Pupil> pupils;
  std::vector<Guardian> guardians;
  std::vector<Family> families;
};

// InvalidArgument for a scale outside (0, 20].
Result<Population> MakePopulation(const Profile& profile, uint64_t seed, double scale);

// The establishments of `pop` as directory records (for DATA/establishments.tsv).
std::vector<import::Establishment> DirectoryOf(const Population& pop);

}  // namespace ledger::sim
