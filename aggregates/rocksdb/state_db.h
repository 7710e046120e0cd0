// StateDb: the write path's StateStore (aggregates/write_state.h) in RocksDB,
// DATA/write-state on the embedded log (ops/datadir: WriteStateDir); also the
// importer's index, DATA/import-index (ops/import/ledger_index.h).
//
// Bounded: 64 MiB memtables (two at most), a 64 MiB block cache, Bloom
// filters (most lookups are of command ids and accounts that are not there).
// An Apply is one WriteBatch without the write-ahead log and without fsync:
// the log the state is folded from is flushed first, and a crash (of the
// process or the machine) loses whole batches not yet flushed from the
// memtable, so the store may be left behind the log (its folder folds the
// difference at the next Open), never ahead.
// The store is derived from the log only: one RocksDB reports damaged at
// Open is destroyed and created empty (the handler rebuilds it from the log).
// One process at a time (RocksDB's LOCK: a second gets FailedPrecondition).
// Thread-safety: as RocksDB's (Get and Write may be called from any thread).
#pragma once

#include <filesystem>
#include <memory>

#include "aggregates/write_state.h"

namespace rocksdb {
class DB;
}

namespace ledger {

class StateDb final : public StateStore {
 public:
  // Creates `dir` when missing.
  static Result<std::unique_ptr<StateDb>> Open(const std::filesystem::path& dir);
  ~StateDb() override;

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Apply(std::span<const std::pair<std::string, std::string>> puts,
               std::span<const std::string> deletes) override;
  Status Scan(std::string_view prefix, const Visitor& visit) override;
  Status Clear() override;

  // True when Open found the store damaged and started it again.
  bool recreated() const { return recreated_; }

 private:
  StateDb(std::filesystem::path dir, std::unique_ptr<rocksdb::DB> db);
  std::filesystem::path dir_;
  std::unique_ptr<rocksdb::DB> db_;
  bool recreated_ = false;
};

}  // namespace ledger
