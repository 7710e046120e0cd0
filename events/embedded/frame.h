// The frame: the unit of the embedded log's segment files. A frame holds the
// records of one or more whole Append() calls (never part of one), so a batch
// is in the log entirely or not at all. All integers are little-endian.
//
//   byte  size  field
//   0     4     magic 0x4C45444C (bytes "LDEL": records as they are) or
//                     0x5A45444C (bytes "LDEZ": records compressed with zstd)
//   4     4     payload_len: number of bytes after the crc field
//   8     4     crc32 (zlib) of those payload_len bytes
//   12    8     base_offset: the partition offset of the first record
//   20    4     count: number of records, >= 1; they get base_offset .. base_offset+count-1
//   LDEL:
//   24    …     the records: count × { key_len u32 | key bytes | value_len u32 | value bytes }
//   LDEZ:
//   24    4     records_len: the size of the records once decompressed
//   28    …     one zstd frame whose content is the records, laid out as above
//
// The crc covers what is stored (for LDEZ, the compressed bytes), so a torn or
// flipped frame is found without decompressing; a record is then checked again
// by its own hash chain once decoded. A segment file is a sequence of frames
// with no padding, either kind in any order; each frame's base_offset is the
// previous frame's base_offset + count, and the first one's is the number in
// the file's name.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/status.h"

namespace ledger::embedded {

inline constexpr uint32_t kFrameMagic = 0x4C45444C;            // "LDEL"
inline constexpr uint32_t kCompressedFrameMagic = 0x5A45444C;  // "LDEZ"
inline constexpr int64_t kFrameHeaderBytes = 12;           // magic, payload_len, crc
inline constexpr int64_t kFramePrefixBytes = 24;           // header, base_offset, count
inline constexpr int64_t kMinPayloadBytes = 12 + 8;        // base_offset, count, one empty record
inline constexpr size_t kMaxRecordFieldBytes = 64u << 20;  // a key or a value
inline constexpr int64_t kMaxPayloadBytes = int64_t{1} << 30;  // a whole Append

// Why some bytes are not a valid frame ("checksum mismatch …"); empty when they are.
// Internal: callers turn it into DataLoss naming the file, byte position and offset.
using FrameDefect = std::string;

// The fixed-size beginning of a frame, as stored (not yet validated).
struct FramePrefix {
  uint32_t magic = 0;
  uint32_t payload_len = 0;
  uint32_t crc = 0;
  int64_t base_offset = 0;
  uint32_t count = 0;

  int64_t frame_bytes() const { return kFrameHeaderBytes + payload_len; }
};

// InvalidArgument unless `values` is non-empty, no key or value exceeds
// kMaxRecordFieldBytes and the frame's payload stays within kMaxPayloadBytes.
Status CheckAppend(std::string_view key, std::span<const std::string> values);

// How a frame's records are stored. kZstd keeps them as they are when
// compressing would not make the frame smaller.
enum class FrameCompression { kNone, kZstd };

// The size of the records of `values` under `key`, laid out as above.
int64_t RecordsBytes(std::string_view key, std::span<const std::string> values);

// Appends the records of `values` under `key` to *records (the layout above).
void AppendRecords(std::string_view key, std::span<const std::string> values,
                   std::string* records);

// Replaces *out with the frame of `count` records laid out in `records`, first
// offset `base_offset`.
void EncodeFrame(int64_t base_offset, uint32_t count, std::string_view records,
                 FrameCompression compression, std::string* out);

// The same for the values of one Append under `key`, stored as they are.
// Call CheckAppend first.
void EncodeFrame(int64_t base_offset, std::string_view key, std::span<const std::string> values,
                 std::string* out);

// Parses the first kFramePrefixBytes of `bytes` (which must hold that many).
FramePrefix ParsePrefix(std::string_view bytes);

// Whether `prefix` can start a frame at all: magic, a length and a count that
// fit together. Says nothing about the checksum.
FrameDefect CheckPrefix(const FramePrefix& prefix);

uint32_t Crc32(std::string_view bytes);

// The (key, value) pairs of a frame's payload (the payload_len bytes after the
// crc field), views into `payload` or, for a compressed frame, into *scratch
// (which holds the decompressed records until its next use). A defect when
// the records do not decompress to records_len bytes or do not fill them
// exactly.
FrameDefect DecodeRecords(const FramePrefix& prefix, std::string_view payload,
                          std::string* scratch,
                          std::vector<std::pair<std::string_view, std::string_view>>* out);

}  // namespace ledger::embedded
