// The write path's durable state (ARCHITECTURE.md §10: bounded memory).
//
// StateStore is the port: a durable map of bytes written in atomic batches.
// With one, the CommandHandler keeps in memory only a cache of a fixed number
// of streams (least recently used evicted between batches); every other
// stream's state, every command id already handled and how far each log
// partition has been folded are in the store. The log stays the truth: the
// store is written only after the log flushed what it records, so it is
// always the fold of a prefix of each partition, and the handler's Open folds
// the rest of the log onto it. A store lost or deleted is rebuilt from the
// log; one that is not the fold of a prefix of this log — ahead of it, or
// whose last folded event is not the log's event at that offset (another log,
// a log restored from a backup) — is cleared and rebuilt.
//
// Keys (the handler's; one flat key space):
//   s<stream>    AccountState (EncodeAccountState), or EstablishmentState for
//                an establishment's stream "uai:<UAI>"
//   c<command>   where the command's events are (EncodeCommandRecord)
//   m            WriteStateMeta: per partition the next offset not folded and
//                the hash of the event before it, counts, the erasures whose
//                key is still to destroy
//
// What is never stored: the clear personal fields the write path holds for a
// moment (a login, a birth date to check an activation). With a personal-data
// vault an account's state keeps its creation's sealed fields (the log's
// ciphertext, erased with the person's key), and an activation opens the
// birth date from them.
//
// The codec: little-endian, length-prefixed strings, a leading format byte;
// Decode* returns DataLoss naming what it could not read. Pure.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aggregates/account.h"
#include "aggregates/establishment.h"
#include "events/event_log.h"
#include "events/status.h"

namespace ledger {

class StateStore {
 public:
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  virtual ~StateStore() = default;
  // The value of `key`, or nullopt.
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  // Writes every pair and removes every key of `deletes` (after the puts), all
  // or none (a crash leaves the store as before or as after).
  virtual Status Apply(std::span<const std::pair<std::string, std::string>> puts,
                       std::span<const std::string> deletes) = 0;
  Status Write(std::span<const std::pair<std::string, std::string>> puts) { return Apply(puts, {}); }
  // visit(key, value) for every key that begins with `prefix`, in byte order,
  // until visit returns false.
  virtual Status Scan(std::string_view prefix, const Visitor& visit) = 0;
  // Removes every key.
  virtual Status Clear() = 0;
};

// Whether a store that folded each partition p of `log` up to `folded[p]`
// (exclusive), the event at folded[p] - 1 hashing to `tails[p]`, is the fold
// of a prefix of this log: false when it is ahead of the log, of another
// partition count, or of another log (a tail that differs). `ends` are the
// log's end offsets. A record that does not decode is an error naming it.
Result<bool> FoldFollowsLog(EventLog& log, std::span<const int64_t> folded, std::span<const Hash> tails,
                            std::span<const int64_t> ends);

// Where a command's events are: answers a replayed command id.
struct CommandRecord {
  StreamId stream;
  uint64_t first_seq = 0;
  size_t count = 0;
  int32_t partition = -1;
  int64_t first_offset = -1;
};

struct WriteStateMeta {
  std::vector<int64_t> folded;  // per partition: every record before it is in the state
  // Per partition: the hash of the event at folded - 1 (zeros when folded is
  // 0). Open checks it against the log: a store of another log is rebuilt.
  std::vector<Hash> tails;
  uint64_t event_count = 0;
  uint64_t stream_count = 0;
  std::vector<std::string> pending_erasures;  // erased accounts whose key is still to destroy
};

// `with_birth_date`: false when the log seals personal data (the date is then
// opened from the log on demand, never stored in clear here).
std::string EncodeAccountState(const AccountState& s, bool with_birth_date);
Result<AccountState> DecodeAccountState(std::string_view bytes);
std::string EncodeEstablishmentState(const EstablishmentState& s);
Result<EstablishmentState> DecodeEstablishmentState(std::string_view bytes);
std::string EncodeCommandRecord(const CommandRecord& r);
Result<CommandRecord> DecodeCommandRecord(std::string_view bytes);
std::string EncodeWriteStateMeta(const WriteStateMeta& m);
Result<WriteStateMeta> DecodeWriteStateMeta(std::string_view bytes);

}  // namespace ledger
