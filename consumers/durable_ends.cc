#include "consumers/durable_ends.h"

namespace ledger {

DurableEnds::DurableEnds(std::vector<int64_t> initial)
    : ends_(std::move(initial)), published_(ends_.size()) {
  const auto now = Clock::now();
  for (size_t p = 0; p < ends_.size(); ++p)
    if (ends_[p] > 0) published_[p].emplace_back(ends_[p], now);
}

void DurableEnds::Publish(int32_t partition, int64_t end) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto p = static_cast<size_t>(partition);
    if (p >= ends_.size() || end <= ends_[p]) return;
    ends_[p] = end;
    published_[p].emplace_back(end, Clock::now());
  }
  cv_.notify_all();
}

std::vector<int64_t> DurableEnds::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ends_;
}

bool DurableEnds::WaitBeyond(const std::vector<int64_t>& known, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  auto moved = [&] {
    for (size_t p = 0; p < ends_.size() && p < known.size(); ++p)
      if (ends_[p] > known[p]) return true;
    return false;
  };
  cv_.wait_for(lock, timeout, [&] { return stopped_ || moved(); });
  return moved();
}

void DurableEnds::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool DurableEnds::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

std::optional<DurableEnds::Clock::time_point> DurableEnds::PendingSince(int32_t partition, int64_t projected) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& q = published_.at(static_cast<size_t>(partition));
  while (!q.empty() && q.front().first <= projected) q.pop_front();
  if (q.empty()) return std::nullopt;
  return q.front().second;
}

}  // namespace ledger
