#include "aggregates/command_handler.h"

#include "events/codec.h"
#include "events/hash_chain.h"
#include "events/identifiers.h"
#include "events/log_scan.h"

namespace ledger {
namespace {

bool IsEstablishmentStream(const std::string& stream) { return stream.rfind("uai:", 0) == 0; }

bool IsErasure(const Event& e) {
  const auto* c = std::get_if<AccountClosed>(&e.payload);
  return c != nullptr && c->reason == "erased";
}

}  // namespace

Result<std::unique_ptr<CommandHandler>> CommandHandler::Open(EventLog& log, Clock clock,
                                                             PersonalDataVault* vault,
                                                             WriteStateOptions state) {
  if (state.store != nullptr && state.cache_streams == 0)
    return InvalidArgument("the write path's cache needs room for at least one stream");
  std::unique_ptr<CommandHandler> h(new CommandHandler(log, std::move(clock), vault, state));
  LEDGER_RETURN_IF_ERROR(h->Load());
  h->DestroyErasedKeys();  // an erasure durable in the log whose key outlived a crash
  LEDGER_RETURN_IF_ERROR(h->CommitState());
  return h;
}

void CommandHandler::DestroyErasedKeys() {
  if (vault_ == nullptr) {
    erasures_.clear();
    return;
  }
  std::vector<std::string> left;
  for (const std::string& account : erasures_)
    if (!vault_->Erase(account).ok()) left.push_back(account);  // tried again after the next batch
  erasures_ = std::move(left);
}

Status CommandHandler::PrepareKeys(std::span<const Command> commands) {
  if (vault_ == nullptr) return OkStatus();
  // An account the log holds gets no key (a replayed CreateAccount's account
  // is in the log too); one created twice in the batch, the vault sorts out.
  to_create_.clear();
  for (const Command& c : commands)
    if (const auto* create = std::get_if<CreateAccount>(&c.body); create != nullptr && account(create->account) == nullptr)
      to_create_.push_back(AccountToCreate{create->account.str(), &create->data});
  if (to_create_.empty()) return OkStatus();
  Status s = vault_->PrepareKeys(to_create_);
  if (!s.ok()) return Unavailable("the key store failed, nothing was appended (retry the same commands): " + s.ToString());
  return OkStatus();
}

// A sealed account's birth date, opened from its AccountCreated in the log.
Status CommandHandler::OpenBirthDate(const std::string& id) {
  AccountState& s = accounts_.at(id).state;
  if (vault_ == nullptr || s.birth_date || !s.is_pupil()) return OkStatus();
  if (!s.sealed_creation.empty()) {  // kept with the state: no read of the log
    AccountCreated created;
    created.personal = PersonalData::kSealed;
    created.sealed = s.sealed_creation;
    LEDGER_RETURN_IF_ERROR(vault_->Open(StreamId(id), created));
    s.birth_date = created.birth_date;
    return OkStatus();
  }
  if (s.created_offset < 0) return OkStatus();
  const int32_t partition = PartitionForKey(id, log_.partition_count());
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, log_.OpenReader(partition, s.created_offset));
  LEDGER_ASSIGN_OR_RETURN(std::optional<LogRecord> rec, reader->Next());
  if (!rec) return DataLoss(LogPosition(partition, s.created_offset) + ": the creation of " + id + " is missing");
  LEDGER_ASSIGN_OR_RETURN(DecodedRecord d, DecodeLogRecord(*rec));
  auto* created = std::get_if<AccountCreated>(&d.event.payload);
  if (created == nullptr || d.event.stream.str() != id)
    return DataLoss(LogPosition(partition, s.created_offset) + ": not the creation of " + id);
  LEDGER_RETURN_IF_ERROR(vault_->Open(d.event.stream, *created));
  s.birth_date = created->birth_date;  // none once erased: the account is closed then anyway
  return OkStatus();
}

Status CommandHandler::Load() {
  if (store_ == nullptr)
    return ScanLog(log_, [this](const LogRecord& rec, const DecodedRecord& d) { return ApplyLoaded(rec, d); });
  LEDGER_RETURN_IF_ERROR(LoadMeta());
  std::string last_command;  // a command's events may straddle a commit of the fold
  return ScanLog(log_, folded_, [&](const LogRecord& rec, const DecodedRecord& d) {
    LEDGER_RETURN_IF_ERROR(ApplyLoaded(rec, d));
    folded_[rec.partition] = rec.offset + 1;
    tails_[rec.partition] = d.event.hash;
    last_command = d.event.command_id.str();
    return dirty_.size() >= cache_streams_ ? CommitState(&last_command) : OkStatus();
  });
}

// How far the store has folded the log. A store that is not the fold of a
// prefix of this log (ahead of it, or of another partition count) is cleared:
// the state is rebuilt from the log, which is the truth.
Status CommandHandler::LoadMeta() {
  LEDGER_ASSIGN_OR_RETURN(std::vector<int64_t> ends, log_.EndOffsets());
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> bytes, store_->Get("m"));
  WriteStateMeta meta;
  if (bytes) {
    LEDGER_ASSIGN_OR_RETURN(meta, DecodeWriteStateMeta(*bytes));
  }
  LEDGER_ASSIGN_OR_RETURN(bool follows, FoldFollowsLog(log_, meta.folded, meta.tails, ends));
  if (!follows) {
    if (bytes) LEDGER_RETURN_IF_ERROR(store_->Clear());
    meta = WriteStateMeta{};
    meta.folded.assign(ends.size(), 0);
    meta.tails.assign(ends.size(), Hash{});
  }
  folded_ = std::move(meta.folded);
  tails_ = std::move(meta.tails);
  event_count_ = meta.event_count;
  stream_count_ = meta.stream_count;
  erasures_ = std::move(meta.pending_erasures);
  return OkStatus();
}

Result<bool> FoldFollowsLog(EventLog& log, std::span<const int64_t> folded, std::span<const Hash> tails,
                            std::span<const int64_t> ends) {
  if (folded.size() != ends.size() || tails.size() != ends.size()) return false;
  for (size_t p = 0; p < ends.size(); ++p) {
    if (folded[p] > ends[p]) return false;
    if (folded[p] == 0) continue;
    const int32_t partition = static_cast<int32_t>(p);
    LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, log.OpenReader(partition, folded[p] - 1));
    LEDGER_ASSIGN_OR_RETURN(std::optional<LogRecord> rec, reader->Next());
    if (!rec) return false;
    Result<DecodedRecord> d = DecodeLogRecord(*rec);
    if (!d.ok()) return d.status().WithContext(LogPosition(partition, rec->offset));
    if (d->event.hash != tails[p]) return false;
  }
  return true;
}

Status CommandHandler::ApplyLoaded(const LogRecord& rec, const DecodedRecord& d) {
  const Event& e = d.event;
  const std::string& stream = e.stream.str();
  const bool est = IsEstablishmentStream(stream);
  AccountState* acc = nullptr;
  EstablishmentState* es = nullptr;
  if (est) {
    LEDGER_ASSIGN_OR_RETURN(es, ToWrite(establishments_, stream));
  } else {
    LEDGER_ASSIGN_OR_RETURN(acc, ToWrite(accounts_, stream));
  }
  StreamPosition& pos = est ? es->position : acc->position;
  ChainHead head{pos.seq, pos.last_hash, pos.last_at};
  LEDGER_RETURN_IF_ERROR(VerifyAndAdvance(head, d));
  if (est) {
    Apply(*es, e);
  } else {
    Apply(*acc, e);
    if (const auto* created = std::get_if<AccountCreated>(&e.payload)) {
      acc->created_offset = rec.offset;
      KeepSealedCreation(*acc, *created);
    }
    if (IsErasure(e)) erasures_.push_back(stream);
  }
  if (e.seq == 1) ++stream_count_;
  auto [it, inserted] = commands_.try_emplace(e.command_id.str());
  CommandRecord& cr = it->second;
  if (inserted) cr = CommandRecord{e.stream, e.seq, 0, rec.partition, rec.offset};
  ++cr.count;
  ++event_count_;
  return OkStatus();
}

template <typename State>
Result<State*> CommandHandler::Find(Cache<State>& cache, const std::string& stream) {
  if (auto it = cache.find(stream); it != cache.end()) {
    if (store_ != nullptr) lru_.splice(lru_.begin(), lru_, it->second.lru);
    return &it->second.state;
  }
  if (store_ == nullptr) return static_cast<State*>(nullptr);
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> bytes, store_->Get("s" + stream));
  if (!bytes) return static_cast<State*>(nullptr);
  Result<State> decoded = [&] {
    if constexpr (std::is_same_v<State, AccountState>) {
      return DecodeAccountState(*bytes);
    } else {
      return DecodeEstablishmentState(*bytes);
    }
  }();
  if (!decoded.ok()) return decoded.status().WithContext("the write state of " + stream);
  lru_.push_front(stream);
  auto& cached = cache[stream];
  cached = Cached<State>{std::move(*decoded), lru_.begin()};
  return &cached.state;
}

template <typename State>
Result<State*> CommandHandler::ToWrite(Cache<State>& cache, const std::string& stream) {
  LEDGER_ASSIGN_OR_RETURN(State * found, Find(cache, stream));
  if (store_ != nullptr) dirty_.insert(stream);
  if (found != nullptr) return found;
  auto& cached = cache[stream];
  if (store_ != nullptr) {
    lru_.push_front(stream);
    cached.lru = lru_.begin();
  }
  return &cached.state;
}

Result<std::optional<CommandRecord>> CommandHandler::FindCommand(const std::string& id) {
  if (auto it = commands_.find(id); it != commands_.end()) return std::optional<CommandRecord>(it->second);
  if (store_ == nullptr) return std::optional<CommandRecord>();
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> bytes, store_->Get("c" + id));
  if (!bytes) return std::optional<CommandRecord>();
  Result<CommandRecord> decoded = DecodeCommandRecord(*bytes);
  if (!decoded.ok()) return decoded.status().WithContext("the write state of command " + id);
  return std::optional<CommandRecord>(std::move(*decoded));
}

Status CommandHandler::CommitState(const std::string* keep) {
  if (store_ == nullptr) return OkStatus();
  std::vector<std::pair<std::string, std::string>> puts;
  puts.reserve(dirty_.size() + commands_.size() + 1);
  for (const std::string& stream : dirty_) {
    if (IsEstablishmentStream(stream)) {
      puts.emplace_back("s" + stream, EncodeEstablishmentState(establishments_.at(stream).state));
    } else {
      puts.emplace_back("s" + stream, EncodeAccountState(accounts_.at(stream).state, vault_ == nullptr));
    }
  }
  for (const auto& [id, record] : commands_) puts.emplace_back("c" + id, EncodeCommandRecord(record));
  puts.emplace_back("m", EncodeWriteStateMeta(WriteStateMeta{folded_, tails_, event_count_, stream_count_, erasures_}));
  if (Status s = store_->Write(puts); !s.ok()) {
    poisoned_ = Unavailable("writing the write path's state failed, reopen the ledger: " + s.ToString());
    return poisoned_;
  }
  dirty_.clear();
  std::optional<CommandRecord> kept;
  if (keep != nullptr)
    if (auto it = commands_.find(*keep); it != commands_.end()) kept = it->second;
  commands_.clear();
  if (kept) commands_.emplace(*keep, *kept);
  Evict();
  return OkStatus();
}

void CommandHandler::Evict() {
  while (lru_.size() > cache_streams_) {
    const std::string& stream = lru_.back();
    if (IsEstablishmentStream(stream)) {
      establishments_.erase(stream);
    } else {
      accounts_.erase(stream);
    }
    lru_.pop_back();
  }
}

const AccountState* CommandHandler::account(const AccountId& id) {
  Result<AccountState*> found = Find(accounts_, id.str());
  return found.ok() ? *found : nullptr;
}

const EstablishmentState* CommandHandler::establishment(const Uai& uai) {
  Result<EstablishmentState*> found = Find(establishments_, EstablishmentStream(uai).str());
  return found.ok() ? *found : nullptr;
}

Result<DecideContext> CommandHandler::ContextFor(const Command& c) {
  DecideContext ctx;
  auto account_of = [this](const AccountId& id) -> Result<const AccountState*> {
    LEDGER_ASSIGN_OR_RETURN(AccountState * s, Find(accounts_, id.str()));
    return s;
  };
  if (const auto* l = std::get_if<LinkGuardian>(&c.body)) {
    LEDGER_ASSIGN_OR_RETURN(ctx.pupil, account_of(l->pupil));
  }
  if (const auto* u = std::get_if<UpdateGuardianLink>(&c.body)) {
    LEDGER_ASSIGN_OR_RETURN(ctx.pupil, account_of(u->pupil));
  }
  if (const auto* m = std::get_if<CloseAccount>(&c.body)) {
    LEDGER_ASSIGN_OR_RETURN(ctx.merge_target, account_of(m->merged_into));
  }
  if (c.actor.kind == ActorKind::kStaff || c.actor.kind == ActorKind::kEstablishmentHead) {
    LEDGER_ASSIGN_OR_RETURN(ctx.establishment, Find(establishments_, EstablishmentStream(c.actor.uai).str()));
  }
  return ctx;
}

Result<Outcome> CommandHandler::Decide(const Command& c) {
  if (!poisoned_.ok()) return poisoned_;
  if (c.id.empty()) return InvalidArgument("a command needs a command id (for idempotency)");
  LEDGER_ASSIGN_OR_RETURN(std::optional<CommandRecord> replayed, FindCommand(c.id.str()));
  if (replayed) {
    const CommandRecord& r = *replayed;
    return Outcome{r.stream, r.first_seq, r.count, /*replayed=*/true, {}, r.partition, r.first_offset};
  }
  const StreamId stream = TargetStream(c.body);
  const bool est = IsEstablishmentStream(stream.str());
  // Look up without inserting: a rejected command must leave no trace.
  static const AccountState kNoAccount;
  static const EstablishmentState kNoEstablishment;
  AccountState* acc = nullptr;
  EstablishmentState* es = nullptr;
  if (est) {
    LEDGER_ASSIGN_OR_RETURN(es, Find(establishments_, stream.str()));
  } else {
    LEDGER_ASSIGN_OR_RETURN(acc, Find(accounts_, stream.str()));
  }
  const StreamPosition& pos = est ? (es ? es->position : kNoEstablishment.position)
                                  : (acc ? acc->position : kNoAccount.position);
  if (c.at < pos.last_at)
    return FailedPrecondition("command " + c.id.str() + " is dated " + FormatRfc3339(c.at) +
                              ", before the last event of " + stream.str() + " (" +
                              FormatRfc3339(pos.last_at) + ")");
  if (acc != nullptr && std::holds_alternative<ActivateAccount>(c.body))
    LEDGER_RETURN_IF_ERROR(OpenBirthDate(stream.str()));
  DecideContext ctx;
  if (!est) {
    LEDGER_ASSIGN_OR_RETURN(ctx, ContextFor(c));
  }
  Result<std::vector<Payload>> decided =
      est ? DecideEstablishment(es ? *es : kNoEstablishment, c) : DecideAccount(acc ? *acc : kNoAccount, c, ctx);
  if (!decided.ok()) return decided.status();
  Outcome out;
  out.stream = stream;
  if (decided->empty()) return out;  // accepted, nothing changed

  std::vector<std::string> records;
  uint64_t seq = pos.seq;
  Hash prev = pos.last_hash;
  const Timestamp recorded_at = clock_();
  for (Payload& p : *decided) {
    Event e;
    e.seq = ++seq;
    e.stream = stream;
    e.event_id = MakeEventId(stream, e.seq);
    e.occurred_at = c.at;
    e.recorded_at = recorded_at;
    e.actor = c.actor;
    e.command_id = c.id;
    e.prev_hash = prev;
    e.payload = std::move(p);
    if (vault_ != nullptr) {
      Status sealed = vault_->Seal(e);
      // The key store failed under the batch: its later creations would fail
      // too, and what depends on them be refused for the wrong reason.
      if (sealed.code() == StatusCode::kUnavailable) batch_failed_ = sealed;
      LEDGER_RETURN_IF_ERROR(sealed);
    }
    records.push_back(SealEvent(e));
    prev = e.hash;
    out.events.push_back(std::move(e));
  }
  if (est) {
    LEDGER_ASSIGN_OR_RETURN(es, ToWrite(establishments_, stream.str()));
  } else {
    LEDGER_ASSIGN_OR_RETURN(acc, ToWrite(accounts_, stream.str()));
  }
  // The offset is known once the append completes (at the latest at Flush):
  // the callback fills it in both the command's record and the batch's results.
  const std::string cmd_id = c.id.str();
  const int32_t partition = PartitionForKey(stream.str(), log_.partition_count());
  const int64_t appended = static_cast<int64_t>(records.size());
  Status queued = log_.AppendAsync(
      stream.str(), records, [this, cmd_id, partition, appended, prev](int64_t first) {
        commands_[cmd_id].first_offset = first;
        if (store_ != nullptr && first + appended >= folded_[partition]) {
          folded_[partition] = first + appended;
          tails_[partition] = prev;
        }
        if (auto it = pending_offsets_.find(cmd_id); it != pending_offsets_.end()) *it->second = first;
      });
  if (!queued.ok()) {
    poisoned_ = Unavailable("append to the log failed, reopen the ledger: " + queued.ToString());
    return poisoned_;
  }
  out.first_seq = out.events.front().seq;
  out.count = out.events.size();
  out.partition = partition;
  for (const Event& e : out.events) {
    if (est) {
      Apply(*es, e);
    } else {
      Apply(*acc, e);
      if (const auto* created = std::get_if<AccountCreated>(&e.payload)) KeepSealedCreation(*acc, *created);
    }
  }
  if (out.first_seq == 1) ++stream_count_;
  event_count_ += out.count;
  CommandRecord& rec = commands_[cmd_id];  // may already hold the offset (synchronous adapters)
  rec = CommandRecord{stream, out.first_seq, out.count, out.partition, rec.first_offset};
  out.first_offset = rec.first_offset;
  return out;
}

Result<Outcome> CommandHandler::Handle(const Command& c) {
  auto results = HandleBatch(std::span<const Command>(&c, 1));
  return std::move(results.front());
}

std::vector<Result<Outcome>> CommandHandler::HandleBatch(std::span<const Command> commands) {
  std::vector<Result<Outcome>> results;
  results.reserve(commands.size());
  if (Status keys = poisoned_.ok() ? PrepareKeys(commands) : poisoned_; !keys.ok()) {
    results.assign(commands.size(), keys);
    return results;
  }
  bool appended = false;
  batch_failed_ = OkStatus();
  // The vault's batch ends with this call, however it ends (its worker reads the commands).
  struct EndBatch {
    PersonalDataVault* vault;
    void Now() {
      if (vault != nullptr) vault->FinishBatch();
      vault = nullptr;
    }
    ~EndBatch() { Now(); }
  } end_batch{vault_};
  for (const Command& c : commands) {
    // After a key store failure, a replay still gets its recorded outcome.
    const bool decide = batch_failed_.ok() || [&] {
      Result<std::optional<CommandRecord>> replay = FindCommand(c.id.str());
      return !replay.ok() || replay->has_value();  // a store failure is Decide's to report
    }();
    results.push_back(decide ? Decide(c) : Result<Outcome>(batch_failed_));
    if (results.back().ok() && results.back()->count > 0 && !results.back()->replayed) {
      appended = true;
      if (results.back()->first_offset < 0)  // filled in by the log when the append completes
        pending_offsets_[c.id.str()] = &results.back()->first_offset;
    }
  }
  if (appended) {
    Status flushed = log_.Flush();
    if (!flushed.ok()) {
      poisoned_ = Unavailable("flushing the log failed, reopen the ledger: " + flushed.ToString());
      for (auto& r : results)
        if (r.ok() && r->count > 0 && !r->replayed) r = poisoned_;
    } else {
      // Durable now: an erasure's key may go (never before its event is in the log).
      for (const auto& r : results)
        if (r.ok() && !r->replayed)
          for (const Event& e : r->events)
            if (IsErasure(e)) erasures_.push_back(e.stream.str());
    }
  }
  end_batch.Now();  // before the erasures destroy keys
  if (!erasures_.empty()) DestroyErasedKeys();
  pending_offsets_.clear();
  // The batch is durable in the log and answered as such even if its state
  // cannot be stored (the handler is then poisoned: the next call reopens).
  if (poisoned_.ok() && (appended || !dirty_.empty())) {
    Status committed = CommitState();  // poisons the handler when it fails
    (void)committed;
  }
  return results;
}

}  // namespace ledger
