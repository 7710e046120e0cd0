// End-to-end rebuild: the projections rebuilt from offset 0 of an embedded log
// on disk into a fresh RocksDB store (what `ledger rebuild` does), printed in
// events/s next to the raw limits measured in the same run on the same disk:
// the raw RocksDB batched-write rate, and the raw read rate of the log.
//
//   rebuild_bench [--families N] [--only-rebuild]   (default 10000 ≈ 106,000 events)
#include <chrono>
#include <cstdlib>
#include <cstring>

#include <fmt/core.h>

#include "benchmarks/bench_support.h"
#include "consumers/projector.h"
#include "events/embedded/embedded_event_log.h"

using namespace ledger;
using namespace ledger::bench;

namespace {

}  // namespace

int main(int argc, char** argv) {
  size_t families = 10000;
  bool only_bulk = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--families") == 0 && i + 1 < argc) families = std::strtoul(argv[++i], nullptr, 10);
    if (std::strcmp(argv[i], "--only-rebuild") == 0) only_bulk = true;  // for profiling
  }

  ScratchDir dir("rebuild");
  EmbeddedLogOptions lo;
  lo.create_if_missing = true;
  auto log = EmbeddedEventLog::Open(dir.path() / "log", lo);
  if (!log.ok()) {
    fmt::print(stderr, "{}\n", log.status().ToString());
    return 1;
  }
  fmt::print("filling the embedded log with {} families through the write path…\n", families);
  auto t0 = std::chrono::steady_clock::now();
  size_t events = FillWorkload(**log, families);
  fmt::print("  {} events written in {:.2f} s ({:.0f} events/s, group commit with fdatasync)\n", events,
             Seconds(t0), static_cast<double>(events) / Seconds(t0));

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
  size_t avg_bytes = records ? bytes / records : 300;

  // Raw limit 2: RocksDB batched writes of records of the same size.
  double raw = RawRocksDbBatchedWriteRate(dir.path() / "raw", 300000, avg_bytes, 1000);

  for (bool bulk : {false, true}) {
    if (only_bulk && !bulk) continue;
    std::filesystem::path db_dir = dir.path() / (bulk ? "bulk" : "live");
    t0 = std::chrono::steady_clock::now();
    auto db = ProjectionDb::Open(db_dir, bulk ? ProjectionDb::Options::BulkLoad() : ProjectionDb::Options{});
    Projector projector(**log, **db, ProjectorOptions{bulk ? 32768u : 4096u, bulk ? 2 : 1});
    auto r = projector.CatchUp();
    Status closed = (*db)->Close();
    double secs = Seconds(t0);
    if (!r.ok() || !closed.ok()) {
      fmt::print(stderr, "rebuild failed: {}\n", r.ok() ? closed.ToString() : r.status().ToString());
      return 1;
    }
    double rate = static_cast<double>(r->applied) / secs;
    fmt::print("rebuild ({}): {} events in {:.2f} s = {:.0f} events/s | raw RocksDB batched puts "
               "{:.0f}/s (ratio {:.2f}) | raw log read {:.0f} records/s\n",
               bulk ? "as `ledger rebuild`: bulk load, 2 threads" : "live projector: WAL on, 1 thread", r->applied, secs,
               rate, raw, rate / raw, read_rate);
  }
  return 0;
}
