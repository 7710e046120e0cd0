// ViewCache: every account's view as a live projector last wrote it, encoded
// (view_codec), in memory — while all of them fit in `capacity_bytes` — so
// that its folds and batches read views from memory and never from the
// store. A fold reads the view of every account its records touch; from the
// store that is a walk through every view of every table file on level 0
// and below, a third of a late fold's thread time at scale 1 (README
// "National scale").
//
// All or nothing: a cache that holds only some views saves nothing (the
// accounts it lacks still need the walk, and they are spread over the whole
// store) and costs its memory — measured slower than no cache at all. So:
// - Complete (after the caller loaded every view of the store, or the store
//   has none: MarkComplete): Find() answers kView or kNone — an account it
//   lacks has no view, the store need not be read.
// - The first Put() that would take it past its capacity drops every view
//   (their memory goes back to the system) and ends it: from then on Find()
//   says kUnknown (read the store) and Put() keeps nothing, until Clear().
// Contract (the projector's, the store's only writer of views): the cache
// holds the bytes of the view the store holds — or will hold once the fold
// or batch being built commits: the projector puts each view as it writes
// it, and clears the cache when a write fails (a failed fold or batch is
// never committed).
// Thread-safety: every member from any thread (shards, a mutex each).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

namespace ledger {

class ViewCache {
 public:
  static constexpr size_t kShards = 64;
  // What an entry costs beyond its account's and bytes' lengths: its map
  // slot (two strings, grown with the map) and the allocator's headers
  // (549 k views of a scale-1 year, 220 MB of bytes, took ~300 MB of
  // resident memory: ~146 bytes each beyond their bytes).
  static constexpr size_t kEntryOverhead = 160;

  explicit ViewCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

  enum class Found { kView, kNone, kUnknown };
  // kView: `bytes` holds the account's view. kNone: it has none (complete).
  // kUnknown: the cache cannot tell; read the store.
  Found Find(std::string_view account, std::string& bytes);
  // The view the projector writes for `account`: replaces the one held.
  void Put(std::string_view account, std::string_view bytes);
  // A view read from the store to fill the cache (before MarkComplete):
  // false, keeping nothing more, once it would not fit.
  bool Load(std::string_view account, std::string_view bytes);
  // The caller loaded every view of the store (or it has none). Ignored
  // after a Load refused one: the cache then lacks views the store has.
  void MarkComplete() { complete_ = !refused_.load(); }
  // Forgets every view: not complete, ready to be filled again. Drops and
  // Clears hand the memory back to the system (tcmalloc's release, else
  // malloc_trim), once per drop.
  void Clear();

  bool complete() const { return complete_.load(); }
  size_t capacity() const { return capacity_; }
  size_t bytes() const { return bytes_.load(); }
  size_t entries() const;
  int64_t hits() const;       // Find() answered from memory (kView or kNone)
  int64_t drops() const { return drops_.load(); }  // times it outgrew its capacity

 private:
  struct Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<std::string, std::string> views;  // account -> bytes
    int64_t hits = 0;
  };
  static size_t Cost(std::string_view account, std::string_view bytes) {
    return account.size() + bytes.size() + kEntryOverhead;
  }
  Shard& ShardOf(std::string_view account);
  // Adds `cost` to bytes_ unless that passes the capacity (false).
  bool Reserve(size_t cost);
  void Drop();

  const size_t capacity_;
  std::array<Shard, kShards> shards_;
  std::atomic<size_t> bytes_{0};
  std::atomic<bool> complete_{false};
  std::atomic<bool> refused_{false};  // a Load did not fit since the last Clear
  std::atomic<int64_t> drops_{0};
};

}  // namespace ledger
