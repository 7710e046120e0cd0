// PartitionBatch: the projection of consecutive records of one partition,
// committed at once — the unit both projectors (the log-port Projector and
// the Kafka consumer-group projector) are made of.
//
// Add() decodes a record (verifier on), checks it continues its stream's
// chain (seq, prev_hash, recomputed hash, time), folds it into the views,
// links, history and statistics — or quarantines it with its offset and
// reason. Commit() writes all of it and the partition's next offset in one
// WriteBatch. Streams never span partitions, so batches of different
// partitions may be built and committed concurrently on one store.
// Thread-safety: a PartitionBatch is used by one thread.
#pragma once

#include <memory>

#include "events/event_log.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger {

class ViewCache;

class PartitionBatch {
 public:
  // `first_offset`: the offset of the first record that will be added.
  // `views`: a live projector's cache of views (record_fold.h); the caller
  // clears it if Commit fails.
  PartitionBatch(ProjectionDb& db, int32_t partition, int64_t first_offset, ViewCache* views = nullptr);
  ~PartitionBatch();

  // `rec` must be the partition's next record: at or after next_offset()
  // (offsets need not be dense: Kafka transaction markers take some).
  void Add(const LogRecord& rec);

  // Writes everything and next_offset() as the partition's stored offset.
  // With `fenced`, first verifies (atomically with the write) that the store's
  // offset for the partition is still first_offset: Aborted otherwise, and
  // nothing is written — another projector owns the partition now.
  Status Commit(bool fenced = false);

  int32_t partition() const { return partition_; }
  int64_t first_offset() const { return first_offset_; }
  int64_t next_offset() const { return next_offset_; }
  size_t size() const { return static_cast<size_t>(applied_ + quarantined_); }  // records added
  int64_t applied() const { return applied_; }
  int64_t quarantined() const { return quarantined_; }

 private:
  class State;
  ProjectionDb& db_;
  int32_t partition_;
  int64_t first_offset_, next_offset_;
  int64_t applied_ = 0, quarantined_ = 0;
  std::unique_ptr<State> state_;
};

}  // namespace ledger
