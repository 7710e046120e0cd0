// A text file as lines, and back: for tests that read or tamper with a file
// line by line (the access journal's). Test-only; blocking.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ledger::testing {

inline std::vector<std::string> Lines(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::vector<std::string> v;
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

inline void WriteLines(const std::filesystem::path& f, const std::vector<std::string>& lines) {
  std::ofstream out(f, std::ios::trunc);
  for (const std::string& l : lines) out << l << '\n';
}

}  // namespace ledger::testing
