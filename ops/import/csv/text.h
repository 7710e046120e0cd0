// Text helpers of the CSV importers: reading a file, decoding it to UTF-8 and
// splitting it into rows. Shared by annuaire.h and onde.h.
//
// CSV dialect (what the ministry's tools write): fields separated by ';',
// optionally enclosed in double quotes; inside quotes "" is one quote and ';'
// or line ends are data. A quote opens a quoted field only as the field's
// first non-blank character; elsewhere it is data, and text after a closing
// quote is appended as written (as spreadsheets read it). Lines end with LF
// or CRLF (a CRLF inside a quoted field becomes LF); the last line may lack
// its line end. The first non-blank line is the header; blank lines (empty or
// only spaces/tabs) are skipped. Every field is trimmed of surrounding spaces
// and tabs, after unquoting.
//
// Errors: InvalidArgument "FILE:LINE: what (what to do)", LINE 1-based, for:
//   - bytes not in the file's encoding (line of the first bad byte);
//   - an unterminated quoted field (line of its opening quote);
//   - a row with another field count than the header's;
//   - an empty file (no header).
// NotFound "FILE: cannot open (strerror)" when the file cannot be opened.
// Messages never quote field values (they may be children's names).
//
// Pure functions over their arguments; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/status.h"
#include "events/types.h"

namespace ledger::import {

// The bytes of `path`. NotFound "PATH: cannot open (reason)"; Unavailable on a
// read error.
Result<std::string> ReadFileBytes(const std::string& path);

// `bytes` decoded from `encoding` ("UTF-8", "ISO-8859-15" or "WINDOWS-1252",
// case-insensitive; others are InvalidArgument) to UTF-8, by glibc iconv.
// UTF-8 input is validated (no overlong forms, surrogates or code points past
// U+10FFFF). A leading UTF-8 byte-order mark is removed and makes the input
// UTF-8 whatever `encoding` says: it is what a spreadsheet re-saving the file
// as "CSV UTF-8" writes, and reading such bytes as Windows-1252 would turn
// every "é" into "Ã©". Bytes that are not in the encoding: InvalidArgument
// "FILE:LINE: invalid ENC byte sequence (byte 0x81; re-export the file as ENC)".
Result<std::string> ToUtf8(std::string_view bytes, std::string_view encoding,
                           std::string_view file);

struct CsvRow {
  int line = 0;                     // 1-based line where the row starts
  std::vector<std::string> fields;  // as many as the header's
};

struct CsvTable {
  int header_line = 1;
  std::vector<std::string> header;
  std::vector<CsvRow> rows;
};

// Splits UTF-8 `text` (the dialect above). `file` names it in messages.
Result<CsvTable> ParseCsv(std::string_view text, std::string_view file);

// ReadFileBytes + ToUtf8 + ParseCsv.
Result<CsvTable> ReadCsvFile(const std::string& path, std::string_view encoding);

// The index of the header column named exactly `name`, if any.
std::optional<size_t> FindColumn(const std::vector<std::string>& header, std::string_view name);

// "DD/MM/YYYY" (one-digit day or month accepted) → Date; nullopt unless a real date.
std::optional<Date> ParseFrenchDate(std::string_view text);

// Lower-case ASCII: Latin-1 letters and œ/Œ lose their diacritics ("Créteil"
// → "creteil", "Œ" → "oe"); other ASCII characters are kept (lower-cased),
// other non-ASCII characters are kept as they are. For comparing names and
// academies without regard to case or accents.
std::string FoldToAsciiLower(std::string_view utf8);

}  // namespace ledger::import
