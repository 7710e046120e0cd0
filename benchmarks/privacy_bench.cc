// What sealing personal data costs (ARCHITECTURE §9, PRIVACY.md): the write
// path and the rebuild of the same workload, in clear (schema 1) and sealed
// (schema 2: a data key per person in DATA/keys on disk, created and synced
// once per group commit, the fields encrypted with XChaCha20-Poly1305), in
// the same run, at two sizes to see the figure hold as the data grows (the
// workload's commands are made once per size, before any timing: the rates
// are the write path's alone). The
// machine is noisy (±15 % between two runs of one mode): each round runs every
// mode once, in turn first, and the cost is the median of the rounds' paired
// costs, shown with its lowest and highest. Next to them, the raw limits of
// the same run: the embedded log's raw append rate and RocksDB's raw
// batched-write rate. The write path is measured twice: the command handler
// alone (its whole state in memory), and as every writer of the ledger runs it
// since the write state went to disk (aggregates/write_state.h: DATA/write-state,
// a cache of 200,000 streams), clear and sealed both ways.
//
//   privacy_bench [--families N,M] [--rounds R] [--verbose]   (default 5000,20000 and 6)
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/core.h>

#include "aggregates/rocksdb/state_db.h"
#include "benchmarks/bench_support.h"
#include "consumers/bulk_rebuild.h"
#include "events/embedded/embedded_event_log.h"
#include "events/privacy/key_vault.h"
#include "events/privacy/rocksdb/rocksdb_key_store.h"

using namespace ledger;
using namespace ledger::bench;

namespace {

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

struct Run {
  size_t events = 0;
  double write = 0, rebuild = 0;  // events/s
  double write_cpu = 0;           // CPU µs per event written (both cores)
  double log_bytes = 0;           // per event
};

enum class Mode { kClear, kSealed, kSealedKeysInMemory, kClearWriteState, kSealedWriteState };
constexpr int kModes = 5;

Run Once(std::span<const Command> workload, Mode mode) {
  const bool sealed = mode != Mode::kClear && mode != Mode::kClearWriteState;
  ScratchDir dir(sealed ? "privacy-sealed" : "privacy-clear");
  EmbeddedLogOptions lo;
  lo.create_if_missing = true;
  auto log = EmbeddedEventLog::Open(dir.path() / "log", lo);
  if (!log.ok()) std::abort();
  std::unique_ptr<privacy::KeyStore> keys;
  std::unique_ptr<privacy::KeyVault> vault;
  if (mode == Mode::kSealed || mode == Mode::kSealedWriteState) {
    auto k = privacy::RocksDbKeyStore::Open(dir.path() / "keys", false);
    if (!k.ok()) std::abort();
    keys = std::move(*k);
  } else if (mode == Mode::kSealedKeysInMemory) {
    auto memory = std::make_unique<privacy::MemoryKeyStore>();  // the crypto and the bytes, without the key store's I/O
    memory->exclusive_writer = true;                                 // as DATA/keys
    keys = std::move(memory);
  }
  if (keys) vault = std::make_unique<privacy::KeyVault>(*keys, privacy::Secret32::Random());
  std::unique_ptr<StateDb> state;
  if (mode == Mode::kClearWriteState || mode == Mode::kSealedWriteState) {
    auto opened = StateDb::Open(dir.path() / "write-state");
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
  run.log_bytes = static_cast<double>(DirectoryBytes(dir.path() / "log")) / static_cast<double>(run.events);
  ::sync();
  t0 = std::chrono::steady_clock::now();
  auto db = ProjectionDb::Open(dir.path() / "db", ProjectionDb::Options::BulkLoad());
  if (!db.ok()) std::abort();
  auto r = BulkRebuild(**log, **db, BulkRebuildOptions{dir.path() / "sort"});  // as `ledger rebuild`
  if (!r.ok() || !(*db)->FoldStatistics().ok() || !(*db)->Close().ok()) std::abort();
  run.rebuild = static_cast<double>(r->progress.applied) / Seconds(t0);
  return run;
}

double Cost(double clear, double sealed) { return 100.0 * (clear - sealed) / clear; }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

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
  int rounds = 6;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--families") == 0 && i + 1 < argc) {
      sizes.clear();
      std::stringstream ss(argv[++i]);
      for (std::string n; std::getline(ss, n, ',');) sizes.push_back(std::strtoul(n.c_str(), nullptr, 10));
    }
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--verbose") == 0) verbose = true;
  }
  ScratchDir raw_dir("privacy-raw");
  fmt::print("{:>8} {:>9} | {:>10} {:>10} {:>6} {:>13} {:>9} | {:>10} {:>10} | {:>11} {:>11} {:>6} | {:>9} {:>9} | {:>10} {:>10}\n",
             "families", "events", "write clr", "write seal", "cost", "(lowest,high)", "keys mem", "CPU/ev clr",
             "CPU/ev seal", "rebuild clr", "rebuild seal", "cost", "B/ev clear", "B/ev seal", "raw append",
             "raw rocksdb");
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
      for (Mode mode : order) {
        Run x = Once(workload, mode);
        if (verbose)
          fmt::print(stderr, "round {} mode {}: write {:.0f} ({:.2f} CPU us/event) rebuild {:.0f}\n", r,
                     static_cast<int>(mode), x.write, x.write_cpu, x.rebuild);
        row.modes[static_cast<int>(mode)].runs.push_back(x);
      }
    }
    row.raw_append = RawLogAppendRate(raw_dir.path() / ("log" + std::to_string(families)), 200000, 300);
    row.raw_rocks = RawRocksDbBatchedWriteRate(raw_dir.path() / ("db" + std::to_string(families)), 300000, 300, 1000);
    const Series& clear = row.modes[0];
    const Series& sealed = row.modes[1];
    const Paired write = PairedCost(clear, sealed, &Run::write);
    const Paired rebuild = PairedCost(clear, sealed, &Run::rebuild);
    fmt::print("{:>8} {:>9} | {:>10.0f} {:>10.0f} {:>5.1f}% {:>13} {:>8.1f}% | {:>10.2f} {:>11.2f} | {:>11.0f} {:>11.0f} "
               "{:>5.1f}% | {:>9.0f} {:>9.0f} | {:>10.0f} {:>10.0f}\n",
               families, clear.runs.front().events, clear.Best(&Run::write), sealed.Best(&Run::write), write.median,
               fmt::format("({:.0f}%,{:.0f}%)", write.low, write.high), PairedCost(clear, row.modes[2], &Run::write).median,
               clear.MedianOf(&Run::write_cpu), sealed.MedianOf(&Run::write_cpu), clear.Best(&Run::rebuild),
               sealed.Best(&Run::rebuild), rebuild.median, clear.runs.front().log_bytes, sealed.runs.front().log_bytes,
               row.raw_append, row.raw_rocks);
  }
  fmt::print("\nThe write path as the ledger's writers run it (the write state on disk, DATA/write-state):\n");
  fmt::print("{:>8} {:>9} | {:>10} {:>10} {:>6} {:>13} | {:>10} {:>11} | {:>10} {:>10}\n", "families", "events",
             "write clr", "write seal", "cost", "(lowest,high)", "CPU/ev clr", "CPU/ev seal", "raw append",
             "raw rocksdb");
  for (const Row& row : rows) {
    const Series& clear = row.modes[3];
    const Series& sealed = row.modes[4];
    const Paired write = PairedCost(clear, sealed, &Run::write);
    fmt::print("{:>8} {:>9} | {:>10.0f} {:>10.0f} {:>5.1f}% {:>13} | {:>10.2f} {:>11.2f} | {:>10.0f} {:>10.0f}\n",
               row.families, clear.runs.front().events, clear.Best(&Run::write), sealed.Best(&Run::write),
               write.median, fmt::format("({:.0f}%,{:.0f}%)", write.low, write.high), clear.MedianOf(&Run::write_cpu),
               sealed.MedianOf(&Run::write_cpu), row.raw_append, row.raw_rocks);
  }
  fmt::print("(events/s, best of {} rounds; cost: how much slower sealed is, the median of the rounds' paired "
             "costs, with the lowest and highest; keys mem: the same with the keys held in memory; CPU/ev: median "
             "CPU µs per event written, both cores; raw: records/s of the embedded log's append (300 B, fdatasync "
             "every 512) and of RocksDB batched puts (300 B, batches of 1000))\n",
             rounds);
  return 0;
}
