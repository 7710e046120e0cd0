// A one-line progress bar for long work, drawn on stderr only when both
// stdout and stderr are terminals (never in pipes, files or CI logs).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ledger {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total);
  ~ProgressBar();
  void Update(int64_t done);  // redraws at most 10 times a second
  void Finish();              // final line, then a newline
  bool enabled() const { return enabled_; }

 private:
  void Draw(int64_t done);
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool finished_ = false;
  int64_t last_done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace ledger
