// fuzz_codec_seeds DIR: writes the seed corpus of fuzz_codec — the records of
// events/testing's sample chain (one event of every type) — as DIR/sample-N.
// Binary seeds are made here rather than kept in the repository, so that they
// follow the schema. Exit 1 when DIR cannot be written.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "events/testing/sample_events.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_codec_seeds DIR\n");
    return 2;
  }
  std::vector<std::string> records;
  ledger::testing::SampleChain(ledger::StreamId("acc-p-1"), &records);
  for (size_t i = 0; i < records.size(); ++i) {
    std::ofstream out(std::string(argv[1]) + "/sample-" + std::to_string(i), std::ios::binary);
    out << records[i];
    if (!out.good()) {
      std::fprintf(stderr, "fuzz_codec_seeds: cannot write %s\n", argv[1]);
      return 1;
    }
  }
  std::printf("fuzz_codec_seeds: %zu records in %s\n", records.size(), argv[1]);
  return 0;
}
