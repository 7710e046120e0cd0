// Google Benchmark figures of the read side. Each reports, as a counter next
// to its own figure, the raw RocksDB batched-write rate measured in the same
// run (raw_rocksdb_puts_per_s), because this machine is noisy.
//
//   BM_ApplyThroughput     events/s projected from an in-memory log into a fresh store
//                          (/0 live projector, /1 as `ledger rebuild`)
//   BM_HistoryQuery        one account's 100-event history: p50/p99 in µs
//   BM_StatsDepartment     the department table now (arg 0) and as of a past date (arg 1)
#include <benchmark/benchmark.h>

#include <chrono>

#include "benchmarks/bench_support.h"
#include "consumers/projector.h"
#include "events/codec.h"
#include "events/testing/memory_event_log.h"

namespace ledger::bench {
namespace {

double RawRate() {
  static double rate = [] {
    ScratchDir dir("raw");
    return RawRocksDbBatchedWriteRate(dir.path(), 200000, 300, 1000);
  }();
  return rate;
}

MemoryEventLog& SharedLog() {
  static MemoryEventLog* log = [] {
    auto* l = new MemoryEventLog(12);
    FillWorkload(*l, 2000);
    FillLongHistory(*l, "long-history-pupil", 100);
    return l;
  }();
  return *log;
}

void BM_ApplyThroughput(benchmark::State& state) {
  MemoryEventLog& log = SharedLog();
  int64_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    ScratchDir dir("apply");
    auto db = ProjectionDb::Open(dir.path() / "db", state.range(0) == 1 ? ProjectionDb::Options::BulkLoad() : ProjectionDb::Options{});
    state.ResumeTiming();
    const bool rebuild = state.range(0) == 1;
    Projector p(log, **db, ProjectorOptions{rebuild ? 32768u : 4096u, rebuild ? 2 : 1});
    auto r = p.CatchUp();
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    events += r->applied;
    if (!(*db)->Close().ok()) state.SkipWithError("close");
    state.PauseTiming();
    db->reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(events);
  state.counters["raw_rocksdb_puts_per_s"] = RawRate();
}
// Arg 0: the live projector (WAL on, 4096-record batches, 1 thread); arg 1: as
// `ledger rebuild` (bulk load without WAL, 32768-record batches, 2 threads).
BENCHMARK(BM_ApplyThroughput)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// A projected store shared by the query benchmarks.
ProjectionDb& SharedDb() {
  static ScratchDir* dir = new ScratchDir("query");
  static ProjectionDb* db = [] {
    auto d = ProjectionDb::Open(dir->path() / "db", {});
    Projector p(SharedLog(), **d);
    if (!p.CatchUp().ok()) std::abort();
    return d->release();
  }();
  return *db;
}

void BM_HistoryQuery(benchmark::State& state) {
  ProjectionDb& db = SharedDb();
  std::vector<double> us;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto h = db.History("long-history-pupil");
    size_t n = 0;
    for (const std::string& r : *h) n += DecodeRecord(r).ok();
    benchmark::DoNotOptimize(n);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (n != 100) state.SkipWithError("expected 100 events");
  }
  state.counters["p50_us"] = Percentile(us, 0.5);
  state.counters["p99_us"] = Percentile(us, 0.99);
  state.counters["raw_rocksdb_puts_per_s"] = RawRate();
}
BENCHMARK(BM_HistoryQuery)->Iterations(2000);

void BM_StatsDepartment(benchmark::State& state) {
  ProjectionDb& db = SharedDb();
  std::optional<Date> as_of;
  if (state.range(0) == 1) as_of = Date{2027, 1, 15};
  std::vector<double> ms;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto t = db.Stats(Scope::kDepartment, as_of);
    benchmark::DoNotOptimize(t->size());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  state.counters["p50_ms"] = Percentile(ms, 0.5);
  state.counters["p99_ms"] = Percentile(ms, 0.99);
  state.counters["raw_rocksdb_puts_per_s"] = RawRate();
}
BENCHMARK(BM_StatsDepartment)->Arg(0)->Arg(1)->Iterations(500);

}  // namespace
}  // namespace ledger::bench

BENCHMARK_MAIN();
