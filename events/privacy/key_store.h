// KeyStore: where each person's wrapped data key lives, outside the log
// (events/privacy/README.md). The value stored is opaque here: the data key
// encrypted under the master key's wrapping subkey (key_vault.h), so the store
// alone reveals nothing.
//
// Contracts:
//  - Get: the wrapped key, or nullopt when the person has none (never had
//    one, or it was erased).
//  - Put: stores it; durable once Sync() has returned OK.
//  - Erase: removes it durably and physically (no copy left in the store's
//    files once it returns OK). Erasing an absent key is OK (idempotent).
// Adapters: RocksDbKeyStore (DATA/keys, events/privacy/rocksdb), the Kafka
// compacted topic (events/kafka), MemoryKeyStore (tests). Thread-safety: Get
// from any thread; Put/Sync/Erase from one writer thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/status.h"

namespace ledger::privacy {

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  virtual Result<std::optional<std::string>> Get(const std::string& person) = 0;
  virtual Status Put(const std::string& person, std::string_view wrapped) = 0;
  // Several Puts; adapters that can write them as one batch override it.
  virtual Status PutMany(const std::vector<std::pair<std::string, std::string>>& keys) {
    for (const auto& [person, wrapped] : keys) LEDGER_RETURN_IF_ERROR(Put(person, wrapped));
    return OkStatus();
  }
  virtual Status Sync() = 0;
  virtual Status Erase(const std::string& person) = 0;
};

// In memory, for tests: counts syncs; `fail` makes every call Unavailable.
class MemoryKeyStore : public KeyStore {
 public:
  Result<std::optional<std::string>> Get(const std::string& person) override;
  Status Put(const std::string& person, std::string_view wrapped) override;
  Status Sync() override;
  Status Erase(const std::string& person) override;

  size_t size() const;
  size_t syncs() const;
  bool fail = false;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> keys_;
  size_t syncs_ = 0;
};

}  // namespace ledger::privacy
