#include "ops/import/csv/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ledger::import {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "LINE|field|field…" per row, the header first.
std::vector<std::string> Render(const CsvTable& t) {
  auto row = [](int line, const std::vector<std::string>& fields) {
    std::string s = std::to_string(line);
    for (const std::string& f : fields) s += "|" + f;
    return s;
  };
  std::vector<std::string> out = {row(t.header_line, t.header)};
  for (const CsvRow& r : t.rows) out.push_back(row(r.line, r.fields));
  return out;
}

Status CsvError(std::string_view text) {
  Result<CsvTable> t = ParseCsv(text, "f.csv");
  return t.ok() ? OkStatus() : t.status();
}

Status DecodeError(std::string_view bytes, std::string_view encoding) {
  Result<std::string> s = ToUtf8(bytes, encoding, "f.csv");
  return s.ok() ? OkStatus() : s.status();
}

// --- ToUtf8 ------------------------------------------------------------------

TEST(ToUtf8, Windows1252LettersAndLigatures) {
  // é è ç œ Œ € Ÿ
  Result<std::string> s = ToUtf8("\xE9\xE8\xE7\x9C\x8C\x80\x9F", "WINDOWS-1252", "f.csv");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, "éèçœŒ€Ÿ");
}

TEST(ToUtf8, Iso885915DiffersFromLatin1) {
  Result<std::string> s = ToUtf8("\xA4\xBD\xE9", "iso-8859-15", "f.csv");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, "€œé");
}

TEST(ToUtf8, UndefinedWindows1252ByteNamesItsLine) {
  EXPECT_EQ(DecodeError("a;b\r\nc;d\r\n\xE9t\x81;x\r\n", "WINDOWS-1252"),
            InvalidArgument("f.csv:3: invalid WINDOWS-1252 byte sequence (byte 0x81; re-export "
                            "the file as WINDOWS-1252)"));
}

TEST(ToUtf8, Utf8IsValidatedAndItsBomStripped) {
  Result<std::string> s = ToUtf8("\xEF\xBB\xBFnom;\xC3\xA9l\xC3\xA8ve\n", "UTF-8", "f.csv");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "nom;élève\n");
  const Status bad_line2 = InvalidArgument(
      "f.csv:2: invalid UTF-8 byte sequence (byte 0xE9; re-export the file as UTF-8)");
  EXPECT_EQ(DecodeError("a\n\xE9t\xE9\n", "UTF-8"), bad_line2);                        // Latin-1 é
  EXPECT_THAT(DecodeError("a\n\xC0\xAF", "UTF-8").message(), HasSubstr("f.csv:2: "));  // overlong
  EXPECT_THAT(DecodeError("\xED\xA0\x80", "UTF-8").message(), HasSubstr("f.csv:1: "));  // surrogate
  EXPECT_THAT(DecodeError("a\nb\n\xE2\x82", "UTF-8").message(), HasSubstr("f.csv:3: "));  // cut
  EXPECT_THAT(DecodeError("\xF4\x90\x80\x80", "UTF-8").message(), HasSubstr("invalid UTF-8"));
}

TEST(ToUtf8, ByteOrderMarkMakesAWindows1252FileUtf8) {
  Result<std::string> s = ToUtf8("\xEF\xBB\xBF\xC3\xA9", "WINDOWS-1252", "f.csv");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "é");  // not "Ã©"
}

TEST(ToUtf8, UnknownEncodingRefused) {
  EXPECT_EQ(DecodeError("x", "EBCDIC").code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(DecodeError("x", "EBCDIC").message(), HasSubstr("f.csv: unsupported encoding"));
}

// --- ParseCsv ----------------------------------------------------------------

TEST(ParseCsv, QuotedFieldsHoldSeparatorsQuotesAndLineEnds) {
  Result<CsvTable> t = ParseCsv(
      "a;b;c\r\n"
      "1;\"x; y\";\"say \"\"hi\"\"\"\r\n"
      "2;\"two\r\nlines\";z\r\n"
      "3;  padded  ;\"  quoted pad \"\r\n",
      "f.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(Render(*t), ElementsAre("1|a|b|c", "2|1|x; y|say \"hi\"", "3|2|two\nlines|z",
                                      "5|3|padded|quoted pad"));
}

TEST(ParseCsv, BlankLinesSkippedLastLineEndOptional) {
  Result<CsvTable> t = ParseCsv("\n  \na;b\n\n1;2\r\n \t \r\n3;4", "f.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(Render(*t), ElementsAre("3|a|b", "5|1|2", "7|3|4"));
}

TEST(ParseCsv, QuoteInsideAFieldIsData) {
  Result<CsvTable> t = ParseCsv("a;b\nLe \"Parc\";\"x\"y\n", "f.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(Render(*t), ElementsAre("1|a|b", "2|Le \"Parc\"|xy"));
}

TEST(ParseCsv, EmptyFieldsAreKept) {
  Result<CsvTable> t = ParseCsv("a;b;c\n;;\n", "f.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(Render(*t), ElementsAre("1|a|b|c", "2|||"));
}

TEST(ParseCsv, WrongFieldCountNamesLineAndCounts) {
  EXPECT_EQ(CsvError("a;b;c\n1;2;3\n\"x\ny\";2\n"),
            InvalidArgument("f.csv:3: 2 fields, the header has 3"));
  EXPECT_EQ(CsvError("a;b\n1;2;3"), InvalidArgument("f.csv:2: 3 fields, the header has 2"));
}

TEST(ParseCsv, UnterminatedQuoteIsATruncatedFile) {
  EXPECT_EQ(CsvError("a;b\r\n1;2\r\n3;\"four\r\nfive"),
            InvalidArgument("f.csv:3: unterminated quoted field (truncated file?)"));
}

TEST(ParseCsv, EmptyFileHasNoHeader) {
  EXPECT_EQ(CsvError(""), InvalidArgument("f.csv:1: empty file (no header row)"));
  EXPECT_EQ(CsvError("\r\n\r\n"), InvalidArgument("f.csv:1: empty file (no header row)"));
}

// --- Files, dates, folding ---------------------------------------------------

TEST(ReadFileBytes, MissingFileIsNotFound) {
  Result<std::string> r = ReadFileBytes("/nonexistent/x.csv");
  EXPECT_EQ(r.status(), NotFound("/nonexistent/x.csv: cannot open (No such file or directory)"));
}

TEST(ParseFrenchDate, RealDatesOnly) {
  EXPECT_EQ(ParseFrenchDate("14/03/2017"), (Date{2017, 3, 14}));
  EXPECT_EQ(ParseFrenchDate("2/9/2024"), (Date{2024, 9, 2}));
  EXPECT_EQ(ParseFrenchDate("29/02/2016"), (Date{2016, 2, 29}));
  for (std::string_view bad : {"29/02/2017", "31/04/2020", "2017-03-14", "14/03/17", "14/03", "",
                               "14/3/2017/", "aa/03/2017", "001/03/2017", "14/13/2017"})
    EXPECT_EQ(ParseFrenchDate(bad), std::nullopt) << bad;
}

TEST(FoldToAsciiLower, DropsCaseAndAccents) {
  EXPECT_EQ(FoldToAsciiLower("Créteil"), "creteil");
  EXPECT_EQ(FoldToAsciiLower("Aix-Marseille"), "aix-marseille");
  EXPECT_EQ(FoldToAsciiLower("La Réunion"), "la reunion");
  EXPECT_EQ(FoldToAsciiLower("MIRABŒUF Zoé Maël ÇÀÿ"), "miraboeuf zoe mael cay");
  EXPECT_EQ(FoldToAsciiLower("Lycée 5€"), "lycee 5€");  // other characters kept
}

}  // namespace
}  // namespace ledger::import
