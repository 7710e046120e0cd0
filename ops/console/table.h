// A plain-text table for terminals: columns sized to their content, numbers
// right-aligned, a rule under the header. UTF-8 aware for widths.
//
// Width: rows wider than max_width (120 columns by default, a common terminal)
// are fitted by cutting the columns marked elastic — the widest first, never
// below their header — each cut cell ending in "…". Print() returns whether
// anything was cut, so the caller can say where the whole text is (e.g.
// "--format json"). Not thread-safe.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace ledger {

inline constexpr size_t kTerminalWidth = 120;

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers, std::vector<bool> right_aligned = {});
  void Add(std::vector<std::string> row);
  // Columns that may be cut to fit max_width (none by default: nothing is cut).
  void SetElastic(std::vector<size_t> columns, size_t max_width = kTerminalWidth);
  // Prints the table; true if a cell was cut to fit.
  bool Print(std::FILE* out) const;
  size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<bool> elastic_;
  size_t max_width_ = 0;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text (code points; the ledger prints no wide characters).
size_t DisplayWidth(const std::string& s);
// `s` cut to `width` code points, the last one "…" when cut.
std::string FitWidth(const std::string& s, size_t width);
// `s` split at spaces into lines of at most `width` code points (a word longer
// than that gets a line of its own, cut by FitWidth).
std::vector<std::string> WrapWords(const std::string& s, size_t width);

}  // namespace ledger
