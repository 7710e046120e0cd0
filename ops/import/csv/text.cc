#include "ops/import/csv/text.h"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

namespace ledger::import {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string Where(std::string_view file, int line) {
  return std::string(file) + ":" + std::to_string(line) + ": ";
}

int LineOf(std::string_view bytes, size_t offset) {
  return 1 + static_cast<int>(std::count(bytes.begin(), bytes.begin() + offset, '\n'));
}

Status BadByte(std::string_view bytes, size_t offset, std::string_view encoding,
               std::string_view file) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(bytes[offset]));
  return InvalidArgument(Where(file, LineOf(bytes, offset)) + "invalid " + std::string(encoding) +
                         " byte sequence (byte " + hex + "; re-export the file as " +
                         std::string(encoding) + ")");
}

// The offset of the first byte that does not start a valid UTF-8 sequence, or npos.
size_t FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (d & 0x3F);
    }
    const uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

std::string Upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

// Reads the record starting at text[i] (line `line`) into `fields`; advances
// both past its line end.
Status ReadRecord(std::string_view s, size_t& i, int& line, std::string_view file,
                  std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool at_start = true;  // only blanks so far in this field
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"' && at_start) {
      const int quote_line = line;
      field.clear();
      for (++i;; ++i) {
        if (i >= s.size())
          return InvalidArgument(Where(file, quote_line) +
                                 "unterminated quoted field (truncated file?)");
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            field += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;  // CRLF → LF
        if (s[i] == '\n') ++line;
        field += s[i];
      }
      at_start = false;
    } else if (c == ';') {
      fields.push_back(Trim(field));
      field.clear();
      at_start = true;
      ++i;
    } else if (c == '\n' || (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) {
      i += c == '\r' ? 2 : 1;
      ++line;
      break;
    } else {
      if (c != ' ' && c != '\t') at_start = false;
      field += c;
      ++i;
    }
  }
  fields.push_back(Trim(field));
  return OkStatus();
}

// Folded forms of U+00C0..U+00FF; nullptr: keep the character.
constexpr const char* kLatin1Fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   // C0
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",  // D0
    "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   // E0
    "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "y",   // F0
};

}  // namespace

Result<std::string> ReadFileBytes(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return NotFound(path + ": cannot open (" + std::strerror(errno) + ")");
  std::string bytes;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) bytes.append(buf, n);
  if (std::ferror(f.get()))
    return Unavailable(path + ": cannot read (" + std::strerror(errno) + ")");
  return bytes;
}

Result<std::string> ToUtf8(std::string_view bytes, std::string_view encoding,
                           std::string_view file) {
  std::string enc = Upper(encoding);
  if (enc != "UTF-8" && enc != "ISO-8859-15" && enc != "WINDOWS-1252")
    return InvalidArgument(std::string(file) + ": unsupported encoding \"" + std::string(encoding) +
                           "\" (UTF-8, ISO-8859-15 or WINDOWS-1252)");
  if (bytes.starts_with(kBom)) {
    bytes.remove_prefix(kBom.size());
    enc = "UTF-8";
  }
  if (enc == "UTF-8") {
    const size_t bad = FirstInvalidUtf8(bytes);
    if (bad != std::string_view::npos) return BadByte(bytes, bad, enc, file);
    return std::string(bytes);
  }
  iconv_t cd = iconv_open("UTF-8", enc.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1))
    return Internal(std::string(file) + ": iconv cannot convert from " + enc + " (" +
                    std::strerror(errno) + ")");
  // A single-byte character is at most 3 bytes of UTF-8: one pass always fits.
  std::string out(bytes.size() * 3 + 4, '\0');
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  const size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
  const int err = errno;
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) {
    if (err == EILSEQ || err == EINVAL)
      return BadByte(bytes, static_cast<size_t>(in_ptr - bytes.data()), enc, file);
    return Internal(std::string(file) + ": iconv failed (" + std::strerror(err) + ")");
  }
  out.resize(out.size() - out_left);
  return out;
}

Result<CsvTable> ParseCsv(std::string_view text, std::string_view file) {
  CsvTable table;
  bool have_header = false;
  size_t i = 0;
  int line = 1;
  std::vector<std::string> fields;
  while (i < text.size()) {
    const int row_line = line;
    LEDGER_RETURN_IF_ERROR(ReadRecord(text, i, line, file, fields));
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (!have_header) {
      table.header_line = row_line;
      table.header = std::move(fields);
      have_header = true;
      continue;
    }
    if (fields.size() != table.header.size())
      return InvalidArgument(Where(file, row_line) + std::to_string(fields.size()) +
                             " fields, the header has " + std::to_string(table.header.size()));
    table.rows.push_back(CsvRow{row_line, std::move(fields)});
    fields = {};
  }
  if (!have_header) return InvalidArgument(Where(file, 1) + "empty file (no header row)");
  return table;
}

Result<CsvTable> ReadCsvFile(const std::string& path, std::string_view encoding) {
  LEDGER_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  LEDGER_ASSIGN_OR_RETURN(std::string text, ToUtf8(bytes, encoding, path));
  return ParseCsv(text, path);
}

std::optional<size_t> FindColumn(const std::vector<std::string>& header, std::string_view name) {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::nullopt;
}

std::optional<Date> ParseFrenchDate(std::string_view text) {
  auto number = [](std::string_view s, size_t min, size_t max) -> std::optional<int> {
    if (s.size() < min || s.size() > max) return std::nullopt;
    int v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  const size_t a = text.find('/');
  const size_t b = a == std::string_view::npos ? a : text.find('/', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  const auto day = number(text.substr(0, a), 1, 2);
  const auto month = number(text.substr(a + 1, b - a - 1), 1, 2);
  const auto year = number(text.substr(b + 1), 4, 4);
  if (!day || !month || !year) return std::nullopt;
  const Date d{*year, static_cast<uint8_t>(*month), static_cast<uint8_t>(*day)};
  if (!d.valid()) return std::nullopt;
  return d;
}

std::string FoldToAsciiLower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(std::tolower(c));
      continue;
    }
    if ((c == 0xC3 || c == 0xC5) && i + 1 < s.size()) {
      const unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      const char* folded = nullptr;
      if (cp >= 0xC0 && cp <= 0xFF) folded = kLatin1Fold[cp - 0xC0];
      if (cp == 0x152 || cp == 0x153) folded = "oe";
      if (cp == 0x178) folded = "y";
      if (folded != nullptr) {
        out += folded;
        ++i;
        continue;
      }
    }
    out += static_cast<char>(c);
  }
  return out;
}

}  // namespace ledger::import
