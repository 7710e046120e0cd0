#include "consumers/view_cache.h"

#include <algorithm>

#include <absl/hash/hash.h>

#include "consumers/free_memory.h"

namespace ledger {
namespace {
// Debian's Abseil has a string_view of its own, which its maps look up by.
absl::string_view Key(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

ViewCache::Shard& ViewCache::ShardOf(std::string_view account) {
  // High bits: the shard's own map places and tags entries by the low ones.
  return shards_[(absl::Hash<absl::string_view>{}(Key(account)) >> 48) % kShards];
}

ViewCache::Found ViewCache::Find(std::string_view account, std::string& bytes) {
  if (!complete_) return Found::kUnknown;
  Shard& s = ShardOf(account);
  std::lock_guard<std::mutex> lock(s.mu);
  if (!complete_) return Found::kUnknown;
  ++s.hits;
  auto it = s.views.find(Key(account));
  if (it == s.views.end()) return Found::kNone;
  bytes.assign(it->second);
  return Found::kView;
}

bool ViewCache::Reserve(size_t cost) {
  size_t now = bytes_.load();
  do {
    if (now + cost > capacity_) return false;
  } while (!bytes_.compare_exchange_weak(now, now + cost));
  return true;
}

void ViewCache::Put(std::string_view account, std::string_view bytes) {
  if (!complete_) return;
  Shard& s = ShardOf(account);
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (!complete_) return;
    auto it = s.views.find(Key(account));
    const size_t cost = Cost(account, bytes);
    const size_t old = it == s.views.end() ? 0 : Cost(account, it->second);
    if (cost <= old || Reserve(cost - old)) {
      bytes_ -= old - std::min(old, cost);
      if (it == s.views.end()) s.views.emplace(Key(account), Key(bytes));
      else it->second.assign(bytes);
      return;
    }
  }
  // Outgrown: whoever ends completeness drops the views (another thread may
  // have outgrown it at the same moment); no one reads what is left meanwhile.
  bool was = true;
  if (!complete_.compare_exchange_strong(was, false)) return;
  Drop();
  ++drops_;
}

bool ViewCache::Load(std::string_view account, std::string_view bytes) {
  if (refused_) return false;
  Shard& s = ShardOf(account);
  std::lock_guard<std::mutex> lock(s.mu);
  if (!Reserve(Cost(account, bytes))) {
    refused_ = true;
    return false;
  }
  auto [it, added] = s.views.try_emplace(Key(account), Key(bytes));
  if (!added) {  // the same account twice: the last bytes, counted once
    bytes_ -= Cost(account, it->second);
    it->second.assign(bytes);
  }
  return true;
}

void ViewCache::Drop() {
  complete_ = false;
  const bool held = bytes_.load() > 0;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    absl::flat_hash_map<std::string, std::string>().swap(s.views);
  }
  bytes_ = 0;
  // Hundreds of megabytes of small strings: freed, they would stay in the
  // allocator's free lists, counted in the process's resident memory.
  if (held) ReleaseFreeMemory();
}

void ViewCache::Clear() {
  Drop();
  refused_ = false;
}

size_t ViewCache::entries() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.views.size();
  }
  return n;
}

int64_t ViewCache::hits() const {
  int64_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.hits;
  }
  return n;
}

}  // namespace ledger
