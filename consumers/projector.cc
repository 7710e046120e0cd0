#include "consumers/projector.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <unordered_map>

#include "events/log_scan.h"
#include "projections/stats.h"

namespace ledger {
namespace {

bool IsEstablishmentStream(const std::string& s) { return s.rfind("uai:", 0) == 0; }

// Events that can move an account's statistics contribution.
bool MovesStats(const Payload& p) {
  return std::holds_alternative<AccountCreated>(p) || std::holds_alternative<AccountNotified>(p) ||
         std::holds_alternative<AccountActivated>(p) || std::holds_alternative<GuardianLinked>(p) ||
         std::holds_alternative<GuardianLinkUpdated>(p) ||
         std::holds_alternative<GuardianUnlinked>(p) || std::holds_alternative<PupilTransferred>(p) ||
         std::holds_alternative<ClassChanged>(p) || std::holds_alternative<AccountClosed>(p);
}

const AccountId* LinkedPupil(const Payload& p) {
  if (auto* e = std::get_if<GuardianLinked>(&p)) return &e->pupil;
  if (auto* e = std::get_if<GuardianLinkUpdated>(&p)) return &e->pupil;
  if (auto* e = std::get_if<GuardianUnlinked>(&p)) return &e->pupil;
  if (auto* e = std::get_if<LinkConfirmed>(&p)) return &e->pupil;
  if (auto* e = std::get_if<LinkDisputed>(&p)) return &e->pupil;
  return nullptr;
}

// The state one batch reads and changes, loaded from the store on first use.
class BatchState {
 public:
  explicit BatchState(const ProjectionDb& db) : db_(db) {}

  Result<ChainHead*> Head(const std::string& stream) {
    auto it = heads_.find(stream);
    if (it != heads_.end()) return &it->second;
    LEDGER_ASSIGN_OR_RETURN(std::optional<ChainHead> h, db_.Head(stream));
    return &heads_.emplace(stream, h.value_or(ChainHead{})).first->second;
  }
  Result<AccountView*> View(const std::string& account) {
    auto it = views_.find(account);
    if (it != views_.end()) return &it->second;
    LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> v, db_.View(account));
    return &views_.emplace(account, v.value_or(AccountView{})).first->second;
  }
  void Dirty(const std::string& stream) { dirty_streams_.insert(stream); }
  void DirtyLink(const std::string& guardian, const std::string& pupil) {
    dirty_links_.emplace(guardian, pupil);
  }
  void AddStats(const StatTable& delta, Timestamp at) { Accumulate(stats_[DateOf(at)], delta); }

  void WriteTo(ProjectionDb::Batch& b) {
    for (const std::string& s : dirty_streams_) {
      if (auto it = views_.find(s); it != views_.end()) {
        b.PutView(it->second);  // an account's chain head is part of its view
      } else {
        b.PutHead(s, heads_.at(s));
      }
    }
    for (const auto& [g, p] : dirty_links_) b.PutLink(views_.at(g).links.at(p));
    for (const auto& [day, table] : stats_) b.AddStats(table, StartOfDay(day));
  }

 private:
  const ProjectionDb& db_;
  std::unordered_map<std::string, ChainHead> heads_;
  std::unordered_map<std::string, AccountView> views_;
  std::set<std::string> dirty_streams_;
  std::set<std::pair<std::string, std::string>> dirty_links_;
  std::map<Date, StatTable> stats_;
};

// Folds one decoded record; a chain failure is returned for quarantine.
Status ApplyRecord(BatchState& st, ProjectionDb::Batch& b, const LogRecord& rec,
                   const DecodedRecord& d) {
  const Event& e = d.event;
  const std::string& stream = e.stream.str();
  if (IsEstablishmentStream(stream)) {
    LEDGER_ASSIGN_OR_RETURN(ChainHead * head, st.Head(stream));
    ChainHead next = *head;
    LEDGER_RETURN_IF_ERROR(VerifyAndAdvance(next, d));
    *head = next;
    st.Dirty(stream);
    b.PutHistory(stream, e.seq, rec.value);
    return OkStatus();
  }
  LEDGER_ASSIGN_OR_RETURN(AccountView * v, st.View(stream));
  ChainHead head{v->seq, v->last_hash, v->exists() ? v->updated_at : Timestamp{INT64_MIN}};
  LEDGER_RETURN_IF_ERROR(VerifyAndAdvance(head, d));
  st.Dirty(stream);
  b.PutHistory(stream, e.seq, rec.value);
  if (MovesStats(e.payload)) {
    StatTable before = Contribution(*v);
    ApplyToView(*v, e);
    StatTable delta;
    AddDelta(delta, before, Contribution(*v));
    st.AddStats(delta, e.occurred_at);
  } else {
    ApplyToView(*v, e);
  }
  if (const AccountId* pupil = LinkedPupil(e.payload)) st.DirtyLink(stream, pupil->str());
  return OkStatus();
}

}  // namespace

struct Projector::PartitionCursor {
  std::unique_ptr<LogReader> reader;
  int64_t next = 0;
};

Projector::Projector(EventLog& log, ProjectionDb& db, ProjectorOptions options)
    : log_(log), db_(db), options_(options) {}
Projector::~Projector() = default;

Result<Projector::PartitionCursor*> Projector::Cursor(int32_t partition) {
  auto& c = cursors_[partition];
  if (!c) {
    LEDGER_ASSIGN_OR_RETURN(std::optional<int64_t> next, db_.NextOffset(partition));
    auto cursor = std::make_unique<PartitionCursor>();
    cursor->next = next.value_or(0);
    LEDGER_ASSIGN_OR_RETURN(cursor->reader, log_.OpenReader(partition, cursor->next));
    c = std::move(cursor);
  }
  return c.get();
}

Result<size_t> Projector::Step(PartitionCursor* cur, int32_t partition) {
  BatchState st(db_);
  ProjectionDb::Batch batch;
  size_t n = 0;
  int64_t applied = 0, quarantined = 0;
  while (n < options_.batch_records) {
    Result<std::optional<LogRecord>> rec = cur->reader->Next();
    if (!rec.ok()) {
      return rec.status().WithContext("projecting partition " + std::to_string(partition));
    }
    if (!*rec) break;
    ++n;
    Result<DecodedRecord> d = DecodeLogRecord(**rec);
    Status s = d.ok() ? ApplyRecord(st, batch, **rec, *d) : d.status();
    if (s.ok()) {
      ++applied;
    } else {
      batch.PutQuarantine(QuarantineEntry{partition, (*rec)->offset, (*rec)->key, s.message(),
                                          (*rec)->value.size()});
      ++quarantined;
    }
    cur->next = (*rec)->offset + 1;
  }
  if (n == 0) return size_t{0};
  st.WriteTo(batch);
  batch.SetNextOffset(partition, cur->next);
  LEDGER_RETURN_IF_ERROR(db_.Commit(batch));
  std::lock_guard<std::mutex> lock(mu_);
  progress_.applied += applied;
  progress_.quarantined += quarantined;
  progress_.done += static_cast<int64_t>(n);
  return n;
}

Result<ProjectionProgress> Projector::CatchUp(
    const std::function<void(const ProjectionProgress&)>& progress) {
  progress_ = ProjectionProgress{};
  const int32_t partitions = log_.partition_count();
  std::vector<int64_t> end(partitions);
  for (int32_t p = 0; p < partitions; ++p) {
    LEDGER_ASSIGN_OR_RETURN(end[p], log_.EndOffset(p));
    LEDGER_ASSIGN_OR_RETURN(PartitionCursor * cur, Cursor(p));  // every cursor exists before threads start
    progress_.total += end[p] - cur->next;
  }
  // Worker t owns partitions t, t + threads, …: a partition is only ever
  // stepped by one thread, and batches of different partitions never touch
  // the same keys (a stream lives in one partition; statistics are merges).
  const int threads = std::max(1, std::min<int>(options_.threads, partitions));
  std::vector<Status> errors(threads);
  std::atomic<bool> stop{false};
  auto work = [&](int t) {
    bool more = true;
    while (more && !stop) {
      more = false;
      for (int32_t p = t; p < partitions && !stop; p += threads) {
        PartitionCursor* cur = cursors_.at(p).get();
        if (cur->next >= end[p]) continue;
        Result<size_t> n = Step(cur, p);
        if (!n.ok()) {
          errors[t] = n.status();
          stop = true;
          return;
        }
        if (*n > 0) more = true;
        if (progress) {
          std::lock_guard<std::mutex> lock(mu_);
          progress(progress_);
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (int t = 0; t < threads; ++t) {
    if (errors[t].ok()) continue;
    for (int32_t p = t; p < partitions; p += threads) cursors_.erase(p);  // re-read from stored offsets
    return errors[t];
  }
  return progress_;
}

Result<size_t> Projector::Step(int32_t partition) {
  LEDGER_ASSIGN_OR_RETURN(PartitionCursor * cur, Cursor(partition));
  Result<size_t> n = Step(cur, partition);
  if (!n.ok()) cursors_.erase(partition);  // a reader is unusable after an error
  return n;
}

}  // namespace ledger
