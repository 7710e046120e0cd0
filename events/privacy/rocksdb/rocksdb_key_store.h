// RocksDbKeyStore: the embedded deployment's key store, DATA/keys, a RocksDB
// of its own (events/privacy/README.md). Key = account id, value = the
// wrapped data key (key_vault.h); a "format" key marks the store.
//
// Durability: Put writes to the write-ahead log; Sync() fsyncs it (the write
// path syncs once per group, before appending the group's events). Erase
// deletes, flushes, and compacts the key's range at every level (the
// bottommost too), so that no table file or write-ahead log still holds the
// key once it returns: the bytes are gone from the store's live files (freed
// disk blocks are the file system's; PRIVACY.md says what that means).
//
// One writer process (the log's writer: ledgerd, or a `ledger` write command)
// opens it read-write; readers (`ledger history`, export…) open it read-only
// and see the keys as of their opening — retried like the projections' read
// opens when they meet a writer's flush or compaction mid-way.
// Thread-safety: Get from any thread; Put/Sync/Erase from one thread.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "events/privacy/key_store.h"

namespace rocksdb {
class DB;
}

namespace ledger::privacy {

class RocksDbKeyStore : public KeyStore {
 public:
  // read_only: NotFound when no store exists yet (nothing was ever sealed).
  static Result<std::unique_ptr<RocksDbKeyStore>> Open(const std::filesystem::path& dir, bool read_only);
  ~RocksDbKeyStore() override;

  Result<std::optional<std::string>> Get(const std::string& person) override;
  Status Put(const std::string& person, std::string_view wrapped) override;
  Status PutMany(const std::vector<std::pair<std::string, std::string>>& keys) override;  // one WriteBatch
  bool exclusive() const override { return true; }  // RocksDB's LOCK: the log's writer alone
  Status Sync() override;
  Status Erase(const std::string& person) override;

  // Every (account, wrapped key), in account order (`ledger migrate` copies them).
  Status ForEach(const std::function<Status(const std::string& person, std::string_view wrapped)>& visit);

 private:
  RocksDbKeyStore(std::filesystem::path dir, std::unique_ptr<rocksdb::DB> db);
  std::filesystem::path dir_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace ledger::privacy
