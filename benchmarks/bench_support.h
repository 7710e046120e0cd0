// Shared set-up of the benchmarks: a filled log, a scratch directory, the raw
// RocksDB batched-write rate every figure is reported next to, and
// percentiles of latency samples.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "aggregates/command_handler.h"
#include "events/event_log.h"
#include "events/testing/temp_dir.h"

namespace ledger::bench {

using ScratchDir = testing::TempDir;

// The workload of `families` families as commands (aggregates/testing/workload.h).
std::vector<Command> Workload(size_t families, uint32_t seed = 1);

// Writes `commands` through the write path in group commits of `group`
// (sealing personal data with `vault` when given; keeping the write state in
// `state`, as every writer of the ledger does, when given); returns the
// number of events appended. Aborts on any refusal: a benchmark's workload is
// all accepted.
size_t WriteCommands(EventLog& log, std::span<const Command> commands, PersonalDataVault* vault = nullptr,
                     WriteStateOptions state = {}, size_t group = 5000);

// Workload() then WriteCommands().
size_t FillWorkload(EventLog& log, size_t families, uint32_t seed = 1, PersonalDataVault* vault = nullptr);

// Appends one pupil with `events` events (creation, notification, activation,
// then staff resets and completions) under account id `account`.
void FillLongHistory(EventLog& log, const std::string& account, size_t events);

// Raw RocksDB: `records` puts of `value_bytes` bytes in WriteBatches of
// `batch` puts, WAL on, no sync — the ceiling a projector's commits can reach.
// Returns records per second.
double RawRocksDbBatchedWriteRate(const std::filesystem::path& dir, size_t records,
                                  size_t value_bytes, size_t batch);

// Raw embedded log: `records` appends of `bytes` bytes under distinct keys,
// flushed (fdatasync) every 512 — the ceiling of the write path. Records per second.
double RawLogAppendRate(const std::filesystem::path& dir, size_t records, size_t bytes);

// Seconds elapsed since `since` (steady clock).
inline double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// CPU seconds this process has used so far, user and system, all its
// threads (RocksDB's background work included). On this project's shared
// machines a figure's CPU time varies less than its wall time: a change is
// measured by both (README "National scale").
double CpuSeconds();

// The q-quantile (0..1) of `samples` (sorted in place).
double Percentile(std::vector<double>& samples, double q);
// The middle value of `samples`, the mean of the two middle ones for an even
// count; 0 when empty.
double Median(std::vector<double> samples);

// The allocator this program runs on: "tcmalloc <version>" when linked with
// gperftools' (CMakeLists.txt: LEDGER_TCMALLOC), else "glibc malloc". Printed
// with the figures, which depend on it (README "National scale").
std::string AllocatorName();

// This process's memory now, in bytes: resident (VmRSS), and, under
// tcmalloc, what the program has allocated and not freed and what the
// allocator keeps freed without handing it back (its page heap's free pages
// and its caches' free objects). Both 0 under glibc malloc; `resident` 0
// where /proc cannot be read.
struct MemoryNow {
  int64_t resident = 0;
  int64_t allocated = 0;
  int64_t allocator_free = 0;
};
MemoryNow Memory();
// A field of this process's /proc/self/status counted in kB ("VmRSS",
// "VmHWM"), in KiB; 0 when absent or unreadable.
int64_t ProcStatusKiB(std::string_view field);

// Bytes of the regular files under `dir` (recursively): what a log or a store
// takes on disk. 0 when `dir` does not exist.
uint64_t DirectoryBytes(const std::filesystem::path& dir);

}  // namespace ledger::bench
