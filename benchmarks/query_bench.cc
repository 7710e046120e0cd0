// Query latency on an existing ledger's projections (issue 16: "queries stay
// flat" — the same figures at scale 1 and 10 are compared): the department
// table now and as of a date, and one account's history, each timed in
// process over many runs (p50, p99), next to the raw RocksDB batched-write
// rate of the same run and the store's size.
//
//   query_bench --data DIR [--data DIR2 …] [--rounds N] [--runs N]
//               [--accounts K] [--as-of YYYY-MM-DD]
//   (defaults: one round; 500 runs of each table, the histories of 2,000
//   accounts taken from the establishments' member lists, as of 2023-01-31)
//
// Each store is opened as a reader (as `ledger stats` does), so the ledger may
// be in use meanwhile. Histories are read once each, in a shuffled order: a
// history read is a point look-up, not a repeat of the same hot key.
//
// Several stores, several rounds: each round measures the raw rate, then
// every store in the order given, each opened afresh (a cold block cache, the
// same accounts every round) — the stores interleaved, so that the machine's
// swings fall on all of them alike. After the last round, each query's p99
// per round and store, and each later store's p99 over the first's, round by
// round, with their median (README "National scale", item 5: on this
// machine one store against itself moves its p99 by 3×, so a single pair of
// runs says little).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <fmt/format.h>

#include "benchmarks/bench_cli.h"
#include "benchmarks/bench_support.h"
#include "events/codec.h"
#include "projections/rocksdb/projection_db.h"

using namespace ledger;
using namespace ledger::bench;

namespace {

struct Args {
  std::vector<std::string> data;
  size_t rounds = 1, runs = 500, accounts = 2000;
  std::string as_of_text = "2023-01-31";
  Date as_of;
};

// The queries timed, in the order printed.
enum Query { kTableNow, kTableAsOf, kHistory, kQueries };

// One store's p99 of each query, round after round.
using P99s = std::array<std::vector<double>, kQueries>;

double MillisSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Prints a query's line and returns its p99.
double PrintLine(const std::string& what, std::vector<double>& ms, double raw) {
  const double p50 = Percentile(ms, 0.5), p99 = Percentile(ms, 0.99);
  fmt::print("{:<38} p50 {:8.3f} ms   p99 {:8.3f} ms   ({} runs) | raw RocksDB batched puts {:.0f}/s\n", what, p50,
             p99, ms.size(), raw);
  return p99;
}

// Accounts to read the history of: the members of every establishment,
// shuffled the same way every time, at most `limit`.
Result<std::vector<std::string>> AccountsOf(const ProjectionDb& db, size_t limit) {
  std::vector<std::string> ids;
  LEDGER_ASSIGN_OR_RETURN(auto establishments, db.Stats(Scope::kEstablishment));
  std::string last_uai;
  for (const auto& [cell, counts] : establishments) {
    if (cell.scope_id == last_uai) continue;
    last_uai = cell.scope_id;
    auto members = db.MembersOf(cell.scope_id);
    if (members.ok()) ids.insert(ids.end(), members->begin(), members->end());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::shuffle(ids.begin(), ids.end(), std::mt19937_64(1));
  if (ids.size() > limit) ids.resize(limit);
  return ids;
}

// Opens the store of `data`, times its queries, prints them and adds their
// p99s to `p99s`. An error names the store.
Status MeasureStore(const std::string& data, const Args& args, double raw, P99s& p99s) {
  const std::filesystem::path store = std::filesystem::path(data) / "projections";
  auto t_open = std::chrono::steady_clock::now();
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<ProjectionDb> db, ProjectionDb::Open(store, ProjectionDb::Options::Reader()));
  const double open_ms = MillisSince(t_open);
  LEDGER_ASSIGN_OR_RETURN(std::vector<std::string> ids, AccountsOf(*db, args.accounts));

  fmt::print("store {}: {:.1f} MB, opened (as a reader, checksums verified) in {:.0f} ms\n", store.string(),
             static_cast<double>(DirectoryBytes(store)) / 1e6, open_ms);
  size_t rows = 0;
  for (const bool dated : {false, true}) {
    std::vector<double> ms;
    for (size_t i = 0; i < args.runs; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto t = dated ? db->Stats(Scope::kDepartment, args.as_of) : db->Stats(Scope::kDepartment);
      ms.push_back(MillisSince(t0));
      LEDGER_RETURN_IF_ERROR(t.status());
      rows = t->size();
    }
    p99s[dated ? kTableAsOf : kTableNow].push_back(
        PrintLine(dated ? "department table as of " + args.as_of_text : "department table now", ms, raw));
  }
  std::vector<double> ms;
  size_t events = 0;
  for (const std::string& id : ids) {
    auto t0 = std::chrono::steady_clock::now();
    auto h = db->History(id);
    LEDGER_RETURN_IF_ERROR(h.status());
    for (const std::string& r : *h) events += DecodeRecord(r).ok();
    ms.push_back(MillisSince(t0));
  }
  if (ids.empty()) {
    fmt::print("one history: no account found in the establishments' member lists\n");
  } else {
    p99s[kHistory].push_back(PrintLine(
        fmt::format("one history ({:.1f} events on average)", static_cast<double>(events) / ids.size()), ms, raw));
  }
  fmt::print("({} cells in the department table; histories of {} accounts, each read once)\n", rows, ids.size());
  return OkStatus();
}

// Each query's p99 round by round for every store, and each later store's
// over the first's with their median and how many rounds stay within 2×.
void PrintSummary(const Args& args, const std::vector<P99s>& p99s) {
  static constexpr const char* kNames[kQueries] = {"department table now", "department table as of", "one history"};
  fmt::print("\np99 by round (ms), stores interleaved, {} rounds:\n", args.rounds);
  for (int q = 0; q < kQueries; ++q) {
    fmt::print("  {}\n", kNames[q]);
    for (size_t s = 0; s < p99s.size(); ++s) {
      const std::vector<double>& v = p99s[s][q];
      if (v.empty()) continue;
      fmt::print("    #{} {:<26} {:.3f}   median {:.3f}\n", s + 1, args.data[s], fmt::join(v, " "), Median(v));
    }
    for (size_t s = 1; s < p99s.size(); ++s) {
      const std::vector<double>& a = p99s[0][q];
      const std::vector<double>& b = p99s[s][q];
      if (a.empty() || a.size() != b.size()) continue;
      std::vector<double> ratio;
      for (size_t r = 0; r < a.size(); ++r) ratio.push_back(a[r] > 0 ? b[r] / a[r] : 0);
      const auto within = std::count_if(ratio.begin(), ratio.end(), [](double x) { return x <= 2.0; });
      fmt::print("    #{} over #1: {:.2f}   median {:.2f}, within 2x in {} of {} rounds\n", s + 1, fmt::join(ratio, " "),
                 Median(ratio), within, ratio.size());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  // CLI11: --help explains; an unknown option, a missing value or a number
  // that is not one is refused, naming it.
  CLI::App app{"query_bench: times the department table now and as of a date, and one account's history, on "
               "each ledger's projections (opened as a reader), next to the raw RocksDB batched-write rate of "
               "the same run. With several --data and --rounds N the stores are measured in turn, round after "
               "round, and the end compares each store's p99 with the first's (e.g. --data SCALE1 --data "
               "SCALE10 --rounds 10: is scale 10 within 2x of scale 1?)"};
  app.add_option("--data", args.data, "a ledger's directory (`ledger simulate`, then `ledger rebuild`); repeat it "
                                      "to compare stores")->required();
  app.add_option("--rounds", args.rounds, "rounds, each measuring every store in turn")->check(PositiveCount())
      ->capture_default_str();
  app.add_option("--runs", args.runs, "runs of each table query per round")->check(PositiveCount())
      ->capture_default_str();
  app.add_option("--accounts", args.accounts, "histories read per round, from the establishments' member lists")
      ->check(PositiveCount())->capture_default_str();
  app.add_option("--as-of", args.as_of_text, "the date of the table as of (YYYY-MM-DD)")->check(IsoDate())->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  args.as_of = *ParseIsoDate(args.as_of_text);  // checked by IsoDate()

  ScratchDir scratch("query-bench");
  std::vector<P99s> p99s(args.data.size());
  for (size_t round = 1; round <= args.rounds; ++round) {
    if (args.rounds > 1) fmt::print("== round {} of {}\n", round, args.rounds);
    std::filesystem::remove_all(scratch.path() / "raw");
    const double raw = RawRocksDbBatchedWriteRate(scratch.path() / "raw", 300000, 300, 1000);
    for (size_t s = 0; s < args.data.size(); ++s) {
      if (Status st = MeasureStore(args.data[s], args, raw, p99s[s]); !st.ok()) {
        fmt::print(stderr, "query_bench: {}: {}\n", args.data[s], st.ToString());
        return 1;
      }
    }
  }
  if (args.rounds > 1 || args.data.size() > 1) PrintSummary(args, p99s);
  return 0;
}
