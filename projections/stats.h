// Activation statistics (ARCHITECTURE.md §6): which table cells an account
// counts in, and how an event moves the counts.
//
// A cell is (scope, scope_id, profile, level):
//   scope     national ("FR") | academy ("rennes") | department ("035") |
//             establishment (UAI) | class ("<UAI>/<class>", pupils only: links
//             carry no class)
//   profile   pupil | guardian
//   level     all | ecole | college | lycee | other
// Counts: accounts (not closed), notified (notified, not activated), activated.
//
// A pupil counts in its current establishment, its class, department,
// academy and nationally, at its level and at `all`. A guardian counts once in
// each distinct establishment, department and academy among its active links
// (removed links excluded; disputed ones still count until support removes
// them), at the level of each of those links and at `all`; once nationally at
// `all` and at each distinct level of its links. A closed account counts nowhere.
//
// Because a contribution depends only on the account's own view, the delta an
// event makes is Contribution(after) - Contribution(before), dated on the
// event's occurred_at: summing deltas dated ≤ D gives the table "as of D".
// Pure; value types.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "projections/account_view.h"

namespace ledger {

enum class Scope : uint8_t { kNational, kAcademy, kDepartment, kEstablishment, kClass };
enum class StatLevel : uint8_t { kAll, kEcole, kCollege, kLycee, kOther };
std::string_view Name(Scope s);
std::string_view Name(StatLevel l);
std::optional<Scope> ParseScope(std::string_view s);
StatLevel StatLevelOf(Level l);

struct StatCell {
  Scope scope = Scope::kNational;
  std::string scope_id;
  AccountKind profile = AccountKind::kPupil;
  StatLevel level = StatLevel::kAll;
  friend auto operator<=>(const StatCell&, const StatCell&) = default;
};

struct StatCounts {
  int64_t accounts = 0;
  int64_t notified = 0;
  int64_t activated = 0;
  StatCounts& operator+=(const StatCounts& o) {
    accounts += o.accounts;
    notified += o.notified;
    activated += o.activated;
    return *this;
  }
  bool zero() const { return accounts == 0 && notified == 0 && activated == 0; }
  friend bool operator==(const StatCounts&, const StatCounts&) = default;
};

using StatTable = std::map<StatCell, StatCounts>;

inline constexpr const char* kNationalScopeId = "FR";

// What an account that counts anywhere (AccountView::open) counts in each of
// its cells: shared by Contribution and StatAccumulator, as ForEachCell below.
inline StatCounts CountsOf(const AccountView& v) {
  return StatCounts{1, v.state == ViewState::kNotified ? 1 : 0, v.state == ViewState::kActivated ? 1 : 0};
}

// Calls cell(scope, scope_id, level) for each cell an account that counts
// (AccountView::open) counts in, for its profile `v.kind`: the rule above,
// shared by Contribution and StatAccumulator. A guardian's cells may come
// more than once (links to one establishment). Pairs of calls with the same
// scope and the same id object (at `all`, then at a level) come one after
// the other; a guardian's national cell at a level comes alone.
template <class CellFn>
void ForEachCell(const AccountView& v, CellFn&& cell) {
  static const std::string national = kNationalScopeId;
  auto both = [&](Scope scope, const std::string& id, StatLevel level) {
    cell(scope, id, StatLevel::kAll);
    cell(scope, id, level);
  };
  if (v.kind == AccountKind::kPupil) {
    const Placement& p = v.placement;
    const StatLevel level = StatLevelOf(p.level);
    both(Scope::kNational, national, level);
    both(Scope::kAcademy, p.academy, level);
    both(Scope::kDepartment, p.department, level);
    both(Scope::kEstablishment, p.uai.str(), level);
    both(Scope::kClass, p.uai.str() + "/" + p.class_name, level);
    return;
  }
  cell(Scope::kNational, national, StatLevel::kAll);
  for (const auto& [pupil, l] : v.links) {
    if (!l.active()) continue;
    const StatLevel level = StatLevelOf(l.placement.level);
    cell(Scope::kNational, national, level);
    both(Scope::kAcademy, l.placement.academy, level);
    both(Scope::kDepartment, l.placement.department, level);
    both(Scope::kEstablishment, l.placement.uai.str(), level);
  }
}

// The cells `v` counts in, each with counts {1, notified?, activated?}.
StatTable Contribution(const AccountView& v);

// Adds after - before into `out` (cells whose delta is zero are left out).
void AddDelta(StatTable& out, const StatTable& before, const StatTable& after);

// Adds every cell of `delta` into `out`, dropping cells that become all zero.
void Accumulate(StatTable& out, const StatTable& delta);

}  // namespace ledger
