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
// Memory: the interned scope ids (every establishment and class seen) and
// one entry per (day, cell) touched since the last Drain.
// Thread-safety: none; one per thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

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
  // Adds after - before, dated on the day of `at`.
  void AddChange(const CellSet& before, const CellSet& after, Timestamp at);
  // The sums since the last Drain, by day, added into `out`; then empty.
  void Drain(std::map<Date, StatTable>& out);
  void DropSums() { sums_.clear(); }
  bool empty() const { return sums_.empty(); }

 private:
  // The cell of (scope, id) for `kind` at level `all`.
  uint32_t Cell(Scope scope, const std::string& id, AccountKind kind);
  void Add(int64_t day, uint32_t cell, const StatCounts& c);

  struct Interned {
    Scope scope;
    std::string id;
  };
  std::vector<Interned> ids_;                       // number -> scope id
  std::unordered_map<std::string, uint32_t> numbers_;  // scope byte + id -> number
  std::string key_;                                 // reused lookup key
  std::unordered_map<uint64_t, StatCounts> sums_;   // (day << 32) | cell
};

}  // namespace ledger
