// What sealing personal data costs (ARCHITECTURE §9, PRIVACY.md): the write
// path and the rebuild of the same workload, in clear (schema 1) and sealed
// (schema 2: a data key per person in DATA/keys on disk, created and synced
// once per group commit, the fields encrypted with XChaCha20-Poly1305), in
// the same run, alternated, best of `rounds`, at two sizes to see the figure
// hold as the data grows. Next to them, the raw limits of the same run: the
// embedded log's raw append rate and RocksDB's raw batched-write rate.
//
//   privacy_bench [--families N,M] [--rounds R]   (default 5000,20000 and 2)
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <fmt/core.h>

#include "benchmarks/bench_support.h"
#include "consumers/projector.h"
#include "events/embedded/embedded_event_log.h"
#include "events/privacy/key_vault.h"
#include "events/privacy/rocksdb/rocksdb_key_store.h"

using namespace ledger;
using namespace ledger::bench;

namespace {

struct Run {
  size_t events = 0;
  double write = 0, rebuild = 0;  // events/s
  double log_bytes = 0;           // per event
};

uint64_t DirBytes(const std::filesystem::path& dir) {
  uint64_t n = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir))
    if (f.is_regular_file()) n += f.file_size();
  return n;
}

enum class Mode { kClear, kSealed, kSealedKeysInMemory };

Run Once(size_t families, Mode mode) {
  const bool sealed = mode != Mode::kClear;
  ScratchDir dir(sealed ? "privacy-sealed" : "privacy-clear");
  EmbeddedLogOptions lo;
  lo.create_if_missing = true;
  auto log = EmbeddedEventLog::Open(dir.path() / "log", lo);
  if (!log.ok()) std::abort();
  std::unique_ptr<privacy::KeyStore> keys;
  std::unique_ptr<privacy::KeyVault> vault;
  if (mode == Mode::kSealed) {
    auto k = privacy::RocksDbKeyStore::Open(dir.path() / "keys", false);
    if (!k.ok()) std::abort();
    keys = std::move(*k);
  } else if (mode == Mode::kSealedKeysInMemory) {
    keys = std::make_unique<privacy::MemoryKeyStore>();  // the crypto and the bytes, without the key store's I/O
  }
  if (keys) vault = std::make_unique<privacy::KeyVault>(*keys, privacy::Secret32::Random());
  // The previous run's files leave the page cache first: each run starts on a quiet disk.
  ::sync();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Run run;
  auto t0 = std::chrono::steady_clock::now();
  run.events = FillWorkload(**log, families, 1, vault.get());
  run.write = static_cast<double>(run.events) / Seconds(t0);
  run.log_bytes = static_cast<double>(DirBytes(dir.path() / "log")) / static_cast<double>(run.events);
  ::sync();
  t0 = std::chrono::steady_clock::now();
  auto db = ProjectionDb::Open(dir.path() / "db", ProjectionDb::Options::BulkLoad());
  if (!db.ok()) std::abort();
  Projector projector(**log, **db, ProjectorOptions{32768u, 2});  // as `ledger rebuild`
  auto r = projector.CatchUp();
  if (!r.ok() || !(*db)->Close().ok()) std::abort();
  run.rebuild = static_cast<double>(r->applied) / Seconds(t0);
  return run;
}

double Cost(double clear, double sealed) { return 100.0 * (clear - sealed) / clear; }

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes = {5000, 20000};
  int rounds = 2;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--families") == 0 && i + 1 < argc) {
      sizes.clear();
      std::stringstream ss(argv[++i]);
      for (std::string n; std::getline(ss, n, ',');) sizes.push_back(std::strtoul(n.c_str(), nullptr, 10));
    }
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = std::atoi(argv[++i]);
  }
  ScratchDir raw_dir("privacy-raw");
  fmt::print("{:>8} {:>9} | {:>11} {:>11} {:>6} {:>11} {:>6} | {:>11} {:>11} {:>6} | {:>9} {:>9} | {:>10} {:>10}\n",
             "families", "events", "write clear", "write seal", "cost", "seal, mem", "cost", "rebuild clr",
             "rebuild seal", "cost", "B/ev clear", "B/ev seal", "raw append", "raw rocksdb");
  for (size_t families : sizes) {
    Run clear, sealed, in_memory;
    for (int r = 0; r < rounds; ++r) {
      for (Mode mode : {Mode::kClear, Mode::kSealed, Mode::kSealedKeysInMemory}) {
        Run x = Once(families, mode);
        Run& best = mode == Mode::kClear ? clear : mode == Mode::kSealed ? sealed : in_memory;
        best.events = x.events;
        best.log_bytes = x.log_bytes;
        best.write = std::max(best.write, x.write);
        best.rebuild = std::max(best.rebuild, x.rebuild);
      }
    }
    const double raw_append = RawLogAppendRate(raw_dir.path() / ("log" + std::to_string(families)), 200000, 300);
    const double raw_rocks = RawRocksDbBatchedWriteRate(raw_dir.path() / ("db" + std::to_string(families)), 300000, 300, 1000);
    fmt::print("{:>8} {:>9} | {:>11.0f} {:>11.0f} {:>5.1f}% {:>11.0f} {:>5.1f}% | {:>11.0f} {:>11.0f} {:>5.1f}% | {:>9.0f} {:>9.0f} | {:>10.0f} {:>10.0f}\n",
               families, clear.events, clear.write, sealed.write, Cost(clear.write, sealed.write), in_memory.write,
               Cost(clear.write, in_memory.write), clear.rebuild,
               sealed.rebuild, Cost(clear.rebuild, sealed.rebuild), clear.log_bytes, sealed.log_bytes, raw_append,
               raw_rocks);
  }
  fmt::print("(events/s, best of {} alternated rounds; cost = how much slower sealed is; raw: records/s of the "
             "embedded log's append (300 B, fdatasync every 512) and of RocksDB batched puts (300 B, batches of 1000))\n",
             rounds);
  return 0;
}
