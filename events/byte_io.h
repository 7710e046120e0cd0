// ByteWriter / ByteReader: the compact binary forms of the write path's own
// files (aggregates/write_state.h, aggregates/command_bytes.h) and of the
// projection store's views and links (projections/view_codec.h). A leading
// format byte, then integers in one of two ways (Ints): fixed, 8 bytes
// little-endian; or varint, 7 bits a byte, low bits first, the high bit set on
// every byte but the last (signed ones zigzagged first: 0, -1, 1, -2, … become
// 0, 1, 2, 3, …), so a string's length or an unset time takes one byte. Strings
// are their length then their bytes. A reader never reads past its
// bytes: the first short or out-of-range read marks it bad, later reads give
// zeros, and Done() names what could not be read (DataLoss).
//
// Field(x) reads or writes `x` by its type, so one template function can
// describe a value's fields for both directions (command_bytes.cc); a writer
// only reads the fields it is given. Pure; value types.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "events/event.h"
#include "events/status.h"

namespace ledger {

// How a form writes its integers (the format byte names the form; its reader
// is told the same).
enum class Ints : uint8_t { kFixed, kVarint };

class ByteWriter {
 public:
  ByteWriter(std::string& out, uint8_t format, Ints ints = Ints::kFixed) : out_(out), varint_(ints == Ints::kVarint) {
    U8(format);
  }
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U64(uint64_t v) {
    char b[10];
    size_t n = 0;
    if (varint_) {
      for (; v >= 0x80; v >>= 7) b[n++] = static_cast<char>((v & 0x7f) | 0x80);
      b[n++] = static_cast<char>(v);
    } else {
      for (; n < 8; ++n) b[n] = static_cast<char>(v >> (8 * n));
    }
    out_.append(b, n);
  }
  void I64(int64_t v) {
    const uint64_t u = static_cast<uint64_t>(v);
    U64(varint_ ? (u << 1) ^ (v < 0 ? ~uint64_t{0} : 0) : u);
  }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Bytes(const Hash& h) { out_.append(reinterpret_cast<const char*>(h.data()), h.size()); }

  void Field(const std::string& s) { Str(s); }
  void Field(const bool& b) { U8(b); }
  void Field(const int64_t& v) { I64(v); }
  void Field(const uint64_t& v) { U64(v); }
  void Field(const Hash& h) { Bytes(h); }
  template <typename Tag>
  void Field(const StrongId<Tag>& id) { Str(id.str()); }
  void Field(const Timestamp& t) { I64(t.micros); }
  void Field(const Date& d) {
    U64(static_cast<uint32_t>(d.year));
    U8(d.month);
    U8(d.day);
  }
  void Field(const Placement& p) {
    Field(p.uai);
    Str(p.department);
    Str(p.academy);
    Enum(p.level, Level::kOther);
    Str(p.class_name);
  }
  template <typename T>
  void Field(const std::optional<T>& v) {
    U8(v.has_value());
    if (v) Field(*v);
  }
  void Field(const std::vector<std::string>& v) {
    U64(v.size());
    for (const std::string& s : v) Str(s);
  }
  template <typename E>
  void Enum(const E& e, E /*max*/) { U8(static_cast<uint8_t>(e)); }
  // A presence byte, then the value when present (as Field(optional) does).
  template <typename E>
  void OptionalEnum(const std::optional<E>& e, E max) {
    U8(e.has_value());
    if (e) Enum(*e, max);
  }

 private:
  std::string& out_;
  bool varint_;
};

class ByteReader {
 public:
  ByteReader(std::string_view in, uint8_t format, const char* what, Ints ints = Ints::kFixed)
      : in_(in), what_(what), varint_(ints == Ints::kVarint) {
    if (U8(255) != format) Fail("an unknown format");
  }
  uint8_t U8(uint8_t max) {
    if (!Need(1)) return 0;
    const uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    if (v > max) Fail("a value out of range");
    return bad_ ? 0 : v;
  }
  bool Bool() { return U8(1) != 0; }
  uint64_t U64() {
    if (varint_) return Varint();
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(8);
    return v;
  }
  int64_t I64() {
    const uint64_t u = U64();
    return varint_ ? static_cast<int64_t>((u >> 1) ^ (0 - (u & 1))) : static_cast<int64_t>(u);  // zigzag back: all ones when odd
  }
  std::string Str() {
    const uint64_t n = U64();
    if (!Need(n)) return {};
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  void Bytes(Hash& h) {
    if (!Need(h.size())) return;
    std::memcpy(h.data(), in_.data(), h.size());
    in_.remove_prefix(h.size());
  }

  void Field(std::string& s) { s = Str(); }
  void Field(bool& b) { b = Bool(); }
  void Field(int64_t& v) { v = I64(); }
  void Field(uint64_t& v) { v = U64(); }
  void Field(Hash& h) { Bytes(h); }
  template <typename Tag>
  void Field(StrongId<Tag>& id) { id = StrongId<Tag>(Str()); }
  void Field(Timestamp& t) { t = Timestamp{I64()}; }
  void Field(Date& d) {
    d.year = static_cast<int32_t>(U64());
    d.month = U8(12);
    d.day = U8(31);
  }
  void Field(Placement& p) {
    Field(p.uai);
    p.department = Str();
    p.academy = Str();
    Enum(p.level, Level::kOther);
    p.class_name = Str();
  }
  template <typename T>
  void Field(std::optional<T>& v) {
    v.reset();
    if (Bool()) Field(v.emplace());
  }
  void Field(std::vector<std::string>& v) {
    v.clear();
    for (uint64_t n = U64(), i = 0; i < n && ok(); ++i) v.push_back(Str());
  }
  template <typename E>
  void Enum(E& e, E max) { e = static_cast<E>(U8(static_cast<uint8_t>(max))); }
  template <typename E>
  void OptionalEnum(std::optional<E>& e, E max) {
    e.reset();
    if (Bool()) Enum(e.emplace(), max);
  }

  bool ok() const { return !bad_; }
  // OK once everything was read and nothing was left over.
  Status Done() {
    if (!bad_ && !in_.empty()) Fail("bytes left over");
    return bad_ ? DataLoss(std::string("cannot read ") + what_ + ": " + why_) : OkStatus();
  }

 private:
  bool Need(uint64_t n) {
    if (!bad_ && in_.size() < n) Fail("it is cut short");
    return !bad_;
  }
  void Fail(const char* why) {
    if (!bad_) why_ = why;
    bad_ = true;
  }
  // At most 10 bytes, the tenth holding the top bit alone.
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; !bad_; shift += 7) {
      if (!Need(1)) break;
      const uint8_t b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      if (shift == 63 && b > 1) Fail("a value out of range");
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return bad_ ? 0 : v;
    }
    return 0;
  }
  std::string_view in_;
  const char* what_;
  bool varint_;
  const char* why_ = "";
  bool bad_ = false;
};

}  // namespace ledger
