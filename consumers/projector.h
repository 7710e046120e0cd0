// Projector: moves events from the log into the projection store.
//
// For each partition, from the store's saved offset: read a batch of records,
// decode each (verifier on), check it continues its stream's chain (seq =
// last + 1, prev_hash, recomputed hash, time not going back), fold it into the
// read models, and commit the batch's changes together with the partition's
// next offset in one WriteBatch. A record that does not decode, or does not
// continue its chain (a gap, a duplicate, a forgery), is quarantined — stored
// with its partition, offset and reason, counted — and projection goes on.
// Only a log that cannot be read at all (a corrupt frame of the embedded log)
// stops the projector, with the error naming file and offset.
//
// Crash-exact: the store always holds the projection of a prefix of each
// partition, and restarts from exactly there. Results do not depend on how
// partitions interleave (every read model folds single streams).
// Thread-safety: one Projector per store, called from one thread (CatchUp
// may run its own worker threads inside).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "events/event_log.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger {

struct ProjectorOptions {
  size_t batch_records = 4096;  // records per committed batch
  int threads = 1;              // CatchUp projects partitions on this many threads
};

struct ProjectionProgress {
  int64_t applied = 0;
  int64_t quarantined = 0;
  int64_t done = 0;   // records consumed (applied + quarantined)
  int64_t total = 0;  // records to consume when CatchUp started
};

// DataLoss when `db` has projected a partition of `log` further than the log
// now reaches: records it applied are gone from the log (its last segment
// deleted, another log put in its place). Names the partition, the missing
// offsets and the store. CatchUp finds it too, for the partitions it reads.
Status CheckProjectedWithinLog(EventLog& log, const ProjectionDb& db);

class Projector {
 public:
  Projector(EventLog& log, ProjectionDb& db, ProjectorOptions options = {});
  ~Projector();

  // Projects every record present in the log when called, committing one
  // batch per partition in turn (partitions spread over options.threads
  // threads). `progress` is called after each commit, one call at a time.
  Result<ProjectionProgress> CatchUp(const std::function<void(const ProjectionProgress&)>& progress = {});

  // One batch of `partition`: records consumed (0 when it is at the end).
  Result<size_t> Step(int32_t partition);

 private:
  struct PartitionCursor;
  Result<PartitionCursor*> Cursor(int32_t partition);
  Result<size_t> Step(PartitionCursor* cur, int32_t partition);

  EventLog& log_;
  ProjectionDb& db_;
  ProjectorOptions options_;
  std::map<int32_t, std::unique_ptr<PartitionCursor>> cursors_;
  std::mutex mu_;  // guards progress_ and calls of the progress callback
  ProjectionProgress progress_;
};

}  // namespace ledger
