#include "events/privacy/log_key_store.h"

namespace ledger::privacy {

LogKeyStore::LogKeyStore(std::unique_ptr<EventLog> log)
    : log_(std::move(log)), next_(static_cast<size_t>(log_->partition_count()), 0) {}

Result<std::unique_ptr<LogKeyStore>> LogKeyStore::Open(std::unique_ptr<EventLog> log) {
  std::unique_ptr<LogKeyStore> store(new LogKeyStore(std::move(log)));
  std::lock_guard lock(store->mu_);
  LEDGER_RETURN_IF_ERROR(store->CatchUp());
  return store;
}

Status LogKeyStore::CatchUp() {
  LEDGER_ASSIGN_OR_RETURN(std::vector<int64_t> ends, log_->EndOffsets());
  for (int32_t p = 0; p < static_cast<int32_t>(ends.size()); ++p) {
    int64_t& next = next_[static_cast<size_t>(p)];
    if (next >= ends[static_cast<size_t>(p)]) continue;
    LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, log_->OpenReader(p, next));
    for (;;) {
      LEDGER_ASSIGN_OR_RETURN(std::optional<LogRecord> rec, reader->Next());
      if (!rec) break;
      if (rec->value.empty()) {
        keys_.erase(rec->key);  // a tombstone: erased
      } else {
        keys_[rec->key] = std::move(rec->value);
      }
    }
    next = reader->next_offset();
  }
  return OkStatus();
}

Result<std::optional<std::string>> LogKeyStore::Get(const std::string& person) {
  LEDGER_ASSIGN_OR_RETURN(auto found, GetMany(std::span<const std::string>(&person, 1)));
  return std::move(found.front());
}

Result<std::vector<std::optional<std::string>>> LogKeyStore::GetMany(std::span<const std::string> persons) {
  std::lock_guard lock(mu_);
  bool caught_up = false;
  std::vector<std::optional<std::string>> out;
  out.reserve(persons.size());
  for (const std::string& person : persons) {
    auto it = keys_.find(person);
    if (it == keys_.end() && !caught_up) {
      LEDGER_RETURN_IF_ERROR(CatchUp().WithContext("key store"));  // another writer's keys, created since
      caught_up = true;
      it = keys_.find(person);
    }
    out.push_back(it == keys_.end() ? std::nullopt : std::optional<std::string>(it->second));
  }
  return out;
}

Status LogKeyStore::Put(const std::string& person, std::string_view wrapped) {
  if (wrapped.empty()) return InvalidArgument("key store: an empty wrapped key");
  std::lock_guard lock(mu_);
  const std::string value(wrapped);
  // Pipelined: the group's keys share one round trip, awaited by Sync().
  LEDGER_RETURN_IF_ERROR(log_->AppendAsync(person, std::span<const std::string>(&value, 1), [](int64_t) {}));
  keys_[person] = value;
  return OkStatus();
}

Status LogKeyStore::Sync() {
  std::lock_guard lock(mu_);
  return log_->Flush();
}

Status LogKeyStore::Erase(const std::string& person) {
  std::lock_guard lock(mu_);
  const std::string tombstone;
  LEDGER_RETURN_IF_ERROR(log_->Append(person, std::span<const std::string>(&tombstone, 1)).status());
  LEDGER_RETURN_IF_ERROR(log_->Flush());
  keys_.erase(person);
  return OkStatus();
}

}  // namespace ledger::privacy
