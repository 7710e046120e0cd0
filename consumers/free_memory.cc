#include "consumers/free_memory.h"

#include <malloc.h>

#include <cstddef>

// A weak reference: null in a program on glibc's malloc.
extern "C" void MallocExtension_ReleaseFreeMemory() __attribute__((weak));
extern "C" int MallocExtension_GetNumericProperty(const char* property, size_t* value) __attribute__((weak));
extern "C" void MallocExtension_ReleaseToSystem(size_t num_bytes) __attribute__((weak));

namespace ledger {

void ReleaseFreeMemory() {
  if (MallocExtension_ReleaseFreeMemory != nullptr) MallocExtension_ReleaseFreeMemory();
  else malloc_trim(0);
}

namespace {
bool OnTcmalloc() {
  return MallocExtension_GetNumericProperty != nullptr && MallocExtension_ReleaseToSystem != nullptr;
}
}  // namespace

std::optional<size_t> FreedPagesKept() {
  size_t free = 0;
  if (!OnTcmalloc() || !MallocExtension_GetNumericProperty("tcmalloc.pageheap_free_bytes", &free)) return std::nullopt;
  return free;
}

size_t KeepFreedMemoryUnder(size_t bytes) {
  if (!OnTcmalloc()) {
    malloc_trim(bytes);
    return 0;
  }
  const std::optional<size_t> before = FreedPagesKept();
  if (!before || *before <= bytes) return 0;
  // tcmalloc hands back whole spans (the freed pages it coalesced, up to
  // hundreds of MB) and counts what it released beyond a request against
  // the next requests, which it then ignores: asked again while it keeps
  // more than the bound (twice, at most a few times).
  size_t kept = *before;
  for (int attempt = 0; attempt < 16 && kept > bytes; ++attempt) {
    MallocExtension_ReleaseToSystem(kept - bytes);
    kept = FreedPagesKept().value_or(0);
  }
  return *before > kept ? *before - kept : 0;
}

FreeMemoryKeeper::FreeMemoryKeeper(size_t bytes, std::chrono::milliseconds period) : bytes_(bytes), period_(period) {
  if (OnTcmalloc()) thread_ = std::thread([this] { Keep(); });
}

FreeMemoryKeeper::~FreeMemoryKeeper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FreeMemoryKeeper::Keep() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_cv_.wait_for(lock, period_, [this] { return stop_; })) released_ += KeepFreedMemoryUnder(bytes_);
}

}  // namespace ledger
