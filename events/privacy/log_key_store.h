// LogKeyStore: a KeyStore kept in a log of its own — on Kafka, the compacted
// key store topic (events/kafka/README.md "The key store topic"), shared by
// every ledgerd of the deployment, so a standby that takes over opens and
// seals with the keys its predecessor created.
//
// Records: key = account id, value = the wrapped data key; an erasure appends
// an empty value, which the Kafka adapter produces as a null value — a
// tombstone: compaction then drops every older record of that account within
// the topic's max.compaction.lag.ms (the erasure bound, PRIVACY.md).
// Open reads the whole log into memory (a key is ~90 bytes: 30 M people take
// ~4 GB on a national deployment — PRIVACY.md notes the limit); Get of an
// account not held reads what was appended since (another writer's new keys)
// before answering "none" (GetMany: one catch-up for all). Put appends (durable at Sync = Flush); Erase
// appends the tombstone and flushes.
// Thread-safety: every call from any thread (one mutex; the log is used by
// one thread at a time through it).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "events/event_log.h"
#include "events/privacy/key_store.h"

namespace ledger::privacy {

class LogKeyStore : public KeyStore {
 public:
  // Reads `log` whole. The store owns the log.
  static Result<std::unique_ptr<LogKeyStore>> Open(std::unique_ptr<EventLog> log);

  Result<std::optional<std::string>> Get(const std::string& person) override;
  Result<std::vector<std::optional<std::string>>> GetMany(std::span<const std::string> persons) override;
  Status Put(const std::string& person, std::string_view wrapped) override;
  Status Sync() override;
  Status Erase(const std::string& person) override;

 private:
  explicit LogKeyStore(std::unique_ptr<EventLog> log);
  Status CatchUp();  // with mu_ held

  std::mutex mu_;
  std::unique_ptr<EventLog> log_;
  std::vector<int64_t> next_;  // per partition: the next offset to read
  std::map<std::string, std::string> keys_;
};

}  // namespace ledger::privacy
