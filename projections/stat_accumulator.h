// StatAccumulator: the statistics deltas of many events (stats.h), summed by
// day without a StatTable per event — the projectors' hot path.
//
// A cell's scope id (an academy, a department, a UAI, "<UAI>/<class>") is
// interned once into a number; a contribution is then a short sorted list of
// cell numbers with the one count they all share ({1, notified?,
// activated?}), and a delta is a merge of two such lists. Deltas are summed
// into one hash table keyed by (day, cell). Drain() turns the sums into
// StatTables by day, leaving out cells whose sum is zero: the same tables as
// Contribution / AddDelta / Accumulate would give (stat_accumulator_test
// compares them on random views).
//
// Memory: the interned scope ids (every establishment and class seen), one
// entry per (day, cell) touched since the last Drain or Roll, and one per
// (period, cell) since the last DrainPeriods.
// Thread-safety: none; one per thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "projections/stats.h"

namespace ledger {

// The cells an account counts in (Contribution), as numbers of one
// StatAccumulator; empty when it counts nowhere.
struct CellSet {
  std::vector<uint32_t> cells;  // sorted, distinct
  StatCounts one;               // what the account counts in each
  void clear() {
    cells.clear();
    one = {};
  }
};

class StatAccumulator {
 public:
  // Contribution(v), into `out` (its memory reused).
  void ContributionOf(const AccountView& v, CellSet& out);
  // The same after an event that changed `v`'s state only — not its kind,
  // placement or links (AccountNotified, AccountActivated) — from its
  // contribution `before` that event: the same cells with new counts, found
  // again only when it counted nowhere before.
  void StateChangeOf(const AccountView& v, const CellSet& before, CellSet& out);
  // Adds after - before, dated on the day of `at`.
  void AddChange(const CellSet& before, const CellSet& after, Timestamp at);
  // The sums since the last Drain, by day, added into `out`; then empty.
  void Drain(std::map<Date, StatTable>& out);
  void DropSums() { sums_.clear(); }
  bool empty() const { return sums_.empty(); }

  // Sums by period, for a caller folding more events than a day's sums
  // should hold between two Drains (the key-order rebuild, stream after
  // stream, meets every day of the year in each window of records). Roll()
  // adds each (day, cell) sum to the cell's sums for all time, its year, its
  // month and its day — the tiers of the store's statistics keys — and
  // empties the sums by day, which so stay few and hot in the cache. The
  // sums by period grow with the cells and days seen, not with the events:
  // period_sums() tells the caller when to drain them.
  enum class Period : uint8_t { kAllTime, kYear, kMonth, kDay };
  void Roll();
  size_t period_sums() const;
  // Each non-zero sum by period, with the period's first day (1970-01-01
  // for all time), grouped by period (all time, then years, months, days);
  // then empty.
  using PeriodFn = std::function<void(Period period, const Date& first_day, const StatCell& cell, const StatCounts& c)>;
  void DrainPeriods(const PeriodFn& f);

 private:
  // The cell of (scope, id) for `kind` at level `all`.
  uint32_t Cell(Scope scope, const std::string& id, AccountKind kind);
  // The StatCell a cell number stands for.
  StatCell CellOf(uint32_t cell) const;
  void Add(int64_t day, uint32_t cell, const StatCounts& c);

  struct Interned {
    Scope scope;
    std::string id;
  };
  std::vector<Interned> ids_;                       // number -> scope id
  absl::flat_hash_map<std::string, uint32_t> numbers_;  // scope byte + id -> number
  std::string key_;                                 // reused lookup key
  // Open addressing (Abseil's flat map): a sum is one probe in one array,
  // where std::unordered_map chased a node per entry (README "National
  // scale": the statistics were a fifth of a rebuild's CPU).
  absl::flat_hash_map<uint64_t, StatCounts> sums_;  // (day << 32) | cell
  // By Period: (period number << 32) | cell; the number is 0 for all time,
  // the year, year * 12 + month - 1, the day number.
  std::array<absl::flat_hash_map<uint64_t, StatCounts>, 4> periods_;
};

}  // namespace ledger
