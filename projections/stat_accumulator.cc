#include "projections/stat_accumulator.h"

#include <algorithm>

namespace ledger {
namespace {

// A cell number: the interned scope id, the profile, then the level in the
// low three bits.
uint32_t Pack(uint32_t id, AccountKind kind) { return (id << 4) | (kind == AccountKind::kGuardian ? 8u : 0u); }
uint32_t WithLevel(uint32_t cell, StatLevel level) { return (cell & ~7u) | static_cast<uint32_t>(level); }

}  // namespace

uint32_t StatAccumulator::Cell(Scope scope, const std::string& id, AccountKind kind) {
  key_.assign(1, static_cast<char>(scope));
  key_.append(id);
  auto it = numbers_.find(key_);
  if (it == numbers_.end()) {
    it = numbers_.emplace(key_, static_cast<uint32_t>(ids_.size())).first;
    ids_.push_back({scope, id});
  }
  return Pack(it->second, kind);
}

StatCell StatAccumulator::CellOf(uint32_t cell) const {
  const Interned& id = ids_[cell >> 4];
  return StatCell{id.scope, id.id, (cell & 8u) != 0 ? AccountKind::kGuardian : AccountKind::kPupil,
                  static_cast<StatLevel>(cell & 7u)};
}

void StatAccumulator::StateChangeOf(const AccountView& v, const CellSet& before, CellSet& out) {
  if (before.cells.empty() || !v.open()) return ContributionOf(v, out);
  out.cells = before.cells;
  out.one = CountsOf(v);
}

void StatAccumulator::ContributionOf(const AccountView& v, CellSet& out) {
  out.clear();
  if (!v.open()) return;
  out.one = CountsOf(v);
  // A scope's cell at `all` comes right before its cell at a level, with the
  // same id object: one lookup for both.
  const std::string* last_id = nullptr;
  Scope last_scope = Scope::kNational;
  uint32_t last = 0;
  ForEachCell(v, [&](Scope scope, const std::string& id, StatLevel level) {
    if (&id != last_id || scope != last_scope) {
      last = Cell(scope, id, v.kind);
      last_id = &id;
      last_scope = scope;
    }
    out.cells.push_back(WithLevel(last, level));
  });
  // A guardian counts once per distinct cell.
  std::sort(out.cells.begin(), out.cells.end());
  out.cells.erase(std::unique(out.cells.begin(), out.cells.end()), out.cells.end());
}

void StatAccumulator::Add(int64_t day, uint32_t cell, const StatCounts& c) {
  if (c.zero()) return;
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(day)) << 32) | cell;
  sums_[key] += c;
}

void StatAccumulator::AddChange(const CellSet& before, const CellSet& after, Timestamp at) {
  const int64_t day = DayNumber(at);
  const StatCounts minus{-before.one.accounts, -before.one.notified, -before.one.activated};
  StatCounts both = after.one;
  both += minus;
  auto b = before.cells.begin(), a = after.cells.begin();
  while (b != before.cells.end() || a != after.cells.end()) {
    if (a == after.cells.end() || (b != before.cells.end() && *b < *a)) {
      Add(day, *b++, minus);
    } else if (b == before.cells.end() || *a < *b) {
      Add(day, *a++, after.one);
    } else {
      Add(day, *a, both);
      ++a, ++b;
    }
  }
}

void StatAccumulator::Drain(std::map<Date, StatTable>& out) {
  int64_t last_day = INT64_MIN;
  StatTable* table = nullptr;
  for (const auto& [key, c] : sums_) {
    if (c.zero()) continue;
    const int64_t day = static_cast<int32_t>(static_cast<uint32_t>(key >> 32));
    if (day != last_day) {
      last_day = day;
      table = &out[DateOfDayNumber(day)];
    }
    auto it = table->try_emplace(CellOf(static_cast<uint32_t>(key))).first;
    it->second += c;
    if (it->second.zero()) table->erase(it);
  }
  sums_.clear();
}

void StatAccumulator::Roll() {
  for (const auto& [key, c] : sums_) {
    if (c.zero()) continue;
    const uint32_t cell = static_cast<uint32_t>(key);
    const int32_t day = static_cast<int32_t>(static_cast<uint32_t>(key >> 32));
    const Date d = DateOfDayNumber(day);
    const int32_t numbers[4] = {0, d.year, d.year * 12 + d.month - 1, day};
    for (size_t p = 0; p < periods_.size(); ++p)
      periods_[p][(static_cast<uint64_t>(static_cast<uint32_t>(numbers[p])) << 32) | cell] += c;
  }
  sums_.clear();
}

size_t StatAccumulator::period_sums() const {
  size_t n = 0;
  for (const auto& m : periods_) n += m.size();
  return n;
}

void StatAccumulator::DrainPeriods(const PeriodFn& f) {
  std::vector<std::pair<uint64_t, StatCounts>> sorted;
  for (size_t p = 0; p < periods_.size(); ++p) {
    sorted.assign(periods_[p].begin(), periods_[p].end());
    periods_[p].clear();
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [key, c] : sorted) {
      if (c.zero()) continue;
      const int32_t number = static_cast<int32_t>(static_cast<uint32_t>(key >> 32));
      Date first{1970, 1, 1};
      switch (static_cast<Period>(p)) {
        case Period::kAllTime: break;
        case Period::kYear: first = Date{number, 1, 1}; break;
        case Period::kMonth: {
          const int32_t year = number >= 0 ? number / 12 : -((-number + 11) / 12);  // floor
          first = Date{year, static_cast<uint8_t>(number - year * 12 + 1), 1};
          break;
        }
        case Period::kDay: first = DateOfDayNumber(number); break;
      }
      f(static_cast<Period>(p), first, CellOf(static_cast<uint32_t>(key)), c);
    }
  }
}

}  // namespace ledger
