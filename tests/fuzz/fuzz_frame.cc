// The embedded log's frame decoding (events/embedded/frame.h): what a reader
// or recovery makes of the bytes of a segment file, compressed frames (zstd)
// included. The crc is not checked here, so that the fuzzer reaches the
// decoders with any bytes (a damaged file, or one written by hand, can carry a
// right crc over wrong contents). Checks: never crashes nor throws; a frame
// whose records decode, encoded again from those records with the same
// compression, passes its crc and decodes to the same records.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/embedded/frame.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using ledger::embedded::FramePrefix;
using Records = std::vector<std::pair<std::string_view, std::string_view>>;

std::string Decoded(const FramePrefix& p, std::string_view frame, std::string* scratch,
                    Records* records) {
  return ledger::embedded::DecodeRecords(p, frame.substr(ledger::embedded::kFrameHeaderBytes),
                                         scratch, records);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace em = ledger::embedded;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.size() < static_cast<size_t>(em::kFramePrefixBytes)) return 0;
  const FramePrefix p = em::ParsePrefix(input);
  if (!em::CheckPrefix(p).empty()) return 0;
  if (p.frame_bytes() > static_cast<int64_t>(input.size())) return 0;
  const std::string_view frame = input.substr(0, static_cast<size_t>(p.frame_bytes()));
  std::string scratch;
  Records records;
  const std::string defect = Decoded(p, frame, &scratch, &records);
  if (!defect.empty()) return 0;
  FUZZ_CHECK(records.size() == p.count, "decoded another number of records than the count");

  std::string laid_out;
  for (const auto& [key, value] : records)
    em::AppendRecords(key, std::vector<std::string>{std::string(value)}, &laid_out);
  std::string again;
  em::EncodeFrame(p.base_offset, p.count, laid_out,
                  p.magic == em::kCompressedFrameMagic ? em::FrameCompression::kZstd
                                                       : em::FrameCompression::kNone,
                  &again);
  const FramePrefix q = em::ParsePrefix(again);
  FUZZ_CHECK(em::CheckPrefix(q).empty(), "a frame encoded from decoded records has a bad prefix");
  FUZZ_CHECK(q.frame_bytes() == static_cast<int64_t>(again.size()), "wrong payload length");
  FUZZ_CHECK(q.crc == em::Crc32(std::string_view(again).substr(em::kFrameHeaderBytes)),
             "a frame encoded from decoded records fails its crc");
  FUZZ_CHECK(q.base_offset == p.base_offset && q.count == p.count, "base offset or count changed");
  std::string scratch_again;
  Records records_again;
  FUZZ_CHECK(Decoded(q, again, &scratch_again, &records_again).empty(),
             "a frame encoded from decoded records does not decode");
  FUZZ_CHECK(records_again == records, "records changed through encode and decode");
  return 0;
}
