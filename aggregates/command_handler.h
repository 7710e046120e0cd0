// CommandHandler: the ledger's write path.
//
// For each command: load the target aggregate's state, decide, seal the new
// events into the stream's hash chain, append them to the EventLog, and only
// then acknowledge. Idempotent by command id: the log itself records every
// event's causing command, so a command id already in the log — appended by
// this process or by an earlier one before a crash or restart — is answered
// from the log (`replayed`) and never yields a second event.
//
// State: without a StateStore, every stream's state and every command id are
// held in memory, built at Open by folding the whole log (every partition
// from offset 0). With one (write_state.h), memory holds a cache of at most
// `cache_streams` streams between batches (least recently used evicted; a
// batch may touch more, evicted once it is durable); the rest is read from
// the store, which is written after each flush, and Open folds only the log
// past what the store holds (committing every `cache_streams` streams, so a
// first fold of a national log stays bounded too). Either way each stream's
// sequence and hash chain are verified as they are folded: a log that does
// not verify is not written to (Open fails with DataLoss naming the
// partition and offset). A store that fails makes the handler poisoned, like
// the log (the batch whose store write failed is durable in the log and
// answered as such).
//
// Durability: Handle() returns only after EventLog::Flush(); HandleBatch()
// appends a whole batch then flushes once (group commit) before returning.
// If an append or a flush fails the handler is poisoned: every later call
// returns Unavailable, and the caller reopens (the log is the truth).
//
// Personal data (events/personal_data.h): with a vault, each batch first
// names the accounts it creates to the vault, which makes their keys (on
// another core for big batches); every AccountCreated is sealed — once its
// key is durable — before it is hashed and appended. If the key store fails
// during a batch, the command whose creation could not be sealed and every
// later command of the batch get Unavailable (nothing appended for them; the
// earlier ones are kept and acknowledged, replays still answered from the
// log); the next batch tries again. The vault's batch ends (FinishBatch) when
// HandleBatch returns or throws: its worker reads the commands. After the
// flush that made an erasure durable, the erased account's key is destroyed
// (and again at Open for any erasure whose key outlived a crash). A pupil's
// birth date, needed to activate, is opened on demand from the log. Without
// a vault, events are written in clear (schema 1): tests of other rules.
//
// Thread-safety: not thread-safe; one handler per log writer.
#pragma once

#include <functional>
#include <list>
#include <memory>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "aggregates/account.h"
#include "aggregates/command.h"
#include "aggregates/establishment.h"
#include "aggregates/write_state.h"
#include "events/codec.h"
#include "events/event_log.h"
#include "events/personal_data.h"

namespace ledger {

// recorded_at of new events. Injected so tests and simulations are repeatable.
using Clock = std::function<Timestamp()>;

struct Outcome {
  StreamId stream;
  uint64_t first_seq = 0;   // 0 when the command was accepted but changed nothing
  size_t count = 0;         // events appended (or found, when replayed)
  bool replayed = false;    // the command id was already in the log: nothing appended
  std::vector<Event> events;  // the new events (empty when replayed)
  int32_t partition = -1;
  int64_t first_offset = -1;
};

struct WriteStateOptions {
  StateStore* store = nullptr;  // null: the whole state in memory
  size_t cache_streams = 200'000;  // with a store: streams kept in memory between batches
};

class CommandHandler {
 public:
  static Result<std::unique_ptr<CommandHandler>> Open(EventLog& log, Clock clock,
                                                      PersonalDataVault* vault = nullptr,
                                                      WriteStateOptions state = {});

  // Decides and appends one command, durably. Rejections: the Status of the
  // rule that refused (nothing appended). Unavailable if the log failed.
  Result<Outcome> Handle(const Command& c);

  // Decides and appends each command in order (each sees the effects of the
  // previous ones), flushes once, then returns one result per command. If the
  // flush fails, every accepted command's result becomes that error.
  std::vector<Result<Outcome>> HandleBatch(std::span<const Command> commands);

  // Current state, or null (also when the store cannot be read). Owned by
  // the handler; valid until the next call.
  const AccountState* account(const AccountId& id);
  const EstablishmentState* establishment(const Uai& uai);

  size_t event_count() const { return event_count_; }
  size_t stream_count() const { return stream_count_; }
  // Streams whose state is in memory now (with a store: <= cache_streams between batches).
  size_t cached_streams() const { return accounts_.size() + establishments_.size(); }

 private:
  template <typename State>
  struct Cached {
    State state;
    std::list<std::string>::iterator lru;  // with a store: its place in lru_
  };
  template <typename State>
  using Cache = std::unordered_map<std::string, Cached<State>>;

  CommandHandler(EventLog& log, Clock clock, PersonalDataVault* vault, WriteStateOptions state)
      : log_(log), clock_(std::move(clock)), vault_(vault), store_(state.store),
        cache_streams_(state.cache_streams) {}
  Status Load();
  Status LoadMeta();
  Status PrepareKeys(std::span<const Command> commands);
  Status OpenBirthDate(const std::string& account);
  // With a state store, a pupil's state keeps the creation's ciphertext for
  // OpenBirthDate (a guardian's keeps none: nothing of theirs is opened).
  void KeepSealedCreation(AccountState& acc, const AccountCreated& created) const {
    if (store_ != nullptr && acc.is_pupil()) acc.sealed_creation = created.sealed;
  }
  void DestroyErasedKeys();
  Status ApplyLoaded(const LogRecord& rec, const DecodedRecord& d);
  Result<Outcome> Decide(const Command& c);  // and append, without flush
  Result<DecideContext> ContextFor(const Command& c);

  // The cache, read through to the store: null when the stream has no state.
  template <typename State>
  Result<State*> Find(Cache<State>& cache, const std::string& stream);
  // The stream's state to change (created when new), marked to be stored.
  template <typename State>
  Result<State*> ToWrite(Cache<State>& cache, const std::string& stream);
  Result<std::optional<CommandRecord>> FindCommand(const std::string& id);
  // With a store: writes what changed since the last commit, with how far
  // the log is folded, then evicts down to cache_streams. `keep`: a command
  // whose record stays in memory (one being folded across the commit).
  Status CommitState(const std::string* keep = nullptr);
  void Evict();

  EventLog& log_;
  Clock clock_;
  PersonalDataVault* vault_;
  StateStore* store_;
  size_t cache_streams_;
  std::list<std::string> lru_;  // with a store: cached streams, most recently used first
  std::unordered_set<std::string> dirty_;  // with a store: streams changed since the commit
  std::vector<int64_t> folded_;  // with a store: per partition, the next offset not in the state
  std::vector<Hash> tails_;      // with a store: per partition, the hash of the event before it
  size_t stream_count_ = 0;
  std::vector<std::string> erasures_;  // accounts whose key is still to destroy
  Status poisoned_;
  Status batch_failed_;  // during HandleBatch: the key store failed, the rest is refused
  std::vector<AccountToCreate> to_create_;  // the batch's new accounts, named to the vault
  size_t event_count_ = 0;
  Cache<AccountState> accounts_;
  Cache<EstablishmentState> establishments_;
  // Every command id (without a store), or those since the last commit.
  std::unordered_map<std::string, CommandRecord> commands_;
  // During HandleBatch: command id -> where its result's first_offset goes.
  std::unordered_map<std::string, int64_t*> pending_offsets_;
};

}  // namespace ledger
