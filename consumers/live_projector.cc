#include "consumers/live_projector.h"

#include <chrono>
#include <optional>
#include <thread>

#include "consumers/bulk_rebuild.h"
#include "consumers/free_memory.h"
#include "consumers/partition_batch.h"

namespace ledger {

struct LiveProjector::Cursor {
  std::unique_ptr<LogReader> reader;
  int64_t next = 0;
};

LiveProjector::LiveProjector(EventLog& log, ProjectionDb& db, DurableEnds& ends, ProjectorProbe& probe,
                             Options options)
    : log_(log), db_(db), ends_(ends), probe_(probe), options_(options), views_(options.view_cache_bytes) {}

LiveProjector::~LiveProjector() = default;

void LiveProjector::Stop() {
  stop_ = true;
  ends_.Stop();
}

int64_t LiveProjector::lag() const {
  const std::vector<int64_t> ends = ends_.Snapshot();
  std::lock_guard<std::mutex> lock(projected_mu_);
  int64_t total = 0;
  for (size_t p = 0; p < ends.size() && p < projected_.size(); ++p) total += std::max<int64_t>(0, ends[p] - projected_[p]);
  return total;
}

std::vector<int64_t> LiveProjector::projected() const {
  std::lock_guard<std::mutex> lock(projected_mu_);
  return projected_;
}

uint64_t LiveProjector::WaitForVersion(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(version_mu_);
  version_cv_.wait_for(lock, timeout, [&] { return version_.load() > seen; });
  return version_.load();
}

Status LiveProjector::Step(int32_t partition, int64_t end, bool& progressed) {
  Cursor& cur = *cursors_[static_cast<size_t>(partition)];
  if (cur.next >= end) return OkStatus();
  const auto start = std::chrono::steady_clock::now();
  auto context = [&](const Status& s) {
    return s.WithContext("live projection of partition " + std::to_string(partition));
  };
  if (!cur.reader) {
    // The port's readers run on any thread, each on one; opening them is
    // kept to one thread at a time.
    std::unique_lock<std::mutex> opening(open_mu_);
    Result<std::unique_ptr<LogReader>> r = log_.OpenReader(partition, cur.next);
    opening.unlock();
    if (!r.ok()) return context(r.status());
    cur.reader = std::move(*r);
  }
  PartitionBatch batch(db_, partition, cur.next, cache());
  while (batch.size() < options_.batch_records && batch.next_offset() < end) {
    Result<std::optional<LogRecord>> rec = cur.reader->Next();
    if (!rec.ok()) {
      cur.reader.reset();  // unusable after an error; reopened from the stored offset
      return context(rec.status());
    }
    if (!*rec) break;  // durable but not yet visible to this reader: next round
    batch.Add(**rec);
  }
  if (batch.size() == 0) {
    // Only transaction markers were left before the end: the position moves
    // past them (kept in memory; a restart skips them again).
    if (cur.reader->next_offset() > cur.next) {
      cur.next = cur.reader->next_offset();
      std::lock_guard<std::mutex> lock(projected_mu_);
      projected_[static_cast<size_t>(partition)] = cur.next;
    }
    return OkStatus();
  }
  if (Status s = batch.Commit(); !s.ok()) {
    cur.reader.reset();
    ForgetViews();  // it holds the views of the batch not committed
    return context(s);
  }
  cur.next = batch.next_offset();
  {
    std::lock_guard<std::mutex> lock(projected_mu_);
    projected_[static_cast<size_t>(partition)] = cur.next;
  }
  {
    std::lock_guard<std::mutex> lock(version_mu_);
    ++version_;
  }
  version_cv_.notify_all();
  progressed = true;
  probe_.BatchCommitted(partition, static_cast<int64_t>(batch.size()), batch.quarantined(),
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  ReportViews();
  return OkStatus();
}

bool LiveProjector::ReportLag(const std::vector<int32_t>& mine, const std::vector<int64_t>& ends) {
  int64_t total = 0;
  const auto now = DurableEnds::Clock::now();
  for (int32_t p : mine) {
    const auto i = static_cast<size_t>(p);
    const int64_t behind = std::max<int64_t>(0, ends[i] - cursors_[i]->next);
    total += behind;
    auto since = ends_.PendingSince(p, cursors_[i]->next);
    probe_.Lag(p, behind, since && behind > 0 ? std::chrono::duration<double>(now - *since).count() : 0.0);
  }
  return total == 0;
}

int64_t LiveProjector::LagOf(const std::vector<int64_t>& ends) const {
  int64_t total = 0;
  for (size_t p = 0; p < ends.size() && p < cursors_.size(); ++p) total += std::max<int64_t>(0, ends[p] - cursors_[p]->next);
  return total;
}

Status LiveProjector::FoldWhileFarBehind() {
  const auto partitions = cursors_.size();
  for (bool first = true;; first = false) {
    std::vector<int64_t> ends = ends_.Snapshot();
    int64_t lag = LagOf(ends);
    // Once folding, folds go on while a quarter of fold_from came in during
    // the last: the log grows faster than batches would keep up with.
    if (lag < (first ? options_.fold_from : options_.fold_from / 4)) return OkStatus();
    // … and each waits for fold_from records (up to fold_gather): every fold
    // lays its ~10 table files on level 0 whatever its size, so a string of
    // small folds cost the compactions, and then the folds' waits for them
    // (AwaitCompactions), more than the records they took.
    const auto gather_until = std::chrono::steady_clock::now() + options_.fold_gather;
    while (!first && lag < options_.fold_from && !stop_ && !ends_.stopped()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= gather_until) break;
      ends_.WaitBeyond(ends, std::chrono::ceil<std::chrono::milliseconds>(gather_until - now));
      ends = ends_.Snapshot();
      lag = LagOf(ends);
    }
    // Up to fold_records records, each partition's share in proportion to its lag.
    std::vector<int64_t> from(partitions), to(partitions);
    for (size_t p = 0; p < partitions; ++p) {
      from[p] = cursors_[p]->next;
      const int64_t behind = std::max<int64_t>(0, ends[p] - from[p]);
      const int64_t take = lag <= options_.fold_records
                               ? behind
                               : static_cast<int64_t>(static_cast<double>(behind) * options_.fold_records / lag);
      to[p] = from[p] + take;
    }
    const double awaited = AwaitCompactions();
    const auto start = std::chrono::steady_clock::now();
    BulkRebuildOptions o;
    o.tmp_dir = options_.fold_dir;
    o.memory_bytes = options_.fold_memory;
    o.threads = options_.threads;
    o.views = cache();
    o.before_ingest = options_.fold_before_ingest;
    Result<BulkRebuildResult> r = FoldOnto(log_, db_, from, to, o);
    // Its sorters, chunks and table writers are freed: back to the system
    // beyond the slack, or the allocator keeps them beside what comes next
    // (a fed scale-20 year: resident memory up to 1.5 GB while ~0.6–1.2 GB
    // was in use).
    if (options_.freed_memory_kept >= 0) KeepFreedMemoryUnder(static_cast<size_t>(options_.freed_memory_kept));
    if (!r.ok()) {
      ForgetViews();  // it holds the views of the fold not committed
      return r.status().WithContext("live projection: folding in key order");
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bool progressed = false;
    for (size_t p = 0; p < partitions; ++p) {
      Cursor& cur = *cursors_[p];
      cur.reader.reset();  // its position is behind the fold's: reopened at the stored offset
      if (r->next[p] < 0) continue;
      cur.next = r->next[p];
      progressed = true;
    }
    if (progressed) {
      probe_.FoldReadViews(r->view_reads.views, r->view_reads.steps, r->view_reads.seeks);
      probe_.FoldAwaitedCompactions(awaited);
      probe_.Folded(r->progress.done, r->progress.quarantined, seconds);
    }
    ReportViews();
    if (!progressed) {  // only transaction markers, or records not yet visible: the batches take them
      fold_stalled_ = true;
      return OkStatus();
    }
    {
      std::lock_guard<std::mutex> lock(projected_mu_);
      for (size_t p = 0; p < partitions; ++p) projected_[p] = cursors_[p]->next;
    }
    {
      std::lock_guard<std::mutex> lock(version_mu_);
      ++version_;
    }
    version_cv_.notify_all();
  }
}

Status LiveProjector::Follow(const std::vector<int32_t>& mine, const std::atomic<bool>& failed,
                             std::atomic<int>& caught_up_threads, int threads, std::atomic<bool>& fold_wanted,
                             char& caught_up) {
  int stalled = 0;  // rounds after a stop with durable records no reader shows yet
  for (;;) {
    if (failed || fold_wanted) return OkStatus();  // another thread's error ends the run; a fold pauses it
    const bool stopping = stop_ || ends_.stopped();
    const std::vector<int64_t> ends = ends_.Snapshot();
    bool progressed = false;
    for (int32_t p : mine) LEDGER_RETURN_IF_ERROR(Step(p, ends[static_cast<size_t>(p)], progressed));
    // Every partition reached the ends this round began with: once every
    // thread has, the projector has caught up.
    if (ReportLag(mine, ends) && !caught_up) {
      caught_up = true;
      if (++caught_up_threads == threads) caught_up_ = true;
    }
    if (progressed) fold_stalled_ = false;
    if (folds() && !fold_stalled_) {
      const std::vector<int64_t> now = ends_.Snapshot();
      int64_t lag = 0;  // over every partition: the others' cursors are read racily, a hint enough
      {
        std::lock_guard<std::mutex> lock(projected_mu_);
        for (size_t p = 0; p < now.size() && p < projected_.size(); ++p) lag += std::max<int64_t>(0, now[p] - projected_[p]);
      }
      if (lag >= options_.fold_from) {
        fold_wanted = true;
        return OkStatus();
      }
    }
    if (progressed) continue;
    const std::vector<int64_t> now = ends_.Snapshot();
    bool behind = false;
    for (int32_t p : mine) behind = behind || now[static_cast<size_t>(p)] > cursors_[static_cast<size_t>(p)]->next;
    if (stopping && !behind) return OkStatus();  // what was durable at the stop is projected
    if (stopping && ++stalled > 500) return OkStatus();  // ~5 s: leave the rest to the next start
    // A record durable but not yet visible to a reader (a Kafka fetch in
    // flight) is retried after a short wait rather than a whole timeout.
    ends_.WaitBeyond(ends, std::chrono::milliseconds(behind ? 10 : 1000));
  }
}

void LiveProjector::ReportViews() { probe_.ViewsCached(views_.bytes(), views_.complete()); }

void LiveProjector::ForgetViews() {
  views_.Clear();
  ReportViews();
}

Status LiveProjector::FillViews() {
  views_.Clear();
  if (cache() == nullptr) return OkStatus();
  bool all = true;
  LEDGER_RETURN_IF_ERROR(db_.ForEachView([&](std::string_view account, std::string_view bytes) {
    all = views_.Load(account, bytes);
    return all;
  }));
  if (all) views_.MarkComplete();
  else views_.Clear();  // some views only would save nothing (view_cache.h)
  ReportViews();
  return OkStatus();
}

double LiveProjector::AwaitCompactions() {
  if (options_.fold_level0_limit <= 0) return 0;
  // RocksDB compacts level 0 from 4 files: a limit that low would wait for ever.
  const int64_t limit = std::max<int64_t>(options_.fold_level0_limit, 16);
  // At most kMaxCompactionWait: compactions that stopped (a background
  // error) must not stop the projector silently — the fold's ingestion then
  // fails and says why — and requests waiting for a version wait no longer.
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + kMaxCompactionWait;
  bool waited = false;
  while (!stop_ && !ends_.stopped() && db_.Compaction().level0_files >= limit &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    waited = true;
  }
  return waited ? std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() : 0;
}

Status LiveProjector::Run() {
  if (options_.compactions_yield) ProjectionDb::LowerCompactionPriority();
  std::optional<FreeMemoryKeeper> keeper;
  if (options_.freed_memory_kept >= 0) keeper.emplace(static_cast<size_t>(options_.freed_memory_kept));
  LEDGER_RETURN_IF_ERROR(FillViews());
  const int32_t partitions = log_.partition_count();
  cursors_.clear();
  {
    std::lock_guard<std::mutex> lock(projected_mu_);
    projected_.assign(static_cast<size_t>(partitions), 0);
  }
  for (int32_t p = 0; p < partitions; ++p) {
    auto cur = std::make_unique<Cursor>();
    LEDGER_ASSIGN_OR_RETURN(std::optional<int64_t> next, db_.NextOffset(p));
    cur->next = next.value_or(0);
    {
      std::lock_guard<std::mutex> lock(projected_mu_);
      projected_[static_cast<size_t>(p)] = cur->next;
    }
    cursors_.push_back(std::move(cur));
  }
  if (folds()) {  // what a fold killed midway left (sorted records, table files)
    std::error_code ec;
    std::filesystem::remove_all(options_.fold_dir, ec);
  }
  const int threads = std::max(1, std::min<int>(options_.threads, partitions));
  std::atomic<int> caught_up_threads{0};
  std::vector<char> caught_up(static_cast<size_t>(threads), 0);  // by thread, counted once
  for (;;) {
    if (folds()) LEDGER_RETURN_IF_ERROR(FoldWhileFarBehind());
    std::vector<Status> errors(static_cast<size_t>(threads));
    std::atomic<bool> failed{false}, fold_wanted{false};
    auto work = [&](int t) {
      std::vector<int32_t> mine;
      for (int32_t p = t; p < partitions; p += threads) mine.push_back(p);
      errors[static_cast<size_t>(t)] = Follow(mine, failed, caught_up_threads, threads, fold_wanted,
                                                    caught_up[static_cast<size_t>(t)]);
      if (!errors[static_cast<size_t>(t)].ok()) failed = true;
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    for (const Status& e : errors) LEDGER_RETURN_IF_ERROR(e);
    if (!fold_wanted) return OkStatus();
  }
}

}  // namespace ledger
