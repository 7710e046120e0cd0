// fuzz_codec_seeds DIR: writes the seed corpus of fuzz_codec — the records of
// events/testing's sample chain (one event of every type) — as DIR/sample-N.
// fuzz_codec_seeds --frames DIR: the seed corpus of fuzz_frame — frames of
// those records, plain and zstd-compressed, of one record and of all.
// Binary seeds are made here rather than kept in the repository, so that they
// follow the schema. Exit 1 when DIR cannot be written.
#include <cstdio>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "events/embedded/frame.h"
#include "events/testing/sample_events.h"

namespace {

// Frames of `records` under one key: each alone, then all together, each
// layout plain and compressed.
std::vector<std::string> Frames(const std::vector<std::string>& records) {
  namespace em = ledger::embedded;
  std::vector<std::string> out;
  auto add = [&](std::span<const std::string> values) {
    std::string laid_out, frame;
    em::AppendRecords("acc-p-1", values, &laid_out);
    for (auto c : {em::FrameCompression::kNone, em::FrameCompression::kZstd}) {
      em::EncodeFrame(7, static_cast<uint32_t>(values.size()), laid_out, c, &frame);
      out.push_back(frame);
    }
  };
  for (size_t i = 0; i < records.size(); ++i) add(std::span(records).subspan(i, 1));
  add(records);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const bool frames = argc == 3 && std::string(argv[1]) == "--frames";
  if (!frames && (argc != 2 || argv[1][0] == '-')) {  // `--frames` alone lacks its DIR
    std::fprintf(stderr, "usage: fuzz_codec_seeds [--frames] DIR\n");
    return 2;
  }
  std::vector<std::string> records;
  ledger::testing::SampleChain(ledger::StreamId("acc-p-1"), &records);
  if (frames) {
    records = Frames(records);
    argv[1] = argv[2];
  }
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
