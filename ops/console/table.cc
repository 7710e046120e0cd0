#include "ops/console/table.h"

#include <algorithm>

#include <fmt/core.h>

namespace ledger {
namespace {

size_t DisplayWidth(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++w;  // count code points, not continuation bytes
  return w;
}

}  // namespace

TextTable::TextTable(std::vector<std::string> headers, std::vector<bool> right_aligned)
    : headers_(std::move(headers)), right_(std::move(right_aligned)) {
  right_.resize(headers_.size(), false);
}

void TextTable::Add(std::vector<std::string> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

void TextTable::Print(std::FILE* out) const {
  std::vector<size_t> w(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) w[i] = DisplayWidth(headers_[i]);
  for (const auto& r : rows_)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], DisplayWidth(r[i]));
  auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (size_t i = 0; i < r.size(); ++i) {
      std::string pad(w[i] - DisplayWidth(r[i]), ' ');
      if (i > 0) s += "  ";
      s += right_[i] ? pad + r[i] : (i + 1 == r.size() ? r[i] : r[i] + pad);
    }
    fmt::print(out, "{}\n", s);
  };
  line(headers_);
  std::string rule;
  for (size_t i = 0; i < w.size(); ++i) rule += (i ? "  " : "") + std::string(w[i], '-');
  fmt::print(out, "{}\n", rule);
  for (const auto& r : rows_) line(r);
}

}  // namespace ledger
