// The CSV layer both CSV targets fuzz before their reader (ops/import/csv/
// text.h): CheckCsvText(bytes, encoding) decodes `bytes` with ToUtf8 and
// splits the text with ParseCsv, and checks what text.h promises —
//   - refusals are InvalidArgument;
//   - ToUtf8's output is UTF-8 (decoding it again as UTF-8 succeeds and,
//     without a leading byte-order mark, changes nothing);
//   - every row has the header's field count, starts on a later line than
//     the row before it, and its fields are trimmed of spaces and tabs;
//   - the table written back in the dialect (every field quoted) splits into
//     the same header and fields (when no field holds a CR, which the dialect
//     may turn into LF).
// Aborts through FUZZ_CHECK; never prints the input. CheckValue: what the
// readers promise of each value (UTF-8, trimmed), shared with fuzz_siecle.
#pragma once

#include <string>
#include <string_view>

#include "ops/import/csv/text.h"
#include "tests/fuzz/fuzz_support.h"

namespace ledger::fuzz {

// Whether `v` has none of `blanks` at either end.
inline bool Trimmed(std::string_view v, std::string_view blanks) {
  return v.empty() ||
         (blanks.find(v.front()) == std::string_view::npos && blanks.find(v.back()) == std::string_view::npos);
}

// A value a reader gives: UTF-8, trimmed of `blanks`.
inline void CheckValue(const std::string& v, std::string_view blanks) {
  FUZZ_CHECK(import::ToUtf8(v, "UTF-8", "value").ok(), "a value is not UTF-8");
  FUZZ_CHECK(Trimmed(v, blanks), "a value is not trimmed");
}

inline std::string QuotedCsv(const import::CsvTable& t) {
  auto line = [](const std::vector<std::string>& fields) {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i) {
      out += i ? ";\"" : "\"";
      for (char c : fields[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
    return out + "\n";
  };
  std::string text = line(t.header);
  for (const import::CsvRow& r : t.rows) text += line(r.fields);
  return text;
}

inline void CheckCsvText(std::string_view bytes, std::string_view encoding) {
  Result<std::string> text = import::ToUtf8(bytes, encoding, "input");
  if (!text.ok()) {
    FUZZ_CHECK(text.status().code() == StatusCode::kInvalidArgument, "a ToUtf8 refusal is InvalidArgument");
    return;
  }
  Result<std::string> again = import::ToUtf8(*text, "UTF-8", "output");
  FUZZ_CHECK(again.ok(), "ToUtf8's output is not UTF-8");
  if (text->rfind("\xEF\xBB\xBF", 0) != 0) FUZZ_CHECK(*again == *text, "UTF-8 output decoded again changes");

  Result<import::CsvTable> table = import::ParseCsv(*text, "input");
  if (!table.ok()) {
    FUZZ_CHECK(table.status().code() == StatusCode::kInvalidArgument, "a ParseCsv refusal is InvalidArgument");
    return;
  }
  int previous = table->header_line;
  bool has_cr = false;
  auto trimmed = [&](const std::string& f) {
    has_cr = has_cr || f.find('\r') != std::string::npos;
    return Trimmed(f, " \t");
  };
  for (const std::string& f : table->header) FUZZ_CHECK(trimmed(f), "a header field is not trimmed");
  for (const import::CsvRow& r : table->rows) {
    FUZZ_CHECK(r.fields.size() == table->header.size(), "a row with another field count than the header");
    FUZZ_CHECK(r.line > previous, "rows out of line order");
    previous = r.line;
    for (const std::string& f : r.fields) FUZZ_CHECK(trimmed(f), "a field is not trimmed");
  }
  if (has_cr) return;
  Result<import::CsvTable> back = import::ParseCsv(QuotedCsv(*table), "written back");
  FUZZ_CHECK(back.ok(), "the table written back in the dialect is refused");
  FUZZ_CHECK(back->header == table->header, "the header changed when written back");
  FUZZ_CHECK(back->rows.size() == table->rows.size(), "the row count changed when written back");
  for (size_t i = 0; i < back->rows.size(); ++i)
    FUZZ_CHECK(back->rows[i].fields == table->rows[i].fields, "a row changed when written back");
}

}  // namespace ledger::fuzz
