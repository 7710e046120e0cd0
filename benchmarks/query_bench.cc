// Query latency on an existing ledger's projections (issue 16: "queries stay
// flat" — the same figures at scale 1 and 10 are compared): the department
// table now and as of a date, and one account's history, each timed in
// process over many runs (p50, p99), next to the raw RocksDB batched-write
// rate of the same run and the store's size.
//
//   query_bench --data DIR [--runs N] [--accounts K] [--as-of YYYY-MM-DD]
//   (defaults: 500 runs of each table, the histories of 2,000 accounts taken
//   from the establishments' member lists, as of 2023-01-31)
//
// The store is opened as a reader (as `ledger stats` does), so the ledger may
// be in use meanwhile. Histories are read once each, in a shuffled order: a
// history read is a point look-up, not a repeat of the same hot key.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "benchmarks/bench_support.h"
#include "events/codec.h"
#include "projections/rocksdb/projection_db.h"

using namespace ledger;
using namespace ledger::bench;

namespace {

double MillisSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void PrintLine(const std::string& what, std::vector<double>& ms, double raw) {
  fmt::print("{:<38} p50 {:8.3f} ms   p99 {:8.3f} ms   ({} runs) | raw RocksDB batched puts {:.0f}/s\n", what,
             Percentile(ms, 0.5), Percentile(ms, 0.99), ms.size(), raw);
}

}  // namespace

int main(int argc, char** argv) {
  std::string data;
  size_t runs = 500, accounts = 2000;
  std::string as_of_text = "2023-01-31";
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--data") == 0 && has_value) data = argv[++i];
    else if (std::strcmp(argv[i], "--runs") == 0 && has_value) runs = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--accounts") == 0 && has_value) accounts = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--as-of") == 0 && has_value) as_of_text = argv[++i];
    else {
      fmt::print(stderr, "usage: query_bench --data DIR [--runs N] [--accounts K] [--as-of YYYY-MM-DD]\n");
      return 2;
    }
  }
  const std::optional<Date> as_of = ParseIsoDate(as_of_text);
  if (data.empty() || !as_of || runs == 0) {
    fmt::print(stderr, "query_bench: --data DIR is required; --as-of must be a date, --runs positive\n");
    return 2;
  }
  const std::filesystem::path store = std::filesystem::path(data) / "projections";
  auto t_open = std::chrono::steady_clock::now();
  auto db = ProjectionDb::Open(store, ProjectionDb::Options::Reader());
  if (!db.ok()) {
    fmt::print(stderr, "query_bench: {}\n", db.status().ToString());
    return 1;
  }
  const double open_ms = MillisSince(t_open);

  // Accounts to read the history of: the members of every establishment.
  std::vector<std::string> ids;
  auto establishments = (*db)->Stats(Scope::kEstablishment);
  if (!establishments.ok()) {
    fmt::print(stderr, "query_bench: {}\n", establishments.status().ToString());
    return 1;
  }
  std::string last_uai;
  for (const auto& [cell, counts] : *establishments) {
    if (cell.scope_id == last_uai) continue;
    last_uai = cell.scope_id;
    auto members = (*db)->MembersOf(cell.scope_id);
    if (members.ok()) ids.insert(ids.end(), members->begin(), members->end());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::shuffle(ids.begin(), ids.end(), std::mt19937_64(1));
  if (ids.size() > accounts) ids.resize(accounts);

  ScratchDir scratch("query-bench");
  const double raw = RawRocksDbBatchedWriteRate(scratch.path() / "raw", 300000, 300, 1000);

  fmt::print("store {}: {:.1f} MB, opened (as a reader, checksums verified) in {:.0f} ms\n", store.string(),
             static_cast<double>(DirectoryBytes(store)) / 1e6, open_ms);
  size_t rows = 0;
  for (const bool dated : {false, true}) {
    std::vector<double> ms;
    for (size_t i = 0; i < runs; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto t = dated ? (*db)->Stats(Scope::kDepartment, as_of) : (*db)->Stats(Scope::kDepartment);
      ms.push_back(MillisSince(t0));
      if (!t.ok()) {
        fmt::print(stderr, "query_bench: {}\n", t.status().ToString());
        return 1;
      }
      rows = t->size();
    }
    PrintLine(dated ? "department table as of " + as_of_text : "department table now", ms, raw);
  }
  std::vector<double> ms;
  size_t events = 0;
  for (const std::string& id : ids) {
    auto t0 = std::chrono::steady_clock::now();
    auto h = (*db)->History(id);
    if (!h.ok()) {
      fmt::print(stderr, "query_bench: history of an account: {}\n", h.status().ToString());
      return 1;
    }
    for (const std::string& r : *h) events += DecodeRecord(r).ok();
    ms.push_back(MillisSince(t0));
  }
  if (ids.empty()) {
    fmt::print("one history: no account found in the establishments' member lists\n");
  } else {
    PrintLine(fmt::format("one history ({:.1f} events on average)", static_cast<double>(events) / ids.size()),
              ms, raw);
  }
  fmt::print("({} cells in the department table; histories of {} accounts, each read once)\n", rows, ids.size());
  return 0;
}
