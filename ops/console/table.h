// A plain-text table for terminals: columns sized to their content, numbers
// right-aligned, a rule under the header. UTF-8 aware for widths.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace ledger {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers, std::vector<bool> right_aligned = {});
  void Add(std::vector<std::string> row);
  void Print(std::FILE* out) const;
  size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace ledger
