// ServerMetrics: every Prometheus series of ledgerd (`GET /metrics`), behind
// the probe verbs the service and the HTTP layer call (STYLE.md "probes":
// only this file's .cc knows prometheus-cpp).
//
//   ledger_events_appended_total{type}             events appended, by event type
//   ledger_commands_total{outcome}                 appended | replayed | refused
//   ledger_commands_refused_total{code}            refusals by status code (FAILED_PRECONDITION…)
//   ledger_group_commit_seconds                    histogram: decide + append + flush of a group
//   ledger_group_commit_commands                   histogram: commands per group commit
//   ledger_projector_lag_records{partition}        durable records not yet projected
//   ledger_projector_lag_seconds{partition}        age of the oldest of them
//   ledger_projector_apply_seconds                 histogram: one projection batch (decode … commit)
//   ledger_projector_records_total                 records projected (applied or quarantined)
//   ledger_projector_quarantined_total             records quarantined
//   ledger_projector_view_cache_bytes              bytes of views the projector holds in memory (view_cache.h)
//   ledger_projector_view_cache_complete           1 while it holds every view (the store is not read for views)
//   ledger_http_requests_total{route,method,status}
//   ledger_http_request_duration_seconds{route}    histogram
//   ledger_projector_fold_seconds                  histogram: one key-order fold of the projector far behind
//   ledger_projector_fold_views_read_total         views those folds asked of the store (the cache of views could not give them)
//   ledger_projector_fold_view_steps_total         keys their view cursors stepped over to reach them
//                                                  (ProjectionDb::ViewCursor; per view read, the cost of a fold's reads)
//   ledger_projector_fold_compaction_wait_seconds_total  seconds those folds waited, before they began, for
//                                                  the store's compactions (level 0 at the projector's limit)
//   ledger_store_size_bytes{store}                 log | projections, on disk (read at scrape)
//   ledger_store_level0_files{store}               table files on level 0 of the projection store
//   ledger_store_pending_compaction_bytes{store}   bytes its compactions must still rewrite (RocksDB's estimate)
//   ledger_store_running_compactions{store}        compactions running
//   ledger_store_writes_stopped{store}             1 while RocksDB's write stop holds the store's writes
//                                                  (its compactions behind; a full disk's refusals are not
//                                                  counted here). These four: store="projections", read at
//                                                  scrape (ProjectionDb::Compaction)
//   ledger_store_memory_bytes{store,part}          what the projection store holds in memory: memtables |
//                                                  table_readers (index and filter blocks, growing with the
//                                                  store) | block_cache; read at scrape (ProjectionDb::Memory)
//   ledger_ready                                   1 once the projections caught up, else 0
//   ledger_writer                                  1 while this instance writes the log, 0 as a
//                                                  standby (several ledgerd on one Kafka topic)
//   ledger_access_journal_entries_total            access journal entries made durable (reads recorded)
//   ledger_access_journal_commit_seconds           histogram: lock, write and sync of one journal group
//   ledger_access_journal_commit_entries           histogram: entries per journal group commit
//   ledger_access_journal_failures_total           entries that could not be written (their reads got 503)
//
// Labels are event types, codes, partitions and route patterns
// (/v1/accounts/{id}) — never an account id, a login, a name or a token.
// Thread-safety: every member is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "consumers/projector_probe.h"
#include "ops/journal/group_journal.h"
#include "ops/service/writer_probe.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger::server {

class ServerMetrics final : public WriterProbe, public ProjectorProbe, public journal::JournalProbe {
 public:
  ServerMetrics();
  ~ServerMetrics() override;

  // WriterProbe
  void EventAppended(std::string_view type) override;
  void CommandDone(std::string_view outcome, std::string_view code) override;
  void GroupCommitted(size_t requests, size_t commands, double seconds) override;
  // ProjectorProbe
  void BatchCommitted(int32_t partition, int64_t records, int64_t quarantined, double seconds) override;
  void Folded(int64_t records, int64_t quarantined, double seconds) override;
  void FoldReadViews(int64_t views, int64_t steps, int64_t seeks) override;
  void FoldAwaitedCompactions(double seconds) override;
  void Lag(int32_t partition, int64_t records, double seconds) override;
  void ViewsCached(size_t bytes, bool complete) override;
  // JournalProbe
  void JournalCommitted(size_t entries, double seconds) override;
  void JournalFailed(size_t entries) override;

  // One HTTP request answered; `route` is the route's pattern.
  void RequestServed(std::string_view route, std::string_view method, int status, double seconds);

  // The text exposition format, after refreshing the disk sizes of the
  // directories (an empty path is skipped), the projection store's
  // compaction debt and memory, readiness and the writer's role.
  std::string Scrape(const std::string& log_dir, const std::string& projection_dir,
                     const ProjectionDb::CompactionDebt& debt, const ProjectionDb::MemoryUse& memory, bool ready,
                     bool writer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger::server
