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
                                                             PersonalDataVault* vault) {
  std::unique_ptr<CommandHandler> h(new CommandHandler(log, std::move(clock), vault));
  LEDGER_RETURN_IF_ERROR(h->Load());
  h->DestroyErasedKeys();  // an erasure durable in the log whose key outlived a crash
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
  AccountState& s = accounts_.at(id);
  if (vault_ == nullptr || s.birth_date || s.created_offset < 0 || !s.is_pupil()) return OkStatus();
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
  return ScanLog(log_, [this](const LogRecord& rec, const DecodedRecord& d) { return ApplyLoaded(rec, d); });
}

Status CommandHandler::ApplyLoaded(const LogRecord& rec, const DecodedRecord& d) {
  const Event& e = d.event;
  const bool est = IsEstablishmentStream(e.stream.str());
  StreamPosition& pos = est ? establishments_[e.stream.str()].position
                            : accounts_[e.stream.str()].position;
  ChainHead head{pos.seq, pos.last_hash, pos.last_at};
  LEDGER_RETURN_IF_ERROR(VerifyAndAdvance(head, d));
  if (est) {
    Apply(establishments_[e.stream.str()], e);
  } else {
    AccountState& s = accounts_[e.stream.str()];
    Apply(s, e);
    if (std::holds_alternative<AccountCreated>(e.payload)) s.created_offset = rec.offset;
    if (IsErasure(e)) erasures_.push_back(e.stream.str());
  }
  CommandRecord& cr = commands_[e.command_id.str()];
  if (cr.count == 0) cr = CommandRecord{e.stream, e.seq, 0, rec.partition, rec.offset};
  ++cr.count;
  ++event_count_;
  return OkStatus();
}

const AccountState* CommandHandler::account(const AccountId& id) const {
  auto it = accounts_.find(id.str());
  return it == accounts_.end() ? nullptr : &it->second;
}

const EstablishmentState* CommandHandler::establishment(const Uai& uai) const {
  auto it = establishments_.find(EstablishmentStream(uai).str());
  return it == establishments_.end() ? nullptr : &it->second;
}

DecideContext CommandHandler::ContextFor(const Command& c) const {
  DecideContext ctx;
  if (const auto* l = std::get_if<LinkGuardian>(&c.body)) ctx.pupil = account(l->pupil);
  if (const auto* u = std::get_if<UpdateGuardianLink>(&c.body)) ctx.pupil = account(u->pupil);
  if (const auto* m = std::get_if<CloseAccount>(&c.body)) ctx.merge_target = account(m->merged_into);
  if (c.actor.kind == ActorKind::kStaff || c.actor.kind == ActorKind::kEstablishmentHead)
    ctx.establishment = establishment(c.actor.uai);
  return ctx;
}

Result<Outcome> CommandHandler::Decide(const Command& c) {
  if (!poisoned_.ok()) return poisoned_;
  if (c.id.empty()) return InvalidArgument("a command needs a command id (for idempotency)");
  if (auto it = commands_.find(c.id.str()); it != commands_.end()) {
    const CommandRecord& r = it->second;
    return Outcome{r.stream, r.first_seq, r.count, /*replayed=*/true, {}, r.partition, r.first_offset};
  }
  const StreamId stream = TargetStream(c.body);
  const bool est = IsEstablishmentStream(stream.str());
  // Look up without inserting: a rejected command must leave no trace.
  static const AccountState kNoAccount;
  static const EstablishmentState kNoEstablishment;
  const AccountState* acc = est ? nullptr : account(AccountId(stream.str()));
  const EstablishmentState* es = est ? establishment(Uai(stream.str().substr(4))) : nullptr;
  const StreamPosition& pos = est ? (es ? es->position : kNoEstablishment.position)
                                  : (acc ? acc->position : kNoAccount.position);
  if (c.at < pos.last_at)
    return FailedPrecondition("command " + c.id.str() + " is dated " + FormatRfc3339(c.at) +
                              ", before the last event of " + stream.str() + " (" +
                              FormatRfc3339(pos.last_at) + ")");
  if (acc != nullptr && std::holds_alternative<ActivateAccount>(c.body))
    LEDGER_RETURN_IF_ERROR(OpenBirthDate(stream.str()));
  Result<std::vector<Payload>> decided =
      est ? DecideEstablishment(es ? *es : kNoEstablishment, c)
          : DecideAccount(acc ? *acc : kNoAccount, c, ContextFor(c));
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
  // The offset is known once the append completes (at the latest at Flush):
  // the callback fills it in both the command's record and the batch's results.
  const std::string cmd_id = c.id.str();
  Status queued = log_.AppendAsync(stream.str(), records, [this, cmd_id](int64_t first) {
    commands_[cmd_id].first_offset = first;
    if (auto it = pending_offsets_.find(cmd_id); it != pending_offsets_.end()) *it->second = first;
  });
  if (!queued.ok()) {
    poisoned_ = Unavailable("append to the log failed, reopen the ledger: " + queued.ToString());
    return poisoned_;
  }
  out.first_seq = out.events.front().seq;
  out.count = out.events.size();
  out.partition = PartitionForKey(stream.str(), log_.partition_count());
  out.first_offset = commands_.count(cmd_id) ? commands_[cmd_id].first_offset : -1;
  for (const Event& e : out.events) {
    if (est) {
      Apply(establishments_[stream.str()], e);
    } else {
      Apply(accounts_[stream.str()], e);
    }
  }
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
    const bool decide = batch_failed_.ok() || commands_.count(c.id.str()) > 0;
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
  return results;
}

}  // namespace ledger
