#include "consumers/projector.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "consumers/partition_batch.h"

namespace ledger {

struct Projector::PartitionCursor {
  std::unique_ptr<LogReader> reader;
  int64_t next = 0;
};

namespace {

Status StoreAheadOfLog(int32_t partition, int64_t next, int64_t end, const ProjectionDb& db) {
  const std::string store = db.dir().string();
  return DataLoss("partition " + std::to_string(partition) + ": offsets " + std::to_string(end) + " to " +
                  std::to_string(next - 1) + " missing from the log: the projection store " + store +
                  " has applied them, but the log ends at offset " + std::to_string(end) +
                  " (a segment file deleted, or another log in its place?); restore the log from a "
                  "backup, or, to go on without those records, remove " + store + " and run `ledger rebuild`");
}

}  // namespace

Status CheckProjectedWithinLog(EventLog& log, const ProjectionDb& db) {
  for (int32_t p = 0; p < log.partition_count(); ++p) {
    LEDGER_ASSIGN_OR_RETURN(std::optional<int64_t> next, db.NextOffset(p));
    if (!next) continue;
    LEDGER_ASSIGN_OR_RETURN(int64_t end, log.EndOffset(p));
    if (*next > end) return StoreAheadOfLog(p, *next, end, db);
  }
  return OkStatus();
}

Projector::Projector(EventLog& log, ProjectionDb& db, ProjectorOptions options)
    : log_(log), db_(db), options_(options) {}
Projector::~Projector() = default;

Result<Projector::PartitionCursor*> Projector::Cursor(int32_t partition) {
  auto& c = cursors_[partition];
  if (!c) {
    LEDGER_ASSIGN_OR_RETURN(std::optional<int64_t> next, db_.NextOffset(partition));
    auto cursor = std::make_unique<PartitionCursor>();
    cursor->next = next.value_or(0);
    Result<std::unique_ptr<LogReader>> reader = log_.OpenReader(partition, cursor->next);
    if (!reader.ok()) {
      Result<int64_t> end = log_.EndOffset(partition);
      if (end.ok() && *end < cursor->next) return StoreAheadOfLog(partition, cursor->next, *end, db_);
      return reader.status();
    }
    cursor->reader = std::move(*reader);
    c = std::move(cursor);
  }
  return c.get();
}

Result<size_t> Projector::Step(PartitionCursor* cur, int32_t partition) {
  PartitionBatch batch(db_, partition, cur->next);
  while (batch.size() < options_.batch_records) {
    Result<std::optional<LogRecord>> rec = cur->reader->Next();
    if (!rec.ok()) return rec.status().WithContext("projecting partition " + std::to_string(partition));
    if (!*rec) break;
    batch.Add(**rec);
  }
  if (batch.size() == 0) return size_t{0};
  LEDGER_RETURN_IF_ERROR(batch.Commit());
  cur->next = batch.next_offset();
  std::lock_guard<std::mutex> lock(mu_);
  progress_.applied += batch.applied();
  progress_.quarantined += batch.quarantined();
  progress_.done += static_cast<int64_t>(batch.size());
  return batch.size();
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
