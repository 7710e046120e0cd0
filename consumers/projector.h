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
// Thread-safety: one Projector per store, used from one thread.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "events/event_log.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger {

struct ProjectorOptions {
  size_t batch_records = 4096;  // records per committed batch
};

struct ProjectionProgress {
  int64_t applied = 0;
  int64_t quarantined = 0;
  int64_t done = 0;   // records consumed (applied + quarantined)
  int64_t total = 0;  // records to consume when CatchUp started
};

class Projector {
 public:
  Projector(EventLog& log, ProjectionDb& db, ProjectorOptions options = {});
  ~Projector();

  // Projects every record present in the log when called, committing one
  // batch per partition in turn. `progress` is called after each commit.
  Result<ProjectionProgress> CatchUp(const std::function<void(const ProjectionProgress&)>& progress = {});

  // One batch of `partition`: records consumed (0 when it is at the end).
  Result<size_t> Step(int32_t partition);

 private:
  struct PartitionCursor;
  Result<PartitionCursor*> Cursor(int32_t partition);

  EventLog& log_;
  ProjectionDb& db_;
  ProjectorOptions options_;
  std::map<int32_t, std::unique_ptr<PartitionCursor>> cursors_;
  ProjectionProgress progress_;
};

}  // namespace ledger
