// What is on disk, as bytes: one file's, or every regular file's under a
// folder (recursively, in directory order) — for tests that look at a file a
// program wrote (its output, a stored option) or check that no personal data
// lies anywhere in a folder in clear. Test-only; blocking. A file that cannot
// be opened reads as empty: the test's own assertions say what was expected.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ledger::testing {

inline std::string FileBytes(const std::filesystem::path& f) {
  std::ifstream in(f, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string AllBytes(const std::filesystem::path& dir) {
  std::string all;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir))
    if (f.is_regular_file()) all += FileBytes(f.path());
  return all;
}

}  // namespace ledger::testing
