#include "ops/console/progress.h"

#include <unistd.h>

#include <fmt/core.h>

namespace ledger {

ProgressBar::ProgressBar(std::string label, int64_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) && total > 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t done) {
  last_done_ = done;
  auto now = std::chrono::steady_clock::now();
  if (!enabled_ || now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(done);
}

void ProgressBar::Draw(int64_t done) {
  constexpr int kWidth = 30;
  double frac = total_ > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)) : 1;
  int filled = static_cast<int>(frac * kWidth);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  fmt::print(stderr, "\r{} [{}{}] {:3.0f}%  {}/{}  {:.0f}/s ", label_, std::string(filled, '#'),
             std::string(kWidth - filled, ' '), frac * 100, done, total_, rate);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  Draw(last_done_);
  fmt::print(stderr, "\n");
}

}  // namespace ledger
