// RecordFold: the fold of log records into the read models' changes — the
// core both ways of projecting share: PartitionBatch (a batch of one
// partition, state read from the store) and the key-order fold of `ledger
// rebuild` (bulk_rebuild.h: one stream at a time, from nothing).
//
// Add() decodes a record (verifier on; its key must be its event's stream),
// checks it continues its stream's chain (seq, prev_hash, recomputed hash,
// time not going back), folds it into the stream's view or head, and puts its
// history, search entries, places and statistics deltas into the batch — or
// puts it in quarantine there, with its partition, offset and reason.
// WriteTo() adds the views, heads, links and establishment memberships the
// records changed, and the statistics accumulated by day.
// Thread-safety: one thread per RecordFold.
#pragma once

#include <map>
#include <memory>

#include "events/event_log.h"
#include "projections/rocksdb/projection_db.h"
#include "projections/stat_accumulator.h"

namespace ledger {

class BatchState;
class ViewCache;

class RecordFold {
 public:
  // `db`: where the state of a stream not seen yet is read; null when every
  // stream starts empty (a fresh store). With `stats`, the statistics
  // deltas are added there (by the day of their events) as records are
  // folded, instead of to the batch by WriteTo: a caller folding many
  // streams one by one turns them into the batch's keys once, later
  // (Batch::AddStats).
  // `in_key_order`: the streams come in increasing order, one after the
  // other (the key-order fold onto a store): views are read through one
  // ProjectionDb::ViewCursor rather than a lookup each. With `views` (a live
  // projector's), a view is read there first, and the store only when the
  // cache cannot tell (ViewCache::Found::kUnknown); WriteTo puts there every
  // view it writes.
  explicit RecordFold(const ProjectionDb* db, StatAccumulator* stats = nullptr, bool in_key_order = false,
                      ViewCache* views = nullptr);
  ~RecordFold();

  // True when applied, false when quarantined.
  bool Add(ProjectionDb::Batch& b, int32_t partition, const LogRecord& rec);
  // The same for a record whose key and value are held elsewhere (the
  // key-order fold's sorted chunks), without copying them.
  bool Add(ProjectionDb::Batch& b, int32_t partition, int64_t offset, std::string_view key, std::string_view value);
  void WriteTo(ProjectionDb::Batch& b);
  // Forgets every stream's state (after WriteTo), keeping the containers'
  // memory for the next: the key-order fold takes one stream at a time.
  void Clear();
  // What its view cursor read so far (in_key_order; none while the cache of
  // views gave every view).
  ProjectionDb::ViewCursor::Reads cursor_reads() const;

 private:
  std::unique_ptr<BatchState> st_;
};

}  // namespace ledger
