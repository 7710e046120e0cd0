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
#include <span>
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
  // Several Gets; adapters that can look them up in one pass override it.
  virtual Result<std::vector<std::optional<std::string>>> GetMany(std::span<const std::string> persons) {
    std::vector<std::optional<std::string>> out;
    out.reserve(persons.size());
    for (const std::string& person : persons) {
      LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> wrapped, Get(person));
      out.push_back(std::move(wrapped));
    }
    return out;
  }
  virtual Status Sync() = 0;
  virtual Status Erase(const std::string& person) = 0;
  // True when the store admits one writer at a time, the log's writer
  // (DATA/keys, locked by RocksDB): a key of an account absent from that
  // writer's log is then an orphan, replaced without being read. A shared
  // store (the Kafka topic, which a fenced writer may still reach) is read
  // first, and a key found there is kept.
  virtual bool exclusive() const { return false; }
};

// In memory, for tests: counts syncs; `fail` makes every call Unavailable;
// `exclusive_writer` says what exclusive() answers.
class MemoryKeyStore : public KeyStore {
 public:
  Result<std::optional<std::string>> Get(const std::string& person) override;
  Status Put(const std::string& person, std::string_view wrapped) override;
  Status Sync() override;
  Status Erase(const std::string& person) override;
  bool exclusive() const override { return exclusive_writer; }

  size_t size() const;
  size_t syncs() const;
  bool fail = false;
  bool exclusive_writer = false;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> keys_;
  size_t syncs_ = 0;
};

}  // namespace ledger::privacy
