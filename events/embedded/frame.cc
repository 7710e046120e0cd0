#include "events/embedded/frame.h"

#include <zlib.h>

#include <cstdio>

namespace ledger::embedded {
namespace {

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, 4);
}

void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, 8);
}

uint32_t GetU32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

uint64_t GetU64(std::string_view b, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::string Hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08X", v);
  return b;
}

}  // namespace

Status CheckAppend(std::string_view key, std::span<const std::string> values) {
  if (values.empty()) return InvalidArgument("Append needs at least one record");
  if (key.size() > kMaxRecordFieldBytes)
    return InvalidArgument("Append: key of " + std::to_string(key.size()) +
                           " bytes exceeds the 64 MiB limit");
  int64_t payload = 12;
  for (const std::string& v : values) {
    if (v.size() > kMaxRecordFieldBytes)
      return InvalidArgument("Append: value of " + std::to_string(v.size()) +
                             " bytes exceeds the 64 MiB limit");
    payload += 8 + static_cast<int64_t>(key.size() + v.size());
    if (payload > kMaxPayloadBytes)
      return InvalidArgument("Append: batch exceeds the 1 GiB frame limit; split it");
  }
  return OkStatus();
}

void EncodeFrame(int64_t base_offset, std::string_view key, std::span<const std::string> values,
                 std::string* out) {
  out->clear();
  size_t payload = 12;
  for (const std::string& v : values) payload += 8 + key.size() + v.size();
  out->reserve(kFrameHeaderBytes + payload);
  PutU32(out, kFrameMagic);
  PutU32(out, static_cast<uint32_t>(payload));
  PutU32(out, 0);  // crc, patched below
  PutU64(out, static_cast<uint64_t>(base_offset));
  PutU32(out, static_cast<uint32_t>(values.size()));
  for (const std::string& v : values) {
    PutU32(out, static_cast<uint32_t>(key.size()));
    out->append(key);
    PutU32(out, static_cast<uint32_t>(v.size()));
    out->append(v);
  }
  uint32_t crc = Crc32(std::string_view(*out).substr(kFrameHeaderBytes));
  for (int i = 0; i < 4; ++i) (*out)[8 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

FramePrefix ParsePrefix(std::string_view bytes) {
  FramePrefix p;
  p.magic = GetU32(bytes, 0);
  p.payload_len = GetU32(bytes, 4);
  p.crc = GetU32(bytes, 8);
  p.base_offset = static_cast<int64_t>(GetU64(bytes, 12));
  p.count = GetU32(bytes, 20);
  return p;
}

FrameDefect CheckPrefix(const FramePrefix& p) {
  if (p.magic != kFrameMagic) return "bad magic " + Hex(p.magic);
  if (p.payload_len < kMinPayloadBytes || p.payload_len > kMaxPayloadBytes)
    return "implausible payload length " + std::to_string(p.payload_len);
  if (p.count == 0 || p.count > (p.payload_len - 12) / 8)
    return "implausible record count " + std::to_string(p.count) + " for a payload of " +
           std::to_string(p.payload_len) + " bytes";
  if (p.base_offset < 0) return "negative base offset " + std::to_string(p.base_offset);
  return {};
}

uint32_t Crc32(std::string_view bytes) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size());
  return static_cast<uint32_t>(crc);
}

FrameDefect DecodeRecords(std::string_view payload, uint32_t count,
                          std::vector<std::pair<std::string_view, std::string_view>>* out) {
  out->clear();
  size_t at = 12;  // after base_offset and count
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view fields[2];
    for (std::string_view& field : fields) {
      if (payload.size() - at < 4)
        return "record " + std::to_string(i) + " runs past the end of the frame";
      uint32_t len = GetU32(payload, at);
      at += 4;
      if (payload.size() - at < len)
        return "record " + std::to_string(i) + " runs past the end of the frame";
      field = payload.substr(at, len);
      at += len;
    }
    out->emplace_back(fields[0], fields[1]);
  }
  if (at != payload.size())
    return std::to_string(payload.size() - at) + " stray bytes after the last record";
  return {};
}

}  // namespace ledger::embedded
