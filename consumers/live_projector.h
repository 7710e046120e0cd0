// LiveProjector: the projector of a running service. It follows the log as
// the writer appends: every record up to each partition's durable end
// (DurableEnds, published by the writer after each flush) is projected, in
// batches committed with the partition's next offset in one WriteBatch — the
// same PartitionBatch as every projector, so it is crash-exact: a restart
// resumes from the stored offsets. It never projects a record the log has
// not made durable, so the projections never run ahead of the log.
//
// Run() loops until Stop() on `threads` threads (the calling one and the
// rest its own), each owning partitions t, t + threads, …: one batch per
// partition of its own that has work, round robin; when none has, it sleeps
// in DurableEnds::WaitBeyond (woken by the writer's next publish — no polling
// of the disk). Batches of different partitions touch different keys (a
// stream lives in one partition; statistics are merges), so the threads
// commit side by side. version() grows with every commit, so readers can
// tell the projections changed (caches) and wait for an event to become
// visible (WaitForVersion).
//
// Far behind — a restart after downtime, a burst of imports, more appended
// than batches keep up with — it catches up in key order instead
// (Options::fold_from): the threads stop after their round, and the records
// from each partition's position up to its durable end (at most
// `fold_records` of them, shared in proportion to each partition's lag) are
// sorted by stream, folded one stream at a time from its state in the store
// and laid on top of the store as table files, offsets included, in one
// atomic step (bulk_rebuild.h FoldOnto): crash-exact as a batch is. Folds
// go on while a quarter of `fold_from` arrived during the last, each waiting
// up to `fold_gather` for `fold_from` records first; then the batches
// resume. A fold shows nothing until it is whole: readers see the
// projections as they were before it (seconds, up to a minute for the
// largest), the price of its rate, paid only when far behind.
// Thread-safety: Run() from one thread at a time; the other members from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "consumers/durable_ends.h"
#include "consumers/projector_probe.h"
#include "consumers/view_cache.h"
#include "events/event_log.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger {

class LiveProjector {
 public:
  struct Options {
    size_t batch_records = 4096;
    // Two: a projector that fell behind (a restart, a burst of imports)
    // catches up on both cores (README "National scale": the live rate).
    int threads = 2;
    // The lag (records, all partitions) from which a key-order fold catches
    // up; 0: never (batches only). `fold_dir`: where it sorts (on the store's
    // file system: the table files are moved in), in `fold_memory` bytes;
    // empty: never either. (2^16 records: under half a second of a fold,
    // about one and a half of batches. A steady feed of 150 k events/s at
    // scale 1 was projected at 117–121 k events/s from 2^16 against 109 k
    // from 2^18, whose longer batch stretches before the first fold and
    // between rounds cost more than the folds they spare; the same at scale
    // 5, 114 k; README "National scale".) `fold_records`: the most one fold takes — the
    // fewer the folds, the less RocksDB compacts them into the store
    // (scale 10 from nothing: 93–107 k events/s with 2^21, 112 k with 2^22,
    // 143–160 k with 2^23; README "National scale"); its sorted records take
    // about as much disk in `fold_dir` while it runs (~4 GB for 2^23).
    int64_t fold_from = int64_t{1} << 16;
    int64_t fold_records = int64_t{1} << 23;
    // Once folding, how long a fold waits for fold_from records when fewer
    // came during the last (a quarter of them at least, or the batches take
    // over): the projections then move in steps of fold_from records, at most
    // this much later. Scale 1 fed at 150 k events/s, alternated: over the
    // feed's second half 141-196 k events/s applied, the lag kept bounded in
    // each run, against 92-172 k and a lag growing in two runs of three
    // without it (README "National scale").
    std::chrono::milliseconds fold_gather{500};
    std::filesystem::path fold_dir;
    size_t fold_memory = size_t{256} << 20;
    // Every view in memory, read there by its folds and batches instead of
    // the store (view_cache.h), while all fit in this many bytes; 0: never.
    // Run() fills it from the store first. An académie's year (scale 1:
    // 549 k accounts) takes ~300 MB, and fed at 150 k events/s the
    // projector then made 135-138 k events/s against 126-129 k without;
    // at scale 5 the views do not fit, and it is dropped when they outgrow
    // it (README "National scale").
    size_t view_cache_bytes = size_t{384} << 20;
    // The store's compactions at low priority (ProjectionDb::
    // LowerCompactionPriority: the process's, shared with its other RocksDB
    // stores), and a fold waits while level 0 (both column families) holds
    // `fold_level0_limit` table files or more (0: never; under 16 counts as
    // 16: RocksDB compacts from 4 files), up to kMaxCompactionWait each time,
    // so the debt they leave behind a projector that never rests grows slowly.
    bool compactions_yield = true;
    int64_t fold_level0_limit = 240;
    // While Run() runs, the process's allocator keeps at most this many
    // bytes of freed memory for later allocations and hands the rest back
    // to the system (free_memory.h: FreeMemoryKeeper, every 100 ms, and
    // after each fold); negative: as much as it pleases. A fed scale-20
    // year: peak RSS 1.14–1.30 GB with this bound, up to 1.60 GB without,
    // the folds' freed memory kept beside what the next ones use (README
    // "National scale": issue 16's bound is 1.5 GiB).
    int64_t freed_memory_kept = int64_t{128} << 20;
    // Tests: called by each fold before its files go into the store; an
    // error fails the fold there, as a refused ingestion would.
    std::function<Status()> fold_before_ingest;
  };
  // `log`, `db`, `ends` and `probe` must outlive the projector.
  LiveProjector(EventLog& log, ProjectionDb& db, DurableEnds& ends, ProjectorProbe& probe, Options options);
  LiveProjector(EventLog& log, ProjectionDb& db, DurableEnds& ends, ProjectorProbe& probe)
      : LiveProjector(log, db, ends, probe, Options{}) {}
  ~LiveProjector();

  // Projects until Stop() or DurableEnds::Stop(); after a stop, first
  // projects what is durable (a clean shutdown leaves no lag). Returns the
  // first error that stops it (a log that cannot be read, the store failing),
  // the partition named; quarantined records are not errors. An error on one
  // thread stops the others (within a second) before Run() returns.
  Status Run();
  void Stop();

  // Records durable in the log but not yet projected, over all partitions,
  // computed when asked (the durable ends now against the committed offsets).
  int64_t lag() const;
  // True once every partition has reached the durable end it had when a round
  // began (and from then on): reached under a steady stream of appends too.
  bool caught_up() const { return caught_up_.load(); }
  uint64_t version() const { return version_.load(); }
  // Blocks until version() > `seen` or `timeout`; the new version.
  uint64_t WaitForVersion(uint64_t seen, std::chrono::milliseconds timeout) const;
  // The stored next offset of every partition, as last committed.
  std::vector<int64_t> projected() const;
  // The cache of views (Options::view_cache_bytes), for its counters.
  const ViewCache& views() const { return views_; }

 private:
  struct Cursor;
  // One thread's loop over its partitions `mine`, until a stop, its error,
  // or `failed` (another thread's). Counts itself in `caught_up_threads`
  // the first time its partitions reach their ends.
  // Returns (OK) as well once the lag over all partitions reaches fold_from
  // (`fold_wanted` set), so that Run folds.
  Status Follow(const std::vector<int32_t>& mine, const std::atomic<bool>& failed,
                std::atomic<int>& caught_up_threads, int threads, std::atomic<bool>& fold_wanted, char& caught_up);
  bool folds() const { return options_.fold_from > 0 && !options_.fold_dir.empty(); }
  // The lag over all partitions, from `ends` and the cursors.
  int64_t LagOf(const std::vector<int64_t>& ends) const;
  // Key-order folds while the lag is at least fold_from (and they progress).
  Status FoldWhileFarBehind();
  Status Step(int32_t partition, int64_t end, bool& progressed);
  // Fills the cache of views from the store; complete if all fit.
  Status FillViews();
  // Tells the probe what the cache holds; ForgetViews clears it first.
  void ReportViews();
  void ForgetViews();
  ViewCache* cache() { return options_.view_cache_bytes > 0 ? &views_ : nullptr; }
  // Waits while level 0 holds fold_level0_limit files or more, until a stop
  // or kMaxCompactionWait; the seconds it waited (0 when it did not).
  double AwaitCompactions();
  static constexpr std::chrono::seconds kMaxCompactionWait{2};
  // Reports the lag of `mine` to the probe; true when none is behind `ends`.
  bool ReportLag(const std::vector<int32_t>& mine, const std::vector<int64_t>& ends);

  EventLog& log_;
  ProjectionDb& db_;
  DurableEnds& ends_;
  ProjectorProbe& probe_;
  Options options_;
  ViewCache views_;
  std::vector<std::unique_ptr<Cursor>> cursors_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> fold_stalled_{false};  // the last fold read nothing: no other until a batch progresses
  std::atomic<uint64_t> version_{0};
  mutable std::mutex version_mu_;
  mutable std::condition_variable version_cv_;
  std::mutex open_mu_;  // serialises log_.OpenReader
  mutable std::mutex projected_mu_;
  std::vector<int64_t> projected_;
};

}  // namespace ledger
