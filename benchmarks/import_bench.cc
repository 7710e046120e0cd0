// Import throughput: generated SIECLE exports (ISO-8859-15, the real layout)
// of `--pupils` pupils in `--establishments` establishments of two
// departments (collèges in 031, lycées in 032), families of 1–3 children
// sharing their two guardians across establishments, imported as
// `ledger import siecle` does (RunImportSiecle: parse, bring the import index
// up to date with the log, plan into a sealed spill, report, group-committed
// appends with fdatasync), then the next year's
// exports (10 % transfers, 5 % leavers, 30 % class changes, 5 % newcomers) as
// a diff, then the same files again (nothing to append). Printed next to the
// raw limits measured in the same run on the same disk: the embedded log's
// raw append rate (records of the same size, flushed every 512) and RocksDB's
// raw batched-write rate. Each step prints its own peak RSS (the peak is
// reset before it), the last line the whole run's (the generated populations
// included).
//
//   import_bench [--pupils N] [--establishments E]   (default 6,000 in 6)
#include <algorithm>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "benchmarks/bench_cli.h"
#include "benchmarks/bench_support.h"
#include "events/embedded/embedded_event_log.h"
#include "events/identifiers.h"
#include "ops/import/csv/annuaire.h"
#include "ops/import/siecle/siecle.h"
#include "ops/cli/import_command.h"
#include "ops/import/testing/generated_siecle.h"

using namespace ledger;
using namespace ledger::bench;
using namespace ledger::import::testing;
namespace fs = std::filesystem;

namespace {

ImportRequest WriteExports(const Population& pop, const fs::path& dir, Date date) {
  fs::create_directories(dir);
  ImportRequest req;
  req.date = date;
  for (int s = 0; s < static_cast<int>(pop.uais.size()); ++s) {
    auto [e, r] = WriteExport(pop, s, dir);
    req.eleves.push_back(e);
    req.responsables.push_back(r);
  }
  return req;
}

int64_t LogEnd(const fs::path& log_dir) {
  EmbeddedLogOptions o;
  o.read_only = true;
  auto log = EmbeddedEventLog::Open(log_dir, o);
  if (!log.ok()) return 0;
  int64_t n = 0;
  for (int32_t p = 0; p < (*log)->partition_count(); ++p) n += *(*log)->EndOffset(p);
  return n;
}

// Resets the process's peak resident set (Linux: clear_refs 5), so that the
// next PeakSinceMiB() is the peak of what ran in between.
void ResetPeak() {
  if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}
long PeakSinceMiB() { return static_cast<long>(ProcStatusKiB("VmHWM") / 1024); }


}  // namespace

int main(int argc, char** argv) {
  int pupils = 6000, schools = 6;
  // CLI11: --help explains; an unknown option or a value that is not a
  // number is refused, naming it.
  CLI::App app{"import_bench: generated SIECLE exports imported as `ledger import siecle` does, then the next "
               "year's as a diff, then the same files again, next to the raw log append and RocksDB "
               "batched-write rates of the same run, each step with its peak RSS"};
  app.add_option("--pupils", pupils, "pupils in the exports")->check(PositiveCount())->capture_default_str();
  app.add_option("--establishments", schools, "establishments they are spread over")->check(PositiveCount())
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  ScratchDir dir("import-bench");
  LogFlags flags;
  flags.data = (dir.path() / "data").string();

  const Population y1 = Generate(pupils, schools);
  const Population y2 = NextYear(y1);
  const std::vector<import::Establishment> directory = DirectoryOf(y1);
  fs::create_directories(flags.data);
  if (Status s = import::SaveDirectory(DirectoryPath(flags), directory); !s.ok()) {
    fmt::print(stderr, "{}\n", s.ToString());
    return 1;
  }
  const ImportRequest first = WriteExports(y1, dir.path() / "year1", Date{2024, 9, 2});
  const ImportRequest second = WriteExports(y2, dir.path() / "year2", Date{2025, 9, 1});
  size_t file_bytes = 0;
  for (const auto& f : first.eleves) file_bytes += fs::file_size(f);
  for (const auto& f : first.responsables) file_bytes += fs::file_size(f);
  fmt::print("generated: {} pupils, {} families in {} establishments ({:.1f} MB of XML); "
             "next year {} pupils\n",
             y1.pupils.size(), y1.families, schools, file_bytes / 1e6, y2.pupils.size());

  // Parsing alone.
  auto t0 = std::chrono::steady_clock::now();
  size_t parsed = 0;
  for (size_t i = 0; i < first.eleves.size(); ++i) {
    auto set = import::ParseSiecle(first.eleves[i], first.responsables[i]);
    if (!set.ok()) {
      fmt::print(stderr, "{}\n", set.status().ToString());
      return 1;
    }
    parsed += set->pupils.size();
  }
  const double parse_s = Seconds(t0);
  fmt::print("parse only: {} pupils in {:.3f} s = {:.0f} pupils/s ({:.1f} MB/s)\n", parsed,
             parse_s, parsed / parse_s, file_bytes / 1e6 / parse_s);

  const fs::path log_dir = fs::path(flags.data) / "log";
  std::FILE* devnull = std::fopen("/dev/null", "w");
  auto clock = [] { return Timestamp{1'756'800'000'000'000}; };
  struct Step {
    const char* what;
    const ImportRequest* request;
  };
  double import_rate = 0;
  long whole_peak = 0;  // MiB, over the whole run (the generated populations included)
  for (Step step : {Step{"year 1 (all new)", &first}, Step{"year 2 (diff)", &second},
                    Step{"year 2 again (nothing to do)", &second}}) {
    const int64_t before = LogEnd(log_dir);
    whole_peak = std::max(whole_peak, PeakSinceMiB());
    ResetPeak();
    t0 = std::chrono::steady_clock::now();
    if (Status s = RunImportSiecle(flags, *step.request, clock, devnull); !s.ok()) {
      fmt::print(stderr, "{}: {}\n", step.what, s.ToString());
      return 1;
    }
    const double secs = Seconds(t0);
    const int64_t events = LogEnd(log_dir) - before;
    const size_t n = step.request == &first ? y1.pupils.size() : y2.pupils.size();
    fmt::print("import {:<30} {:>6} pupils in {:6.3f} s = {:>7.0f} pupils/s, {:>6} events = "
               "{:>7.0f} events/s; peak RSS {} MiB\n",
               step.what, n, secs, n / secs, events, events / secs, PeakSinceMiB());
    whole_peak = std::max(whole_peak, PeakSinceMiB());
    if (step.request == &first) import_rate = events / secs;
  }
  std::fclose(devnull);

  const double raw_log = RawLogAppendRate(dir.path() / "rawlog", 100000, 300);
  const double raw_rocks = RawRocksDbBatchedWriteRate(dir.path() / "raw", 300000, 300, 512);
  fmt::print("raw limits, same run: embedded log append {:.0f} records/s (fdatasync every 512); "
             "RocksDB batched puts {:.0f}/s\n",
             raw_log, raw_rocks);
  fmt::print("year-1 import appends at {:.1f} % of the raw log append rate; peak RSS {} MiB\n",
             100.0 * import_rate / raw_log, std::max(whole_peak, PeakSinceMiB()));
  return 0;
}
