// BulkRebuild: the projections of a whole log made in key order into a fresh
// store — what `ledger rebuild` runs (the Projector's batches are for a store
// that serves while it follows the log).
//
// 1. Read: every record up to each partition's end when called (partitions
//    shared among `threads` threads) goes into sorters (external_sorter.h)
//    keyed by stream, then partition, then offset: a stream's records come
//    together, in log order.
// 2. Fold: the calling thread merges the sorted runs and deals chunks of
//    whole streams (~4 MiB) to `threads` folders in turn. A folder takes one
//    stream at a time, from nothing (RecordFold with no store to read). Its
//    history, view, chain head and links by guardian go straight into the
//    folder's table files, one writer per kind, for the sort's order is the
//    order of their keys ("h|<stream>|<seq>", "v|<stream>", …; each folder's
//    files are in order; two folders' files overlap and are ingested one
//    folder at a time, a level apart); its search entries, memberships and
//    links by pupil, whose keys are in another order, into the folder's
//    sorter — as does an entry of the first kinds out of order (a stream
//    name with a '|' or a prefix of another). Statistics (by day,
//    StatAccumulator, rolled into sums by period every 65,536 records) and
//    places accumulate and are committed (as merges, without the
//    write-ahead log) when the sums by period reach 2^20 (at scale 1, once),
//    2^16 cells per write.
// 3. Load: the second sorter's entries into table files (the search entries
//    on one thread, the other kinds on another), every file moved
//    into the store's bottom level (ProjectionDb::IngestTableFiles), and each
//    partition's next offset committed.
// The store is never read while it is made, the bulk of it never goes
// through a memtable, and nothing is compacted. Memory: `memory_bytes` for
// the sorters, whatever the log's size; their runs go to `tmp_dir`, which
// must be on the store's file system (the table files are moved from it).
//
// The store equals the Projector's from offset 0 (ProjectionDb::Dump, tested):
// the same records applied and quarantined with the same reasons, since a
// record's fate depends on its own stream's earlier records only. (A stream
// whose records are spread over partitions — a forged log — is folded in
// partition order here; the Projector's result then depends on how its
// threads interleaved.) A failure leaves a store to discard: the caller
// rebuilds into a directory it swaps in only on success.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "consumers/projector.h"
#include "events/event_log.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger {

class ViewCache;

struct BulkRebuildOptions {
  std::filesystem::path tmp_dir;          // sort runs and table files, removed at the end
  size_t memory_bytes = size_t{384} << 20;  // for all the sorters together
  int threads = 2;                        // readers of the log, then folders
  size_t history_chunk_bytes = size_t{1} << 20;  // a long stream's history is cut into chunks of about this
  // The log's records are sorted in runs LZ4-compressed from this many
  // records on: the runs then take half the disk (13 GB instead of 27 at
  // scale 20) for 3 % of the time there, but 13 % at scale 1, where they
  // stay in the page cache anyway (README "National scale").
  int64_t compress_runs_from = 10'000'000;
  // FoldOnto only: a live projector's cache of views (record_fold.h), read
  // before the store and given every view the fold writes; the caller
  // clears it if the fold fails.
  ViewCache* views = nullptr;
  // FoldOnto only, for tests: called before the files go into the store; an
  // error fails the fold there, as a refused ingestion would.
  std::function<Status()> before_ingest;
  // Where the sort's runs go instead of `tmp_dir` (created if missing; the
  // runs are removed from it as they are merged, the folder is left): a
  // faster file system than the store's. With the runs on tmpfs a scale-1
  // rebuild ran at 215 k events/s against 172 k with them beside the store
  // (medians of 16 alternated pairs; not shown at scale 5: README "National
  // scale"); they then take memory, about 0.6 KB per event of the log (half
  // that from compress_runs_from records on, LZ4).
  std::filesystem::path runs_dir;
};

// `phase` is "reading" (done = records read) then "folding" (done = records
// folded); total = the records of the log. Called from one thread at a time.
using BulkProgressFn = std::function<void(const char* phase, int64_t done, int64_t total)>;

struct BulkRebuildResult {
  ProjectionProgress progress;
  double read_seconds = 0;  // phase 1: the log read and sorted
  double fold_seconds = 0;  // phase 2
  double load_seconds = 0;  // phase 3
  // Onto a store (FoldOnto): what the folders' view cursors read, summed
  // (RecordFold::cursor_reads).
  ProjectionDb::ViewCursor::Reads view_reads;
  // By partition: one past the last record read (-1: none read), the
  // records folded and, of those, quarantined.
  std::vector<int64_t> next, records, quarantined;
};

// The folder of one store's own for the sort's runs (runs_dir) inside
// `parent` (`ledger rebuild --sort-dir`), made empty: "ledger-rebuild<the
// store's absolute path, each / and any character but letters, digits, '.'
// and '-' as '_', its last 120 kept>-<16 hex of the path's BLAKE2b>".
// Stable across runs and builds, so what a crashed rebuild of the same store
// left there is emptied by the next; readable, so an operator can tell whose
// it is; two stores never share one. The rest of `parent` is left as it
// was. InvalidArgument naming `parent`, the folder and the reason when it
// cannot be made (the caller adds its option's name).
Result<std::filesystem::path> MakeRunsFolder(const std::filesystem::path& parent,
                                             const std::filesystem::path& store);

// `db` must be fresh (opened with ProjectionDb::Options::BulkLoad()).
Result<BulkRebuildResult> BulkRebuild(EventLog& log, ProjectionDb& db, const BulkRebuildOptions& options,
                                       const BulkProgressFn& progress = {});

// FoldOnto: the same key-order fold of the records [from[p], to[p]) of each
// partition, onto a store that holds the projection of [0, from[p]) of each
// (its stored offsets) and may serve readers meanwhile — a live projector
// far behind the log (live_projector.h). It differs from BulkRebuild in
// three ways: each stream's state is read from the store (once per range,
// in key order, rather than once per batch); a membership that ends is
// deleted; and everything — statistics as merges, places, and each
// partition's next offset — goes into table files laid on top of the store
// in one atomic step (ProjectionDb::Layer::kOnTop), so the store holds the
// whole range or none of it, across a crash, as after a batch's WriteBatch.
// The caller is the store's only writer meanwhile; `options.tmp_dir` is
// emptied first (what a crash left there). Memory: `memory_bytes` for the
// sorters, plus the range's sums by period (until they reach 2^20 cells,
// when they are written to a table file of their own).
Result<BulkRebuildResult> FoldOnto(EventLog& log, ProjectionDb& db, const std::vector<int64_t>& from,
                                   const std::vector<int64_t>& to, const BulkRebuildOptions& options,
                                   const BulkProgressFn& progress = {});

}  // namespace ledger
