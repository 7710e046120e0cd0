// ProjectorProbe: what a projector reports about itself (STYLE.md "probes").
// The projector calls these verbs; an implementation in the server turns them
// into Prometheus series. The defaults do nothing (tests, the CLI).
// Implementations must be thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ledger {

class ProjectorProbe {
 public:
  virtual ~ProjectorProbe() = default;
  // A batch of `records` (of which `quarantined`) committed in `seconds`
  // (decode, verify, fold, RocksDB write).
  virtual void BatchCommitted(int32_t partition, int64_t records, int64_t quarantined, double seconds) {}
  // A key-order fold of `records` (of which `quarantined`, over every
  // partition) laid on the store in `seconds` (sort, fold, table files, ingestion).
  virtual void Folded(int64_t records, int64_t quarantined, double seconds) {}
  // Just before Folded: what that fold read of the store's views — the views
  // it asked of its cursors (one per folder thread, summed; found or not:
  // those the cache of views could not give), and the keys the cursors
  // stepped over and the seeks they made to reach them
  // (ProjectionDb::ViewCursor: a fold late in a fed year steps through the
  // store's whole range of views; README "National scale").
  virtual void FoldReadViews(int64_t views, int64_t steps, int64_t seeks) {}
  // Just before Folded too: how long that fold waited, before it began, for
  // the store's compactions (level 0 at LiveProjector::Options::
  // fold_level0_limit files or more; about kMaxCompactionWait, 2 s, at
  // most), 0 when it did not — the time one compaction thread merges level
  // 0 while the folds stand still (a fifth of a fed scale-10 run's wall
  // time; README "National scale"). Like FoldReadViews, only for a fold that
  // folded records (one that failed or found none reports neither).
  virtual void FoldAwaitedCompactions(double seconds) {}
  // How far `partition` is behind what is durable in the log.
  virtual void Lag(int32_t partition, int64_t records, double seconds) {}
  // The live projector's cache of views (view_cache.h) after it was filled
  // and after each commit: the bytes it holds and whether it holds every
  // view (the store is then not read for views).
  virtual void ViewsCached(size_t bytes, bool complete) {}
};

}  // namespace ledger
