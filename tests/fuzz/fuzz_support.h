// What the fuzz targets share: a check that fails loudly without printing the
// input (inputs may carry children's names), and scratch files for readers
// that take a path.
//
// FUZZ_CHECK(cond, what): on failure prints "fuzz check failed: WHAT
// (file:line)" — never the input — and aborts, which libFuzzer reports as a
// crash and saves the input as crash-<sha1> (the file itself is the
// reproducer; keep it out of logs).
//
// ScratchDir(): a directory of this process only, /dev/shm/ledger-fuzz-PID
// (memory, not disk: a target writes it at every execution), created on
// first use and removed at a normal exit. libFuzzer ends with _Exit (time
// limit) or a crash, which skip that; so first use also removes the
// directories of processes that are gone. WriteScratch replaces a file's
// contents there. Single-threaded use (libFuzzer runs one
// input at a time per process).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, what)                                                               \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, __FILE__, __LINE__);   \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace ledger::fuzz {

inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path root = "/dev/shm";
    const std::string prefix = "ledger-fuzz-";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string pid = name.substr(prefix.size());
      if (!pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos &&
          !std::filesystem::exists("/proc/" + pid))
        std::filesystem::remove_all(entry.path(), ec);
    }
    std::filesystem::path d = root / (prefix + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return d;
  }();
  return dir;
}

inline std::string WriteScratch(const std::string& name, std::string_view bytes) {
  const std::string path = (ScratchDir() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  FUZZ_CHECK(out.good(), "cannot write the scratch file under /dev/shm");
  return path;
}

// The two files of a reader that takes a pair: the input split at its first
// kPairSeparator line (absent: all of it is the first file, the second is
// empty). The dictionaries hold the separator, so the fuzzer finds it.
inline constexpr std::string_view kPairSeparator = "\n=====\n";

inline std::pair<std::string_view, std::string_view> SplitPair(std::string_view input) {
  const size_t at = input.find(kPairSeparator);
  if (at == std::string_view::npos) return {input, {}};
  return {input.substr(0, at), input.substr(at + kPairSeparator.size())};
}

}  // namespace ledger::fuzz
