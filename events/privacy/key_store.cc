#include "events/privacy/key_store.h"

namespace ledger::privacy {
namespace {
Status Down() { return Unavailable("key store unavailable (test fault)"); }
}  // namespace

Result<std::optional<std::string>> MemoryKeyStore::Get(const std::string& person) {
  std::lock_guard lock(mu_);
  if (fail) return Down();
  auto it = keys_.find(person);
  if (it == keys_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryKeyStore::Put(const std::string& person, std::string_view wrapped) {
  std::lock_guard lock(mu_);
  if (fail) return Down();
  keys_[person] = std::string(wrapped);
  return OkStatus();
}

Status MemoryKeyStore::Sync() {
  std::lock_guard lock(mu_);
  if (fail) return Down();
  ++syncs_;
  return OkStatus();
}

Status MemoryKeyStore::Erase(const std::string& person) {
  std::lock_guard lock(mu_);
  if (fail) return Down();
  keys_.erase(person);
  return OkStatus();
}

size_t MemoryKeyStore::size() const {
  std::lock_guard lock(mu_);
  return keys_.size();
}

size_t MemoryKeyStore::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

}  // namespace ledger::privacy
