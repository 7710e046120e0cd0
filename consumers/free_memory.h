// ReleaseFreeMemory: hands the memory this process has freed back to the
// system, whichever allocator holds it — gperftools' tcmalloc when the
// program is linked with it (CMakeLists.txt: LEDGER_TCMALLOC; it keeps freed
// memory in lists of its own, which glibc's malloc_trim does not reach), else
// glibc's malloc. For a caller that has just freed a large working set (a
// dropped cache of views, a finished fold): the next allocations then take
// fresh pages, so not for every small free. Thread-safe.
//
// FreedPagesKept(): the bytes of freed pages tcmalloc keeps mapped for later
// allocations (its page heap's free bytes); nullopt under glibc's malloc.
//
// KeepFreedMemoryUnder(bytes): if tcmalloc keeps more than `bytes` of freed
// pages for later allocations, hands the excess back to the system; returns
// the bytes handed back. Under glibc's malloc, malloc_trim(bytes) (which
// keeps `bytes` at the heap's top only), and 0. Thread-safe.
//
// FreeMemoryKeeper: while it lives, a thread of its own calls
// KeepFreedMemoryUnder(bytes) every `period`: the process's resident memory
// stays within what is in use plus `bytes` (plus what was freed within one
// period), and the pages freed and allocated again within that slack are
// not faulted in anew. No thread under glibc's malloc.
//
// Why a bound rather than nothing kept: tcmalloc's "aggressive decommit"
// (every freed page handed back at once) held a fed scale-20 live projector
// to a peak RSS of ~1.0 GB, but each page freed was faulted in again when
// next allocated — 16-18 M page faults, ~4 % more CPU per event than a
// bound of 128 MB (7.6-8.0 M; as much as the allocator pleases: 0.4 M, ~2 %
// less again, and peaks up to 1.6 GB). README "National scale", session 48.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

namespace ledger {

void ReleaseFreeMemory();
std::optional<size_t> FreedPagesKept();
size_t KeepFreedMemoryUnder(size_t bytes);

class FreeMemoryKeeper {
 public:
  explicit FreeMemoryKeeper(size_t bytes, std::chrono::milliseconds period = std::chrono::milliseconds(100));
  ~FreeMemoryKeeper();
  FreeMemoryKeeper(const FreeMemoryKeeper&) = delete;
  FreeMemoryKeeper& operator=(const FreeMemoryKeeper&) = delete;

  // The bytes handed back so far.
  uint64_t released() const { return released_.load(); }

 private:
  void Keep();

  const size_t bytes_;
  const std::chrono::milliseconds period_;
  std::atomic<uint64_t> released_{0};
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ledger
