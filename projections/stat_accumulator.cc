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

void StatAccumulator::ContributionOf(const AccountView& v, CellSet& out) {
  out.clear();
  if (!v.exists() || v.state == ViewState::kClosed) return;
  out.one = StatCounts{1, v.state == ViewState::kNotified ? 1 : 0, v.state == ViewState::kActivated ? 1 : 0};
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
    const uint32_t cell = static_cast<uint32_t>(key);
    const Interned& id = ids_[cell >> 4];
    const StatCell sc{id.scope, id.id, (cell & 8u) != 0 ? AccountKind::kGuardian : AccountKind::kPupil,
                      static_cast<StatLevel>(cell & 7u)};
    auto it = table->try_emplace(sc).first;
    it->second += c;
    if (it->second.zero()) table->erase(it);
  }
  sums_.clear();
}

}  // namespace ledger
