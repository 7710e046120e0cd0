// What sealing personal data costs (ARCHITECTURE §9, PRIVACY.md): the write
// path and the rebuild of the same workload, in clear (schema 1) and sealed
// (schema 2: a data key per person in DATA/keys on disk, created and synced
// once per group commit, the fields encrypted with XChaCha20-Poly1305), in
// the same run, at two sizes to see the figure hold as the data grows (the
// workload's commands are made once per size, before any timing: the rates
// are the write path's alone).
//
// The machine is noisy (±15 % between two runs of one mode), so each round
// writes the workload once in every mode (each mode first in turn), then
// rebuilds the two logs of the writers' path twice each, A B B A (B A A B in
// odd rounds), so that the machine's drift falls on both; a cost is the
// median of the rounds' paired costs, shown with its lowest and highest.
// Next to them, the raw limits of the same run: the embedded log's raw append
// rate and RocksDB's raw batched-write rate. The write path is measured as
// every writer of the ledger runs it (aggregates/write_state.h: the write
// state in DATA/write-state, a cache of 200,000 streams), and the command
// handler alone (its whole state in memory; sealed with the key store on disk
// or in memory).
//
//   privacy_bench [--families N,M] [--rounds R] [--verbose]   (default 5000,20000 and 8)
//   privacy_bench --only MODE [--families N]   one mode's runs alone, for a profiler
//                 (0 clear, 1 sealed, 2 sealed keys in memory, 3 clear write state, 4 sealed write state)
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <unistd.h>

#include <fmt/core.h>

#include "aggregates/rocksdb/state_db.h"
#include "benchmarks/bench_cli.h"
#include "benchmarks/bench_support.h"
#include "consumers/bulk_rebuild.h"
#include "events/embedded/embedded_event_log.h"
#include "events/privacy/key_vault.h"
#include "events/privacy/rocksdb/rocksdb_key_store.h"

using namespace ledger;
using namespace ledger::bench;

namespace {

struct Run {
  size_t events = 0;
  double write = 0, rebuild = 0;  // events/s
  double write_cpu = 0;           // CPU µs per event written (both cores)
  double log_bytes = 0;           // per event
};

enum class Mode { kClear, kSealed, kSealedKeysInMemory, kClearWriteState, kSealedWriteState };
constexpr int kModes = 5;

// One mode's write of the workload into a fresh log (kept in `dir` for the
// rebuilds of the round).
Run Write(std::span<const Command> workload, Mode mode, const std::filesystem::path& dir) {
  const bool sealed = mode != Mode::kClear && mode != Mode::kClearWriteState;
  EmbeddedLogOptions lo;
  lo.create_if_missing = true;
  auto log = EmbeddedEventLog::Open(dir / "log", lo);
  if (!log.ok()) std::abort();
  std::unique_ptr<privacy::KeyStore> keys;
  std::unique_ptr<privacy::KeyVault> vault;
  if (mode == Mode::kSealed || mode == Mode::kSealedWriteState) {
    auto k = privacy::RocksDbKeyStore::Open(dir / "keys", false);
    if (!k.ok()) std::abort();
    keys = std::move(*k);
  } else if (mode == Mode::kSealedKeysInMemory) {
    auto memory = std::make_unique<privacy::MemoryKeyStore>();  // the crypto and the bytes, without the key store's I/O
    memory->exclusive_writer = true;                                 // as DATA/keys
    keys = std::move(memory);
  }
  if (sealed) vault = std::make_unique<privacy::KeyVault>(*keys, privacy::Secret32::Random());
  std::unique_ptr<StateDb> state;
  if (mode == Mode::kClearWriteState || mode == Mode::kSealedWriteState) {
    auto opened = StateDb::Open(dir / "write-state");
    if (!opened.ok()) std::abort();
    state = std::move(*opened);
  }
  // The previous run's files leave the page cache first: each run starts on a quiet disk.
  ::sync();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Run run;
  auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  run.events = WriteCommands(**log, workload, vault.get(), WriteStateOptions{state.get()});
  state.reset();  // its flush at close is the write path's too
  run.write = static_cast<double>(run.events) / Seconds(t0);
  run.write_cpu = (CpuSeconds() - cpu0) * 1e6 / static_cast<double>(run.events);
  run.log_bytes = static_cast<double>(DirectoryBytes(dir / "log")) / static_cast<double>(run.events);
  return run;
}

// `ledger rebuild`'s bulk load of the log in `dir` into a fresh store: events/s.
double Rebuild(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir / "db", ec);
  EmbeddedLogOptions lo;
  auto log = EmbeddedEventLog::Open(dir / "log", lo);
  if (!log.ok()) std::abort();
  ::sync();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  auto db = ProjectionDb::Open(dir / "db", ProjectionDb::Options::BulkLoad());
  if (!db.ok()) std::abort();
  auto r = BulkRebuild(**log, **db, BulkRebuildOptions{dir / "sort"});  // as `ledger rebuild`
  if (!r.ok() || !(*db)->FoldStatistics().ok() || !(*db)->Close().ok()) std::abort();
  return static_cast<double>(r->progress.applied) / Seconds(t0);
}

double Cost(double clear, double sealed) { return 100.0 * (clear - sealed) / clear; }

// One mode's runs across the rounds.
struct Series {
  std::vector<Run> runs;
  double Best(double Run::*f) const {
    double b = 0;
    for (const Run& r : runs) b = std::max(b, r.*f);
    return b;
  }
  double MedianOf(double Run::*f) const {
    std::vector<double> v;
    for (const Run& r : runs) v.push_back(r.*f);
    return Median(v);
  }
};

// The cost of `sealed` against `clear` round by round (each round's runs are
// neighbours in time, so the machine's drift cancels): median, lowest, highest.
struct Paired {
  double median = 0, low = 0, high = 0;
};
Paired PairedCost(const Series& clear, const Series& sealed, double Run::*f) {
  std::vector<double> costs;
  for (size_t i = 0; i < clear.runs.size(); ++i) costs.push_back(Cost(clear.runs[i].*f, sealed.runs[i].*f));
  auto [lo, hi] = std::minmax_element(costs.begin(), costs.end());
  return Paired{Median(costs), *lo, *hi};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes = {5000, 20000};
  int rounds = 8;
  bool verbose = false;
  int only = -1;
  // CLI11: --help explains; an unknown option or a value that is not a
  // number is refused, naming it.
  CLI::App app{"privacy_bench: what sealing personal data costs: the write path and the rebuild of the same "
               "workload in clear and sealed, at each size, in rounds that alternate the modes, next to the "
               "raw log append and RocksDB batched-write rates of the same run"};
  app.add_option("--families", sizes, "the workload's sizes, in families (comma-separated)")
      ->delimiter(',')->check(PositiveCount())->capture_default_str();
  app.add_option("--rounds", rounds, "rounds at each size")->check(PositiveCount())->capture_default_str();
  app.add_flag("--verbose", verbose, "every round's figures on stderr, besides the medians");
  app.add_option("--only", only, "one mode's runs alone, for a profiler: 0 clear, 1 sealed, 2 sealed keys in "
                                 "memory, 3 clear write state, 4 sealed write state")
      ->check(WholeNumberIn(0, kModes - 1));
  CLI11_PARSE(app, argc, argv);
  if (only >= 0) {
    for (size_t families : sizes) {
      const std::vector<Command> workload = Workload(families);
      for (int r = 0; r < rounds; ++r) {
        ScratchDir dir("privacy-only");
        Run x = Write(workload, static_cast<Mode>(only), dir.path());
        fmt::print("{} families, mode {}: write {:.0f} events/s ({:.2f} CPU us/event), rebuild {:.0f}\n", families,
                   only, x.write, x.write_cpu, Rebuild(dir.path()));
      }
    }
    return 0;
  }
  ScratchDir raw_dir("privacy-raw");
  struct Row {
    size_t families = 0;
    Series modes[kModes];
    double raw_append = 0, raw_rocks = 0;
  };
  std::vector<Row> rows;
  for (size_t families : sizes) {
    Row& row = rows.emplace_back();
    row.families = families;
    const std::vector<Command> workload = Workload(families);  // made once, outside every timing
    for (int r = 0; r < rounds; ++r) {
      // Each mode goes first in turn: none always meets the disk its predecessor left.
      std::vector<Mode> order;
      for (int m = 0; m < kModes; ++m) order.push_back(static_cast<Mode>(m));
      std::rotate(order.begin(), order.begin() + r % kModes, order.end());
      std::vector<std::unique_ptr<ScratchDir>> dirs(kModes);
      for (Mode mode : order) {
        const int m = static_cast<int>(mode);
        dirs[m] = std::make_unique<ScratchDir>("privacy-" + std::to_string(m));
        row.modes[m].runs.push_back(Write(workload, mode, dirs[m]->path()));
        if (mode != Mode::kClearWriteState && mode != Mode::kSealedWriteState) dirs[m].reset();
      }
      // The two logs of the writers' path rebuilt twice each, A B B A (B A A B
      // in odd rounds): the machine's drift during the round falls on both.
      const int a = r % 2 ? 4 : 3, b = r % 2 ? 3 : 4;
      const double first_a = Rebuild(dirs[a]->path()), first_b = Rebuild(dirs[b]->path());
      row.modes[b].runs.back().rebuild = (first_b + Rebuild(dirs[b]->path())) / 2;
      row.modes[a].runs.back().rebuild = (first_a + Rebuild(dirs[a]->path())) / 2;
      if (verbose)
        for (int m = 0; m < kModes; ++m)
          fmt::print(stderr, "round {} mode {}: write {:.0f} ({:.2f} CPU us/event) rebuild {:.0f}\n", r, m,
                     row.modes[m].runs.back().write, row.modes[m].runs.back().write_cpu,
                     row.modes[m].runs.back().rebuild);
    }
    row.raw_append = RawLogAppendRate(raw_dir.path() / ("log" + std::to_string(families)), 200000, 300);
    row.raw_rocks = RawRocksDbBatchedWriteRate(raw_dir.path() / ("db" + std::to_string(families)), 300000, 300, 1000);
  }
  auto range = [](const Paired& p) { return fmt::format("({:.0f}%,{:.0f}%)", p.low, p.high); };
  fmt::print("The write path as the ledger's writers run it (the write state on disk, DATA/write-state), and "
             "`ledger rebuild` of the log it wrote:\n");
  fmt::print("{:>8} {:>9} | {:>10} {:>10} {:>6} {:>13} | {:>10} {:>11} | {:>11} {:>11} {:>6} {:>13} | {:>9} {:>9} | "
             "{:>10} {:>10}\n",
             "families", "events", "write clr", "write seal", "cost", "(lowest,high)", "CPU/ev clr", "CPU/ev seal",
             "rebuild clr", "rebuild seal", "cost", "(lowest,high)", "B/ev clear", "B/ev seal", "raw append",
             "raw rocksdb");
  for (const Row& row : rows) {
    const Series& clear = row.modes[3];
    const Series& sealed = row.modes[4];
    const Paired write = PairedCost(clear, sealed, &Run::write);
    const Paired rebuild = PairedCost(clear, sealed, &Run::rebuild);
    fmt::print("{:>8} {:>9} | {:>10.0f} {:>10.0f} {:>5.1f}% {:>13} | {:>10.2f} {:>11.2f} | {:>11.0f} {:>11.0f} "
               "{:>5.1f}% {:>13} | {:>9.0f} {:>9.0f} | {:>10.0f} {:>10.0f}\n",
               row.families, clear.runs.front().events, clear.Best(&Run::write), sealed.Best(&Run::write),
               write.median, range(write), clear.MedianOf(&Run::write_cpu), sealed.MedianOf(&Run::write_cpu),
               clear.Best(&Run::rebuild), sealed.Best(&Run::rebuild), rebuild.median, range(rebuild),
               clear.runs.front().log_bytes, sealed.runs.front().log_bytes, row.raw_append, row.raw_rocks);
  }
  fmt::print("\nThe command handler alone (its whole state in memory):\n");
  fmt::print("{:>8} {:>9} | {:>10} {:>10} {:>6} {:>13} {:>9} | {:>10} {:>11}\n", "families", "events", "write clr",
             "write seal", "cost", "(lowest,high)", "keys mem", "CPU/ev clr", "CPU/ev seal");
  for (const Row& row : rows) {
    const Series& clear = row.modes[0];
    const Series& sealed = row.modes[1];
    const Paired write = PairedCost(clear, sealed, &Run::write);
    fmt::print("{:>8} {:>9} | {:>10.0f} {:>10.0f} {:>5.1f}% {:>13} {:>8.1f}% | {:>10.2f} {:>11.2f}\n", row.families,
               clear.runs.front().events, clear.Best(&Run::write), sealed.Best(&Run::write), write.median,
               range(write), PairedCost(clear, row.modes[2], &Run::write).median, clear.MedianOf(&Run::write_cpu),
               sealed.MedianOf(&Run::write_cpu));
  }
  fmt::print("(events/s, best of {} rounds; cost: how much slower sealed is, the median of the rounds' paired "
             "costs, with the lowest and highest; a round's rebuild rate: the mean of two rebuilds of its log, run "
             "A B B A; keys mem: the same with the keys held in memory; CPU/ev: median CPU µs per event written, "
             "both cores; raw: records/s of the embedded log's append (300 B, fdatasync every 512) and of RocksDB "
             "batched puts (300 B, batches of 1000))\n",
             rounds);
  return 0;
}
