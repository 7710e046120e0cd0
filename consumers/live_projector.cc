#include "consumers/live_projector.h"

#include <chrono>

#include "consumers/partition_batch.h"

namespace ledger {

struct LiveProjector::Cursor {
  std::unique_ptr<LogReader> reader;
  int64_t next = 0;
};

LiveProjector::LiveProjector(EventLog& log, ProjectionDb& db, DurableEnds& ends, ProjectorProbe& probe,
                             Options options)
    : log_(log), db_(db), ends_(ends), probe_(probe), options_(options) {}

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
    Result<std::unique_ptr<LogReader>> r = log_.OpenReader(partition, cur.next);
    if (!r.ok()) return context(r.status());
    cur.reader = std::move(*r);
  }
  PartitionBatch batch(db_, partition, cur.next);
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
  return OkStatus();
}

void LiveProjector::ReportLag(const std::vector<int64_t>& ends) {
  int64_t total = 0;
  const auto now = DurableEnds::Clock::now();
  for (size_t p = 0; p < ends.size(); ++p) {
    const int64_t behind = std::max<int64_t>(0, ends[p] - cursors_[p]->next);
    total += behind;
    auto since = ends_.PendingSince(static_cast<int32_t>(p), cursors_[p]->next);
    probe_.Lag(static_cast<int32_t>(p), behind,
               since && behind > 0 ? std::chrono::duration<double>(now - *since).count() : 0.0);
  }
  if (total == 0) caught_up_ = true;  // every partition reached the ends this round began with
}

Status LiveProjector::Run() {
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
  int stalled = 0;  // rounds after a stop with durable records no reader shows yet
  for (;;) {
    const bool stopping = stop_ || ends_.stopped();
    const std::vector<int64_t> ends = ends_.Snapshot();
    bool progressed = false;
    for (int32_t p = 0; p < partitions; ++p)
      LEDGER_RETURN_IF_ERROR(Step(p, ends[static_cast<size_t>(p)], progressed));
    ReportLag(ends);
    if (progressed) continue;
    const bool behind = lag() > 0;
    if (stopping && !behind) return OkStatus();  // what was durable at the stop is projected
    if (stopping && ++stalled > 500) return OkStatus();  // ~5 s: leave the rest to the next start
    // A record durable but not yet visible to a reader (a Kafka fetch in
    // flight) is retried after a short wait rather than a whole timeout.
    ends_.WaitBeyond(ends, std::chrono::milliseconds(behind ? 10 : 1000));
  }
}

}  // namespace ledger
