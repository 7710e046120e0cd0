// End-to-end rebuild: the projections rebuilt from offset 0 of an embedded log
// on disk (or, with --brokers, of a topic on a real Kafka cluster) into a
// fresh RocksDB store (what `ledger rebuild` does), printed in events/s next
// to the raw limits measured in the same run on the same disk: the raw RocksDB
// batched-write rate, and the raw read rate of the log (through its readers);
// then the bytes per event the log and each store take on disk.
//
//   rebuild_bench [--families N] [--only-rebuild] [--only-live] [--brokers host:port,…]
//                 [--data DIR] [--live-threads N] [--live-batch N] [--fold-from N] [--fold-records N]
//                 [--feed-rate R] [--view-cache-mb N] [--normal-priority-compactions] [--fold-level0-limit N]
//                 [--memory-each-second] [--freed-memory-kept-mb N]
//   (default 10000 families ≈ 106,000 events; on Kafka the topic
//   bench.rebuild.<pid> is created with the ledger's settings and left;
//   with --data, the embedded log of an existing ledger — `ledger simulate
//   --scale S` — is read, not written: a year's events as the service makes them)
// The live way is the service's LiveProjector catching up that log, its
// durable ends all published: one batch per partition in turn, as in ledgerd,
// on its default threads (--live-threads to choose), folding in key order
// when far behind as ledgerd does (--fold-from N: from a lag of N records; 0:
// batches only; --fold-records N: at most N per fold); --feed-rate R publishes the ends at R events/s instead of
// all at once, as a writer appending at that rate would, and prints the
// largest lag seen: whether the projector keeps up with that rate. The live
// way also prints how many records went by batches and by folds, and each
// fold's size and time in turn (whether folds hold their rate as the log goes on),
// what its cache of views held (--view-cache-mb: its size; 0: none), and the
// table files left on level 0 (--normal-priority-compactions and
// --fold-level0-limit: LiveProjector::Options::compactions_yield and
// fold_level0_limit; --freed-memory-kept-mb N: freed_memory_kept, -1 unbounded);
// --memory-each-second, where its memory was each second while fed (what the
// process holds, what the store holds). --help explains each option; a value out of its range
// (--families 0, --feed-rate -1, --fold-from abc) is refused, naming it.
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "benchmarks/bench_cli.h"
#include "benchmarks/bench_support.h"
#include "consumers/bulk_rebuild.h"
#include "consumers/live_projector.h"
#include "consumers/projector.h"
#include "events/embedded/embedded_event_log.h"
#include "events/kafka/kafka_event_log.h"

#include <unistd.h>

using namespace ledger;
using namespace ledger::bench;

namespace {

struct LiveRun {
  int threads = LiveProjector::Options{}.threads;
  size_t batch = 0;           // records per batch; 0: the default
  int64_t fold_from = LiveProjector::Options{}.fold_from;  // as ledgerd; 0: batches only
  int64_t fold_records = 0;   // records per fold at most; 0: the default
  double feed_rate = 0;       // events/s the ends are published at; 0: all at once
  int64_t max_lag = 0;        // out: the most records durable and not yet projected, sampled
  std::vector<int64_t> lag_each_second;  // out: the lag sampled once a second while fed, then until projected
  // --memory-each-second: with each lag sampled, where the memory was (MB)
  bool memory_each_second = false;
  std::vector<std::string> memory_lines;  // out
  double fed_seconds = 0;   // out: from the first publish until all of it was projected
  double feed_seconds = 0;  // out: the feed's length (its records at its rate)
  // out: the lag when half the feed was published, when that was, and the
  // lag when all of it was: the rate applied over the feed's second half,
  // past its start (September's imports come first), is the feed's rate less
  // the lag's growth over that time
  int64_t lag_at_half = 0, lag_at_end = 0;
  double half_at = 0, end_at = 0;
  // out: how the records were projected (the probe's reports)
  int64_t batch_records = 0, batches = 0;
  double batch_seconds = 0;  // summed over the threads
  struct Fold {
    int64_t records = 0;
    double seconds = 0;
    int64_t views = 0, steps = 0;  // views read through its cursor, keys stepped over
    double awaited = 0;            // seconds it waited for compactions before it began
  };
  std::vector<Fold> each_fold;
  size_t view_cache_bytes = LiveProjector::Options{}.view_cache_bytes;
  bool compactions_yield = LiveProjector::Options{}.compactions_yield;
  int64_t freed_memory_kept = LiveProjector::Options{}.freed_memory_kept;
  int64_t fold_level0_limit = LiveProjector::Options{}.fold_level0_limit;
  // out: the cache of views at the end, and level 0's table files
  size_t cached_views = 0, cached_bytes = 0;
  bool cache_complete = false;
  int64_t drops = 0, level0_files = 0;
};

// The service's live projector over the whole log. Without a feed rate, as
// when ledgerd starts behind it: every end published, then stopped, so Run()
// returns once all of it is projected. With one, as under a writer appending
// at that rate: each partition's durable end advances with the clock (every
// 5 ms, in proportion to its size), and the projector is stopped once all is
// published — so the rate printed is at most the feed's, and the lag says
// whether it kept up. Counts what it reports to its probe.
Result<ProjectionProgress> CatchUpLive(EventLog& log, ProjectionDb& db, LiveRun& run) {
  struct Count final : ProjectorProbe {
    explicit Count(LiveRun& run) : run(run) {}
    void BatchCommitted(int32_t, int64_t records, int64_t quarantined, double seconds) override {
      std::lock_guard<std::mutex> lock(mu);
      Add(records, quarantined);
      run.batch_records += records;
      run.batches += 1;
      run.batch_seconds += seconds;
    }
    void FoldReadViews(int64_t views, int64_t steps, int64_t) override {
      std::lock_guard<std::mutex> lock(mu);
      read.views = views;
      read.steps = steps;
    }
    void FoldAwaitedCompactions(double seconds) override {
      std::lock_guard<std::mutex> lock(mu);
      read.awaited = seconds;
    }
    void Folded(int64_t records, int64_t quarantined, double seconds) override {
      std::lock_guard<std::mutex> lock(mu);
      Add(records, quarantined);
      run.each_fold.push_back({records, seconds, read.views, read.steps, read.awaited});
      read = {};
    }
    void Add(int64_t records, int64_t quarantined) {
      done.done += records;
      done.quarantined += quarantined;
    }
    LiveRun& run;
    LiveRun::Fold read;  // the last FoldReadViews and FoldAwaitedCompactions, for the Folded after them
    std::mutex mu;
    ProjectionProgress done;
  } count(run);
  std::vector<int64_t> ends;
  int64_t total = 0;
  for (int32_t p = 0; p < log.partition_count(); ++p) {
    LEDGER_ASSIGN_OR_RETURN(int64_t end, log.EndOffset(p));
    ends.push_back(end);
    total += end;
  }
  DurableEnds durable(run.feed_rate > 0 ? std::vector<int64_t>(ends.size(), 0) : ends);
  LiveProjector::Options options;
  options.threads = run.threads;
  if (run.batch > 0) options.batch_records = run.batch;
  options.fold_from = run.fold_from;
  if (run.fold_records > 0) options.fold_records = run.fold_records;
  options.fold_dir = db.dir().string() + ".fold";
  options.view_cache_bytes = run.view_cache_bytes;
  options.compactions_yield = run.compactions_yield;
  options.freed_memory_kept = run.freed_memory_kept;
  options.fold_level0_limit = run.fold_level0_limit;
  LiveProjector live(log, db, durable, count, options);
  if (run.feed_rate <= 0) {
    live.Stop();
    LEDGER_RETURN_IF_ERROR(live.Run());
  } else {
    Status status;
    std::thread runner([&] { status = live.Run(); });
    const auto start = std::chrono::steady_clock::now();
    auto sample_each_second = [&] {
      if (Seconds(start) < static_cast<double>(run.lag_each_second.size() + 1)) return;
      run.lag_each_second.push_back(live.lag());
      if (!run.memory_each_second) return;
      const MemoryNow m = Memory();
      const ProjectionDb::MemoryUse s = db.Memory();
      auto mb = [](int64_t b) { return (b + (1 << 19)) >> 20; };
      run.memory_lines.push_back(fmt::format(
          "{:>5} {:>7}k {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}", run.lag_each_second.size(),
          (run.lag_each_second.back() + 500) / 1000, mb(m.resident), mb(m.allocated), mb(m.allocator_free),
          mb(s.memtables), mb(s.table_readers), mb(s.block_cache), mb(s.block_cache_pinned),
          mb(static_cast<int64_t>(live.views().bytes()))));
    };
    for (double fed = 0; fed < 1;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      const double at = Seconds(start);
      const bool was_past_half = fed >= 0.5;
      fed = std::min(1.0, at * run.feed_rate / static_cast<double>(std::max<int64_t>(total, 1)));
      for (size_t p = 0; p < ends.size(); ++p)
        durable.Publish(static_cast<int32_t>(p), static_cast<int64_t>(static_cast<double>(ends[p]) * fed));
      const int64_t lag = live.lag();
      if (!was_past_half && fed >= 0.5) {
        run.lag_at_half = lag;
        run.half_at = at;
      }
      run.lag_at_end = lag;
      run.end_at = at;
      run.max_lag = std::max(run.max_lag, lag);
      sample_each_second();
    }
    // What is left once the feed ends: the seconds to project it.
    while (live.lag() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      sample_each_second();
    }
    run.fed_seconds = Seconds(start);
    run.feed_seconds = static_cast<double>(total) / run.feed_rate;
    live.Stop();
    runner.join();
    LEDGER_RETURN_IF_ERROR(status);
  }
  run.cached_views = live.views().entries();
  run.cached_bytes = live.views().bytes();
  run.cache_complete = live.views().complete();
  run.drops = live.views().drops();
  run.level0_files = db.Compaction().level0_files;
  count.done.applied = count.done.done - count.done.quarantined;
  count.done.total = count.done.done;
  return count.done;
}

}  // namespace

int main(int argc, char** argv) {
  size_t families = 10000;
  bool only_bulk = false, only_live = false;
  std::string brokers, data;
  LiveRun live;
  // CLI11: an unknown flag or one missing its value is an error, not ignored.
  CLI::App app{"rebuild_bench: the projections rebuilt (as `ledger rebuild`) and caught up by the live projector "
               "(as ledgerd), next to the raw limits of the same run"};
  app.add_option("--brokers", brokers, "a real Kafka cluster (host:port,…) instead of an embedded log");
  app.add_option("--families", families, "families of the generated workload (~10.6 events each)")
      ->check(PositiveCount())->capture_default_str();
  app.add_flag("--only-rebuild", only_bulk, "only the key-order rebuild (for profiling)");
  app.add_flag("--only-live", only_live, "only the live projector");
  app.add_option("--data", data, "an existing ledger's directory (`ledger simulate`): its log is read, not written");
  std::string sort_dir;
  app.add_option("--sort-dir", sort_dir, "the key-order rebuild's runs there (as `ledger rebuild --sort-dir`), "
                                         "e.g. /dev/shm; default beside the store");
  app.add_option("--live-threads", live.threads, "the live projector's threads")
      ->check(PositiveCount())->capture_default_str();
  app.add_option("--live-batch", live.batch, "records per batch (0: the default)")->check(WholeNumber(0));
  app.add_option("--fold-from", live.fold_from, "fold in key order from a lag of this many records (0: batches only)")
      ->check(WholeNumber(0))->capture_default_str();
  app.add_option("--fold-records", live.fold_records, "at most this many records per fold (0: the default)")
      ->check(WholeNumber(0));
  app.add_option("--feed-rate", live.feed_rate, "publish the durable ends at this many events/s (0: all at once)")
      ->check(NonNegativeRate())->capture_default_str();
  size_t cache_mb = live.view_cache_bytes >> 20;
  app.add_option("--view-cache-mb", cache_mb, "the live projector's cache of views, in MB (0: none)")
      ->check(WholeNumber(0))->capture_default_str();
  app.add_flag("--memory-each-second", live.memory_each_second,
               "while fed, where the memory is each second: resident, allocated and kept free by the allocator, "
               "the store's memtables, table readers and block cache, the cache of views (MB)");
  int64_t kept_mb = live.freed_memory_kept >> 20;
  app.add_option("--freed-memory-kept-mb", kept_mb,
                 "at most this much freed memory kept by the allocator for later allocations, the rest handed back "
                 "(MB; -1: as much as it pleases)")
      ->check(WholeNumberIn(-1, int64_t{1} << 20))->capture_default_str();
  bool normal_priority = false;
  app.add_flag("--normal-priority-compactions", normal_priority, "leave the store's compactions at normal priority");
  app.add_option("--fold-level0-limit", live.fold_level0_limit, "a fold waits while level 0 holds this many files (0: never)")
      ->check(WholeNumber(0))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  live.view_cache_bytes = cache_mb << 20;
  if (normal_priority) live.compactions_yield = false;
  live.freed_memory_kept = kept_mb < 0 ? -1 : kept_mb << 20;

  ScratchDir dir("rebuild");
  Result<std::unique_ptr<EventLog>> log = InvalidArgument("no log");
  if (!data.empty()) {
    EmbeddedLogOptions lo;
    lo.read_only = true;
    if (auto e = EmbeddedEventLog::Open(std::filesystem::path(data) / "log", lo); e.ok())
      log = std::unique_ptr<EventLog>(std::move(*e));
    else log = e.status();
  } else if (brokers.empty()) {
    EmbeddedLogOptions lo;
    lo.create_if_missing = true;
    if (auto e = EmbeddedEventLog::Open(dir.path() / "log", lo); e.ok()) log = std::unique_ptr<EventLog>(std::move(*e));
    else log = e.status();
  } else {
    KafkaLogOptions ko;
    ko.brokers = brokers;
    ko.topic = fmt::format("bench.rebuild.{}", getpid());
    ko.timeout = std::chrono::milliseconds(30000);
    if (auto k = KafkaEventLog::Open(ko); k.ok()) log = std::unique_ptr<EventLog>(std::move(*k));
    else log = k.status();
  }
  if (!log.ok()) {
    fmt::print(stderr, "{}\n", log.status().ToString());
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  size_t events = 0;
  if (data.empty()) {
    fmt::print("filling the {} with {} families through the write path…\n",
               brokers.empty() ? "embedded log" : "Kafka topic on " + brokers, families);
    const std::vector<Command> workload = Workload(families);  // not timed: the write path's rate alone
    t0 = std::chrono::steady_clock::now();
    events = WriteCommands(**log, workload);
    fmt::print("  {} events written in {:.2f} s ({:.0f} events/s, group commit{})\n", events,
               Seconds(t0), static_cast<double>(events) / Seconds(t0),
               brokers.empty() ? " with fdatasync" : ", acks=all");
  }

  // Raw limit 1: reading and decoding nothing, just the log's records.
  t0 = std::chrono::steady_clock::now();
  size_t bytes = 0, records = 0;
  for (int32_t p = 0; p < (*log)->partition_count(); ++p) {
    auto reader = (*log)->OpenReader(p, 0);
    while (true) {
      auto r = (*reader)->Next();
      if (!r.ok() || !*r) break;
      bytes += (*r)->value.size();
      ++records;
    }
  }
  double read_rate = static_cast<double>(records) / Seconds(t0);
  if (!data.empty()) {
    events = records;
    fmt::print("the log of {}: {} records ({})\n", data, records, AllocatorName());
  }
  size_t avg_bytes = records ? bytes / records : 300;

  // Raw limit 2: RocksDB batched writes of records of the same size.
  double raw = RawRocksDbBatchedWriteRate(dir.path() / "raw", 300000, avg_bytes, 1000);

  // Three ways: the live projector (WAL on); the same batches into a bulk
  // store (what `ledger rebuild` did until 2026-12-03); the key-order fold
  // (consumers/bulk_rebuild.h, what it does now, statistics folded as it does).
  enum class Way { kLive, kBatches, kKeyOrder };
  for (Way way : {Way::kLive, Way::kBatches, Way::kKeyOrder}) {
    if ((only_bulk && way != Way::kKeyOrder) || (only_live && way != Way::kLive)) continue;
    const std::string names[] = {fmt::format("live projector: WAL on, {} thread{}, {}{}", live.threads,
                                             live.threads == 1 ? "" : "s",
                                             live.fold_from > 0 ? fmt::format("key-order folds from a lag of {}", live.fold_from)
                                                                : std::string("batches only"),
                                             live.feed_rate > 0 ? fmt::format(", fed at {:.0f} events/s", live.feed_rate) : ""),
                                 "batches into a bulk load, 2 threads", "as `ledger rebuild`: key-order fold, 2 threads"};
    std::filesystem::path db_dir = dir.path() / ("store" + std::to_string(static_cast<int>(way)));
    t0 = std::chrono::steady_clock::now();
    const double cpu0 = CpuSeconds();
    auto db = ProjectionDb::Open(db_dir, way == Way::kLive ? ProjectionDb::Options{} : ProjectionDb::Options::BulkLoad());
    Result<ProjectionProgress> r = InvalidArgument("not run");
    std::string phases;
    if (way == Way::kKeyOrder) {
      BulkRebuildOptions options{dir.path() / "sort"};
      Result<BulkRebuildResult> k = InvalidArgument("not run");
      if (sort_dir.empty()) {
        k = BulkRebuild(**log, **db, options);
      } else if (Result<std::filesystem::path> runs = MakeRunsFolder(sort_dir, db_dir); !runs.ok()) {
        k = runs.status();
      } else {
        options.runs_dir = *runs;
        k = BulkRebuild(**log, **db, options);
        std::error_code ec;
        std::filesystem::remove_all(*runs, ec);
      }
      if (k.ok()) {
        r = k->progress;
        phases = fmt::format(" (read {:.2f} s, fold {:.2f} s, write {:.2f} s)", k->read_seconds, k->fold_seconds,
                             k->load_seconds);
        if (Status f = (*db)->FoldStatistics(); !f.ok()) r = f;
      } else {
        r = k.status();
      }
    } else if (way == Way::kLive) {
      r = CatchUpLive(**log, **db, live);
    } else {
      Projector projector(**log, **db, ProjectorOptions{32768u, 2});
      r = projector.CatchUp();
    }
    Status closed = (*db)->Close();
    double secs = Seconds(t0);
    const double cpu = CpuSeconds() - cpu0;
    if (!r.ok() || !closed.ok()) {
      fmt::print(stderr, "rebuild failed: {}\n", r.ok() ? closed.ToString() : r.status().ToString());
      return 1;
    }
    double rate = static_cast<double>(r->applied) / secs;
    fmt::print("rebuild ({}): {} events in {:.2f} s = {:.0f} events/s{}, CPU {:.2f} s = {:.2f} µs per event | "
               "raw RocksDB batched puts {:.0f}/s (ratio {:.2f}) | raw log read {:.0f} records/s\n",
               names[static_cast<int>(way)], r->applied, secs, rate, phases, cpu,
               cpu * 1e6 / static_cast<double>(r->applied), raw, rate / raw, read_rate);
    const double per_event = static_cast<double>(DirectoryBytes(db_dir)) / static_cast<double>(r->applied);
    fmt::print("  projections on disk: {:.0f} bytes per event\n", per_event);
    if (way == Way::kLive) {
      int64_t folded = 0;
      double fold_seconds = 0;
      std::string folds;  // each fold's rate in turn: whether it holds as the log goes on
      int64_t views = 0, steps = 0, waits = 0;
      double awaited = 0;
      for (const LiveRun::Fold& f : live.each_fold) {
        folded += f.records;
        fold_seconds += f.seconds;
        awaited += f.awaited;
        waits += f.awaited > 0 ? 1 : 0;
        views += f.views;
        steps += f.steps;
        folds += fmt::format(" {}k/{:.1f}s", (f.records + 500) / 1000, f.seconds);
        if (f.views > 0) folds += fmt::format("/{}k", (f.steps + 500) / 1000);
      }
      fmt::print("  {} records in {} batches ({:.2f} s summed over the threads), {} in {} folds ({:.2f} s; before {} of "
                 "them {:.2f} s waiting for compactions, level 0 at its limit)\n",
                 live.batch_records, live.batches, live.batch_seconds, folded, live.each_fold.size(), fold_seconds, waits,
                 awaited);
      if (!folds.empty()) {
        fmt::print("  folds in turn (records/time, then /keys their view cursors stepped over when they asked any):{}\n",
                   folds);
        fmt::print("  views asked of the folds' cursors: {} (the others came from the cache of views), keys they stepped over: {}\n",
                   views, steps);
      }
      fmt::print("  cache of views: {} views in {:.0f} MB of {:.0f} ({}; outgrown {} times); level 0: {} table files at the end\n",
                 live.cached_views, static_cast<double>(live.cached_bytes) / 1e6,
                 static_cast<double>(live.view_cache_bytes) / 1e6, live.cache_complete ? "complete" : "not complete",
                 live.drops, live.level0_files);
    }
    if (way == Way::kLive && live.feed_rate > 0)
      fmt::print("  most records durable and not yet projected while fed: {} ({:.2f} s of the feed)\n", live.max_lag,
                 static_cast<double>(live.max_lag) / live.feed_rate);
    if (way == Way::kLive && live.feed_rate > 0) {
      std::string lags;
      for (int64_t l : live.lag_each_second) lags += fmt::format(" {}k", (l + 500) / 1000);
      fmt::print("  lag each second (records):{}; all projected {:.2f} s after the feed's first record, {:.2f} s after its last\n",
                 lags, live.fed_seconds, live.fed_seconds - live.feed_seconds);
      if (!live.memory_lines.empty()) {
        fmt::print("  memory each second (MB):\n"
                   "    {:>5} {:>8} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}\n",
                   "s", "lag", "RSS", "alloc", "free", "memtab", "tables", "bcache", "pinned", "views");
        for (const std::string& line : live.memory_lines) fmt::print("    {}\n", line);
      }
      const double half = live.end_at - live.half_at;
      if (half > 0)
        fmt::print("  over the feed's second half ({:.1f} s): applied {:.0f} events/s ({}: lag {}k -> {}k)\n", half,
                   live.feed_rate - static_cast<double>(live.lag_at_end - live.lag_at_half) / half,
                   live.lag_at_end <= live.lag_at_half ? "kept up" : "fell behind", (live.lag_at_half + 500) / 1000,
                   (live.lag_at_end + 500) / 1000);
    }
  }
  if (brokers.empty())
    fmt::print("log on disk: {:.0f} bytes per event ({:.0f} bytes of event per record)\n",
               static_cast<double>(DirectoryBytes(data.empty() ? dir.path() / "log" : std::filesystem::path(data) / "log")) /
                   static_cast<double>(events),
               static_cast<double>(bytes) / static_cast<double>(std::max<size_t>(records, 1)));
  return 0;
}
