#include "ops/console/table.h"

#include <algorithm>
#include <numeric>

#include <fmt/core.h>

namespace ledger {

size_t DisplayWidth(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++w;  // count code points, not continuation bytes
  return w;
}

std::string FitWidth(const std::string& s, size_t width) {
  if (DisplayWidth(s) <= width) return s;
  if (width == 0) return "";
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80 && ++w == width) break;  // room left for "…" only
    out.push_back(s[i]);
  }
  return out + "…";
}

std::vector<std::string> WrapWords(const std::string& s, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(' ', start);
    if (end == std::string::npos) end = s.size();
    std::string word = s.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (!line.empty() && DisplayWidth(line) + 1 + DisplayWidth(word) > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + FitWidth(word, width);
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

TextTable::TextTable(std::vector<std::string> headers, std::vector<bool> right_aligned)
    : headers_(std::move(headers)), right_(std::move(right_aligned)) {
  right_.resize(headers_.size(), false);
  elastic_.resize(headers_.size(), false);
}

void TextTable::Add(std::vector<std::string> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

void TextTable::SetElastic(std::vector<size_t> columns, size_t max_width) {
  for (size_t c : columns) elastic_.at(c) = true;
  max_width_ = max_width;
}

bool TextTable::Print(std::FILE* out) const {
  std::vector<size_t> w(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) w[i] = DisplayWidth(headers_[i]);
  for (const auto& r : rows_)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], DisplayWidth(r[i]));
  // Fit: take one column from the widest elastic column until the row fits.
  auto total = [&] { return std::accumulate(w.begin(), w.end(), size_t{0}) + 2 * (w.size() - 1); };
  while (max_width_ > 0 && total() > max_width_) {
    size_t widest = w.size();
    for (size_t i = 0; i < w.size(); ++i)
      if (elastic_[i] && w[i] > DisplayWidth(headers_[i]) && (widest == w.size() || w[i] > w[widest]))
        widest = i;
    if (widest == w.size()) break;  // nothing left to cut
    --w[widest];
  }
  bool cut = false;
  auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = FitWidth(row[i], w[i]);
      cut |= cell != row[i];
      std::string pad(w[i] - DisplayWidth(cell), ' ');
      if (i > 0) s += "  ";
      s += right_[i] ? pad + cell : (i + 1 == row.size() ? cell : cell + pad);
    }
    fmt::print(out, "{}\n", s);
  };
  line(headers_);
  std::string rule;
  for (size_t i = 0; i < w.size(); ++i) rule += (i ? "  " : "") + std::string(w[i], '-');
  fmt::print(out, "{}\n", rule);
  for (const auto& r : rows_) line(r);
  return cut;
}

}  // namespace ledger
