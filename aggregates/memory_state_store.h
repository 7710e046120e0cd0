// MemoryStateStore: a StateStore (aggregates/write_state.h) in a std::map —
// for tests, and for derived stores small enough to hold in memory (the
// importer's index of a ledger read in full: ops/import/ledger_index.h).
// FailWritesFrom(n) makes the n-th Apply from now on and every later one fail
// (a disk gone full); counts what was read and written. Thread-compatible.
#pragma once

#include <map>
#include <string>

#include "aggregates/write_state.h"

namespace ledger {

class MemoryStateStore final : public StateStore {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override {
    ++gets_;
    auto it = data_.find(key);
    if (it == data_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status Apply(std::span<const std::pair<std::string, std::string>> puts,
               std::span<const std::string> deletes) override {
    if (fail_in_ == 1) return Unavailable("state store: the disk is full (test)");
    if (fail_in_ > 1) --fail_in_;
    for (const auto& [k, v] : puts) data_[k] = v;
    for (const std::string& k : deletes) data_.erase(k);
    ++writes_;
    return OkStatus();
  }
  Status Scan(std::string_view prefix, const Visitor& visit) override {
    for (auto it = data_.lower_bound(prefix); it != data_.end() && it->first.starts_with(prefix); ++it)
      if (!visit(it->first, it->second)) break;
    return OkStatus();
  }
  Status Clear() override {
    data_.clear();
    ++clears_;
    return OkStatus();
  }

  void FailWritesFrom(int n) { fail_in_ = n; }
  void Heal() { fail_in_ = 0; }
  std::map<std::string, std::string, std::less<>>& data() { return data_; }
  int gets() const { return gets_; }
  int writes() const { return writes_; }
  int clears() const { return clears_; }

 private:
  std::map<std::string, std::string, std::less<>> data_;
  int fail_in_ = 0;
  int gets_ = 0;
  int writes_ = 0;
  int clears_ = 0;
};

}  // namespace ledger
