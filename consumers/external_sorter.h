// ExternalSorter: sorts more (key, value) byte strings than memory holds —
// the key-order fold of `ledger rebuild` (bulk_rebuild.h) sorts the whole log
// by stream with it, and the keys its fold makes out of order.
//
// Add() copies each entry into a buffer of `memory_bytes`; a full buffer is
// sorted by key (the buffer and a 24-byte slot per entry count in
// `memory_bytes`) and written to a run file in `dir` (created; the files are
// removed by the destructor and by Merge's reader when done; written and
// read past the page cache where the file system allows: run_file.h), in blocks of
// whole entries, LZ4-compressed when asked (the log's records then take
// about half their size on disk, for some CPU: README "National scale"). Merge() returns
// every entry of one or more sorters in key order (bytewise, as RocksDB's
// default comparator); equal keys come in the order they were added (for
// several sorters: all of the first sorter's, then the next's). Memory: the
// buffer, then a block or two (~128 KiB) per run while merging.
//
// Errors (a full disk, a run file that cannot be read back) are Unavailable
// naming the file; the sorter is then unusable. Thread-safety: one thread per
// sorter; sorters given to one Merge must not be used again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "events/status.h"

namespace ledger {

class SortedEntries {
 public:
  virtual ~SortedEntries() = default;
  // Moves to the next entry (the first at the first call): false at the end.
  virtual Result<bool> Next() = 0;
  // The current entry; valid until the next call of Next().
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
};

class ExternalSorter {
 public:
  // `name` prefixes the run files (several sorters may share `dir`).
  ExternalSorter(std::filesystem::path dir, std::string name, size_t memory_bytes, bool compress = false);
  ~ExternalSorter();
  ExternalSorter(const ExternalSorter&) = delete;
  ExternalSorter& operator=(const ExternalSorter&) = delete;

  Status Add(std::string_view key, std::string_view value);
  int64_t size() const { return entries_; }
  size_t runs() const { return runs_.size(); }

  // Every entry of `sorters` (non-null), in key order.
  static Result<std::unique_ptr<SortedEntries>> Merge(std::vector<ExternalSorter*> sorters);

 private:
  class RunReader;
  class MemoryReader;
  class Merger;
  // Sorts the buffer's slots by key; equal keys keep their order of arrival.
  void SortBuffer();
  Status Spill();

  std::filesystem::path dir_;
  std::string name_;
  size_t memory_bytes_;
  bool compress_;
  std::vector<char> buffer_;       // per entry: u32 key length, u32 value length, key, value
  // Each entry of the buffer: its key's first 16 bytes (big-endian, zero
  // padded), which decide most comparisons without reading the buffer, and
  // where it starts (also its order of arrival, for ties).
  struct Slot {
    uint64_t prefix[2];
    uint64_t at;
  };
  std::vector<Slot> slots_;
  std::vector<std::filesystem::path> runs_;
  int64_t entries_ = 0;
};

}  // namespace ledger
