#include "ops/server/metrics.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "events/event.h"

namespace ledger::server {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// 100 µs … 10 s, roughly ×2.5 per bucket.
const Histogram::BucketBoundaries kSeconds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                              0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
const Histogram::BucketBoundaries kCommands = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};

int64_t DirBytes(const std::string& dir) {
  std::error_code ec;
  int64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) total += static_cast<int64_t>(it->file_size(ec));
  return total;
}

}  // namespace

struct ServerMetrics::Impl {
  Impl()
      : registry(std::make_shared<prometheus::Registry>()),
        events(BuildCounter().Name("ledger_events_appended_total").Help("Events appended to the log, by event type").Register(*registry)),
        commands(BuildCounter().Name("ledger_commands_total").Help("Commands answered, by outcome (appended, replayed, refused)").Register(*registry)),
        refused(BuildCounter().Name("ledger_commands_refused_total").Help("Commands the rules refused, by status code").Register(*registry)),
        group_seconds(BuildHistogram().Name("ledger_group_commit_seconds").Help("Decide, append and flush of one group commit").Register(*registry).Add({}, kSeconds)),
        group_commands(BuildHistogram().Name("ledger_group_commit_commands").Help("Commands per group commit").Register(*registry).Add({}, kCommands)),
        lag_records(BuildGauge().Name("ledger_projector_lag_records").Help("Durable log records not yet projected, by partition").Register(*registry)),
        lag_seconds(BuildGauge().Name("ledger_projector_lag_seconds").Help("Age of the oldest durable record not yet projected, by partition").Register(*registry)),
        view_cache_bytes(BuildGauge().Name("ledger_projector_view_cache_bytes").Help("Bytes of the accounts' views the projector holds in memory (view_cache.h)").Register(*registry).Add({})),
        view_cache_complete(BuildGauge().Name("ledger_projector_view_cache_complete").Help("1 while the projector holds every view in memory and never reads the store for one; 0 once they outgrew --projector-view-cache-mb").Register(*registry).Add({})),
        apply_seconds(BuildHistogram().Name("ledger_projector_apply_seconds").Help("One projection batch: decode, verify, fold, commit").Register(*registry).Add({}, kSeconds)),
        fold_seconds(BuildHistogram().Name("ledger_projector_fold_seconds").Help("One key-order fold of the projector far behind: sort, fold, table files laid on the store").Register(*registry).Add({}, kSeconds)),
        fold_views_read(BuildCounter().Name("ledger_projector_fold_views_read_total").Help("Views the projector's key-order folds asked of the store through their cursors, found or not (those its cache of views could not give)").Register(*registry).Add({})),
        fold_view_steps(BuildCounter().Name("ledger_projector_fold_view_steps_total").Help("Keys the folds' view cursors stepped over to reach the views they read (ProjectionDb::ViewCursor)").Register(*registry).Add({})),
        fold_compaction_wait(BuildCounter().Name("ledger_projector_fold_compaction_wait_seconds_total").Help("Seconds the key-order folds waited, before they began, for the store's compactions to bring level 0 under the live projector's limit (240 table files)").Register(*registry).Add({})),
        projected(BuildCounter().Name("ledger_projector_records_total").Help("Log records projected (applied or quarantined)").Register(*registry).Add({})),
        quarantined(BuildCounter().Name("ledger_projector_quarantined_total").Help("Log records quarantined by the projector").Register(*registry).Add({})),
        requests(BuildCounter().Name("ledger_http_requests_total").Help("HTTP requests answered, by route pattern, method and status").Register(*registry)),
        request_seconds(BuildHistogram().Name("ledger_http_request_duration_seconds").Help("HTTP request handling time, by route pattern").Register(*registry)),
        store_bytes(BuildGauge().Name("ledger_store_size_bytes").Help("Bytes on disk, by store (log, projections)").Register(*registry)),
        level0_files(BuildGauge().Name("ledger_store_level0_files").Help("Table files on level 0 of the projection store: every fold and lookup merges across them").Register(*registry).Add({{"store", "projections"}})),
        pending_compaction(BuildGauge().Name("ledger_store_pending_compaction_bytes").Help("Bytes the projection store's compactions must still rewrite (RocksDB's estimate)").Register(*registry).Add({{"store", "projections"}})),
        running_compactions(BuildGauge().Name("ledger_store_running_compactions").Help("Compactions of the projection store running").Register(*registry).Add({{"store", "projections"}})),
        store_memory(BuildGauge().Name("ledger_store_memory_bytes").Help("Bytes the projection store holds in memory, by part: memtables (written, not yet flushed), table_readers (open table files' index and filter blocks), block_cache (RocksDB's estimates)").Register(*registry)),
        writes_stopped(BuildGauge().Name("ledger_store_writes_stopped").Help("1 while RocksDB's write stop holds the projection store's writes until its compactions catch up (not a full disk's refusals)").Register(*registry).Add({{"store", "projections"}})),
        ready(BuildGauge().Name("ledger_ready").Help("1 once the projections have caught up with the log").Register(*registry).Add({})),
        writer(BuildGauge().Name("ledger_writer").Help("1 while this instance writes the log, 0 as a standby").Register(*registry).Add({})),
        journal_entries(BuildCounter().Name("ledger_access_journal_entries_total").Help("Access journal entries made durable (reads of a person's data recorded)").Register(*registry).Add({})),
        journal_seconds(BuildHistogram().Name("ledger_access_journal_commit_seconds").Help("Lock, write and sync of one access journal group commit").Register(*registry).Add({}, kSeconds)),
        journal_group(BuildHistogram().Name("ledger_access_journal_commit_entries").Help("Entries per access journal group commit").Register(*registry).Add({}, kCommands)),
        journal_failures(BuildCounter().Name("ledger_access_journal_failures_total").Help("Access journal entries that could not be written: their reads were refused (503)").Register(*registry).Add({})) {
    for (size_t t = 0; t < kEventTypeCount; ++t)
      event_by_type.emplace(std::string(EventTypeName(t)), &events.Add({{"type", std::string(EventTypeName(t))}}));
    for (const char* o : {"appended", "replayed", "refused"}) command_by_outcome[o] = &commands.Add({{"outcome", o}});
  }

  std::shared_ptr<prometheus::Registry> registry;
  Family<Counter>& events;
  Family<Counter>& commands;
  Family<Counter>& refused;
  Histogram& group_seconds;
  Histogram& group_commands;
  Family<Gauge>& lag_records;
  Family<Gauge>& lag_seconds;
  Gauge& view_cache_bytes;
  Gauge& view_cache_complete;
  Histogram& apply_seconds;
  Histogram& fold_seconds;
  Counter& fold_views_read;
  Counter& fold_view_steps;
  Counter& fold_compaction_wait;
  Counter& projected;
  Counter& quarantined;
  Family<Counter>& requests;
  Family<Histogram>& request_seconds;
  Family<Gauge>& store_bytes;
  Gauge& level0_files;
  Gauge& pending_compaction;
  Gauge& running_compactions;
  Family<Gauge>& store_memory;
  Gauge& writes_stopped;
  Gauge& ready;
  Gauge& writer;
  Counter& journal_entries;
  Histogram& journal_seconds;
  Histogram& journal_group;
  Counter& journal_failures;
  std::map<std::string, Counter*, std::less<>> event_by_type;
  std::map<std::string, Counter*, std::less<>> command_by_outcome;
  std::mutex lag_mu;
  std::vector<Gauge*> lag_records_of, lag_seconds_of;  // by partition, grown on first report
  std::mutex scrape_mu;
};

ServerMetrics::ServerMetrics() : impl_(std::make_unique<Impl>()) {}
ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::EventAppended(std::string_view type) {
  if (auto it = impl_->event_by_type.find(type); it != impl_->event_by_type.end()) it->second->Increment();
}

void ServerMetrics::CommandDone(std::string_view outcome, std::string_view code) {
  if (auto it = impl_->command_by_outcome.find(outcome); it != impl_->command_by_outcome.end())
    it->second->Increment();
  if (!code.empty()) impl_->refused.Add({{"code", std::string(code)}}).Increment();
}

void ServerMetrics::GroupCommitted(size_t, size_t commands, double seconds) {
  impl_->group_seconds.Observe(seconds);
  impl_->group_commands.Observe(static_cast<double>(commands));
}

void ServerMetrics::BatchCommitted(int32_t, int64_t records, int64_t quarantined, double seconds) {
  impl_->apply_seconds.Observe(seconds);
  impl_->projected.Increment(static_cast<double>(records));
  if (quarantined > 0) impl_->quarantined.Increment(static_cast<double>(quarantined));
}

void ServerMetrics::Folded(int64_t records, int64_t quarantined, double seconds) {
  impl_->fold_seconds.Observe(seconds);
  impl_->projected.Increment(static_cast<double>(records));
  if (quarantined > 0) impl_->quarantined.Increment(static_cast<double>(quarantined));
}

void ServerMetrics::FoldReadViews(int64_t views, int64_t steps, int64_t) {
  impl_->fold_views_read.Increment(static_cast<double>(views));
  impl_->fold_view_steps.Increment(static_cast<double>(steps));
}

void ServerMetrics::FoldAwaitedCompactions(double seconds) { impl_->fold_compaction_wait.Increment(seconds); }

void ServerMetrics::ViewsCached(size_t bytes, bool complete) {
  impl_->view_cache_bytes.Set(static_cast<double>(bytes));
  impl_->view_cache_complete.Set(complete ? 1 : 0);
}

void ServerMetrics::Lag(int32_t partition, int64_t records, double seconds) {
  auto p = static_cast<size_t>(partition);
  std::lock_guard<std::mutex> lock(impl_->lag_mu);
  while (impl_->lag_records_of.size() <= p) {
    const std::string label = std::to_string(impl_->lag_records_of.size());
    impl_->lag_records_of.push_back(&impl_->lag_records.Add({{"partition", label}}));
    impl_->lag_seconds_of.push_back(&impl_->lag_seconds.Add({{"partition", label}}));
  }
  impl_->lag_records_of[p]->Set(static_cast<double>(records));
  impl_->lag_seconds_of[p]->Set(seconds);
}

void ServerMetrics::JournalCommitted(size_t entries, double seconds) {
  impl_->journal_entries.Increment(static_cast<double>(entries));
  impl_->journal_seconds.Observe(seconds);
  impl_->journal_group.Observe(static_cast<double>(entries));
}

void ServerMetrics::JournalFailed(size_t entries) { impl_->journal_failures.Increment(static_cast<double>(entries)); }

void ServerMetrics::RequestServed(std::string_view route, std::string_view method, int status, double seconds) {
  impl_->requests.Add({{"route", std::string(route)}, {"method", std::string(method)}, {"status", std::to_string(status)}})
      .Increment();
  impl_->request_seconds.Add({{"route", std::string(route)}}, kSeconds).Observe(seconds);
}

std::string ServerMetrics::Scrape(const std::string& log_dir, const std::string& projection_dir,
                                  const ProjectionDb::CompactionDebt& debt, const ProjectionDb::MemoryUse& memory,
                                  bool ready, bool writer) {
  std::lock_guard<std::mutex> lock(impl_->scrape_mu);
  if (!log_dir.empty()) impl_->store_bytes.Add({{"store", "log"}}).Set(static_cast<double>(DirBytes(log_dir)));
  impl_->store_bytes.Add({{"store", "projections"}}).Set(static_cast<double>(DirBytes(projection_dir)));
  impl_->level0_files.Set(static_cast<double>(debt.level0_files));
  impl_->pending_compaction.Set(static_cast<double>(debt.pending_bytes));
  impl_->running_compactions.Set(static_cast<double>(debt.running));
  impl_->writes_stopped.Set(debt.writes_stopped ? 1 : 0);
  for (const auto& [part, bytes] : {std::pair{"memtables", memory.memtables}, std::pair{"table_readers", memory.table_readers},
                                    std::pair{"block_cache", memory.block_cache}})
    impl_->store_memory.Add({{"store", "projections"}, {"part", part}}).Set(static_cast<double>(bytes));
  impl_->ready.Set(ready ? 1 : 0);
  impl_->writer.Set(writer ? 1 : 0);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace ledger::server
