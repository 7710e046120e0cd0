// DurableEnds: how far each partition of a log is durable, as the writer
// publishes it after every successful flush — what a live projector may
// project, and the signal that wakes it (no polling of the disk).
//
// The writer calls Publish() after EventLog::Flush() returned OK, with the
// end offsets its appends reached; the projector reads Snapshot() and sleeps
// in WaitBeyond() until an end moves. PendingSince() dates the oldest record
// not yet projected (the projector's lag in seconds).
// Thread-safety: every member is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace ledger {

class DurableEnds {
 public:
  using Clock = std::chrono::steady_clock;

  explicit DurableEnds(std::vector<int64_t> initial);

  int32_t partition_count() const { return static_cast<int32_t>(ends_.size()); }
  // Records that `partition` is durable up to `end` (ignored if not beyond
  // what is known) and wakes waiters.
  void Publish(int32_t partition, int64_t end);
  std::vector<int64_t> Snapshot() const;

  // Blocks until some partition's end exceeds `known`, Stop(), or `timeout`.
  // True when an end moved.
  bool WaitBeyond(const std::vector<int64_t>& known, std::chrono::milliseconds timeout) const;
  // Wakes every waiter for good (shutdown).
  void Stop();
  bool stopped() const;

  // When the first record at or after `projected` in `partition` was
  // published; nullopt when nothing beyond `projected` is published. Forgets
  // what lies before `projected`.
  std::optional<Clock::time_point> PendingSince(int32_t partition, int64_t projected);

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<int64_t> ends_;
  // Per partition: (end, when published), ascending ends.
  std::vector<std::deque<std::pair<int64_t, Clock::time_point>>> published_;
  bool stopped_ = false;
};

}  // namespace ledger
