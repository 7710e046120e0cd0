#include "projections/stats.h"

#include <set>

namespace ledger {

std::string_view Name(Scope s) {
  switch (s) {
    case Scope::kNational: return "national";
    case Scope::kAcademy: return "academy";
    case Scope::kDepartment: return "department";
    case Scope::kEstablishment: return "establishment";
    case Scope::kClass: return "class";
  }
  return "national";
}

std::string_view Name(StatLevel l) {
  switch (l) {
    case StatLevel::kAll: return "all";
    case StatLevel::kEcole: return "ecole";
    case StatLevel::kCollege: return "college";
    case StatLevel::kLycee: return "lycee";
    case StatLevel::kOther: return "other";
  }
  return "all";
}

std::optional<Scope> ParseScope(std::string_view s) {
  for (Scope sc : {Scope::kNational, Scope::kAcademy, Scope::kDepartment, Scope::kEstablishment,
                   Scope::kClass})
    if (Name(sc) == s) return sc;
  return std::nullopt;
}

StatLevel StatLevelOf(Level l) {
  switch (l) {
    case Level::kEcole: return StatLevel::kEcole;
    case Level::kCollege: return StatLevel::kCollege;
    case Level::kLycee: return StatLevel::kLycee;
    case Level::kOther: return StatLevel::kOther;
  }
  return StatLevel::kOther;
}

StatTable Contribution(const AccountView& v) {
  StatTable t;
  if (!v.open()) return t;
  const StatCounts one = CountsOf(v);
  // Assigning (not adding) makes a guardian count once per distinct cell.
  ForEachCell(v, [&](Scope scope, const std::string& id, StatLevel level) {
    t[StatCell{scope, id, v.kind, level}] = one;
  });
  return t;
}

void AddDelta(StatTable& out, const StatTable& before, const StatTable& after) {
  StatTable d;
  for (const auto& [cell, c] : after) d[cell] += c;
  for (const auto& [cell, c] : before) d[cell] += StatCounts{-c.accounts, -c.notified, -c.activated};
  Accumulate(out, d);
}

void Accumulate(StatTable& out, const StatTable& delta) {
  for (const auto& [cell, c] : delta) {
    if (c.zero()) continue;
    auto it = out.try_emplace(cell).first;
    it->second += c;
    if (it->second.zero()) out.erase(it);
  }
}

}  // namespace ledger
