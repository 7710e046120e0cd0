// CommandSpill: commands sorted by time in bounded memory — an external merge
// sort, for a year of commands too big to hold (ARCHITECTURE.md §10).
//
// Add() keeps up to `run_size` commands in memory; a full run is sorted by
// `at` (stable) and written to a file of `dir`; Finish() writes the last one.
// Next(n) then merges the runs: the commands come out in the order a stable
// sort of all of them by `at` would give (equal times keep the order they
// were added in), holding one chunk per run in memory.
//
// The files hold commands (aggregates/command_bytes.h) with personal data (a
// CreateAccount carries names, birth date, INE): each chunk of `kChunk`
// commands is sealed (libsodium
// XChaCha20-Poly1305) under a key drawn at Create and kept in memory only, so
// the files are unreadable once the process is gone; the destructor removes
// `dir`. Bytes that do not open or decode are DataLoss naming the run file
// and the chunk; a full disk is Unavailable naming the file.
// Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

#include "aggregates/command.h"
#include "events/status.h"

namespace ledger::sim {

class CommandSpill {
 public:
  static constexpr size_t kChunk = 256;  // commands per sealed chunk

  // `dir` must not exist (it is created, and removed by the destructor).
  static Result<std::unique_ptr<CommandSpill>> Create(std::filesystem::path dir, size_t run_size);
  ~CommandSpill();

  Status Add(Command c);
  Status Finish();
  // Up to `n` next commands in order; empty once every command came out.
  Result<std::vector<Command>> Next(size_t n);

  size_t size() const { return added_; }
  size_t runs() const { return runs_.size(); }

 private:
  struct Run {
    std::filesystem::path file;
    std::ifstream in;
    std::vector<Command> chunk;
    size_t pos = 0;
    size_t chunks_read = 0;
  };
  CommandSpill(std::filesystem::path dir, size_t run_size);
  Status SpillRun();
  Status Refill(Run& run);  // the run's next chunk, or an empty one at its end
  static bool Later(const std::pair<Timestamp, size_t>& a, const std::pair<Timestamp, size_t>& b);

  std::filesystem::path dir_;
  size_t run_size_;
  std::array<unsigned char, 32> key_{};
  uint64_t nonce_counter_ = 0;
  std::vector<Command> pending_;
  std::vector<std::unique_ptr<Run>> runs_;
  std::vector<std::pair<Timestamp, size_t>> heap_;  // each unfinished run's head
  size_t added_ = 0;
  bool finished_ = false;
};

}  // namespace ledger::sim
