#include "ops/import/siecle/siecle.h"

#include <gtest/gtest.h>
#include <libxml/xmlerror.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "events/testing/file_bytes.h"
#include "ops/import/testing/render.h"

namespace ledger {
// Failures print the status, not its bytes.
void PrintTo(const Status& s, std::ostream* os) { *os << s.ToString(); }
}  // namespace ledger

namespace ledger::import {
namespace {

using ::ledger::testing::FileBytes;

std::string Data(const std::string& name) {
  return std::string(LEDGER_SIECLE_TESTDATA) + "/" + name;
}

using render::Render;
using render::RenderAll;

// The error of a pair expected to be refused.
Status Refusal(const std::string& eleves, const std::string& responsables) {
  Result<ExportSet> r = ParseSiecle(Data(eleves), Data(responsables));
  return r.ok() ? OkStatus() : r.status();
}

Status Invalid(const std::string& where, const std::string& what) {
  return InvalidArgument(Data(where) + what);
}

// --- Reading -----------------------------------------------------------------

TEST(ParseSiecle, CollegeExportInIso885915) {
  Result<ExportSet> r = ParseSiecle(Data("college_eleves.xml"), Data("college_responsables.xml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->system, SourceSystem::kSiecle);
  EXPECT_EQ(r->uai, "0319999A");
  EXPECT_EQ(r->uai_line, 4);  // PARAMETRES/UAJ, for the planner's unknown-UAI error
  EXPECT_EQ(r->pupils_file, Data("college_eleves.xml"));
  EXPECT_EQ(r->guardians_file, Data("college_responsables.xml"));
  // Trimmed values; G structures ignored; the first of two D structures wins;
  // ID_NATIONAL empty (4002) or absent (4003); a leaver (4003).
  EXPECT_EQ(RenderAll(r->pupils),
            (std::vector<std::string>{
                "4001|000000001AA|LEFÈVRE|Zoé|2010-07-14|-|zoe.lefevre@example.org|"
                "06 00 00 00 01|3A|10",
                "4002||CŒURDEROY|François|2011-03-01|-|||4B|19",
                "4003||DE L'HAŸ|Maëlys|2012-02-29|2024-01-05|||5C|25",
            }));
  EXPECT_EQ(RenderAll(r->guardians),
            (std::vector<std::string>{
                "9001|LEFÈVRE|Noémie|06 00 00 00 11|noemie.lefevre@example.org|8",
                "9002|LEFÈVRE|Cœlestin|+33 6 00 00 00 12||14",
                "9003|CŒURDEROY|Bérénice||b.coeurderoy@example.org|19",
                "9004|DE L'HAŸ|Ÿvonne|07 00 00 00 14||24",
                "9005|MARTEL|Gaëtan|06 00 00 00 15||29",
            }));
  // Two legal guardians, one "en charge", one contact only: all kept.
  EXPECT_EQ(RenderAll(r->links), (std::vector<std::string>{
                                     "4001|9001|1|1|20|36",
                                     "4001|9002|2|1|10|43",
                                     "4002|9003|1|1|20|50",
                                     "4003|9004|0|2|50|57",
                                     "4001|9005|0|3|90|64",
                                 }));
}

TEST(ParseSiecle, Iso885915LettersAbsentFromLatin1DecodeToUtf8) {
  // The fixture really is ISO-8859-15: Œ is the single byte 0xBC there
  // (Latin-1 would read "¼"), Ÿ is 0xBE ("¾"), œ is 0xBD ("½").
  const std::string raw = FileBytes(Data("college_responsables.xml"));
  EXPECT_NE(raw.find("C\xBCURDEROY"), std::string::npos);
  EXPECT_NE(raw.find("C\xBDlestin"), std::string::npos);
  EXPECT_NE(raw.find("\xBEvonne"), std::string::npos);

  Result<ExportSet> r = ParseSiecle(Data("college_eleves.xml"), Data("college_responsables.xml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->guardians[2].last_name, "C\xC5\x92URDEROY");  // U+0152 Œ
  EXPECT_EQ(r->guardians[1].first_name, "C\xC5\x93lestin");  // U+0153 œ
  EXPECT_EQ(r->guardians[3].first_name, "\xC5\xB8vonne");    // U+0178 Ÿ
  EXPECT_EQ(r->pupils[0].last_name, "LEF\xC3\x88VRE");       // U+00C8 È
  EXPECT_EQ(r->pupils[1].first_name, "Fran\xC3\xA7ois");     // U+00E7 ç
}

TEST(ParseSiecle, Utf8WithByteOrderMark) {
  Result<ExportSet> r = ParseSiecle(Data("bom_eleves.xml"), Data("bom_responsables.xml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->uai, "0359999D");
  // ł is in neither Latin-1 nor Latin-9: the file is read as UTF-8. The BOM
  // shifts no line.
  EXPECT_EQ(RenderAll(r->pupils),
            (std::vector<std::string>{"7001|000000002BB|ŒHLER|Stanisław|2007-11-30|-|||1G3|6"}));
  EXPECT_EQ(RenderAll(r->guardians),
            (std::vector<std::string>{"9701|ŒHLER|Agnès|06 00 00 00 71||6"}));
  EXPECT_EQ(RenderAll(r->links), (std::vector<std::string>{"7001|9701|1|1|20|13"}));
}

TEST(ParseSiecle, ByteOrderMarkWinsOverAnIso885915Declaration) {
  // UTF-8 bytes after a BOM, first line still declaring ISO-8859-15 (a
  // re-saved export). libxml2 alone would give "HÃ©lÃ¨ne".
  Result<ExportSet> r = ParseSiecle(Data("bom_iso_eleves.xml"), Data("minimal_responsables.xml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(RenderAll(r->pupils), (std::vector<std::string>{"4101||BŒUF|Hélène|-|-||||6"}));
  EXPECT_TRUE(r->guardians.empty());
  EXPECT_TRUE(r->links.empty());
}

TEST(ParseSiecle, ByteOrderMarkBeforeIso885915BytesIsRefused) {
  EXPECT_EQ(Refusal("bom_iso_latin_eleves.xml", "minimal_responsables.xml"),
            Invalid("bom_iso_latin_eleves.xml",
                    ":7: bytes that are not UTF-8 after a UTF-8 byte order mark (the mark says "
                    "UTF-8: remove it if the file is ISO-8859-15, or export the file again)"));
}

TEST(ParseSiecle, NoDeclarationMeansUtf8) {
  Result<ExportSet> r = ParseSiecle(Data("nodecl_eleves.xml"), Data("minimal_responsables.xml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(RenderAll(r->pupils), (std::vector<std::string>{"4201||NŒL-ÉTIENNE|Jérôme|-|-||||5"}));
}

// --- Refused files -----------------------------------------------------------

TEST(ParseSiecle, MissingFileIsNotFound) {
  Result<ExportSet> r = ParseSiecle(Data("absent_eleves.xml"), Data("minimal_responsables.xml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(),
            NotFound(Data("absent_eleves.xml") + ": cannot open (No such file or directory)"));
  r = ParseSiecle(Data("college_eleves.xml"), Data("absent_responsables.xml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(), NotFound(Data("absent_responsables.xml") +
                                 ": cannot open (No such file or directory)"));
}

TEST(ParseSiecle, DirectoryIsNotFound) {
  Result<ExportSet> r = ParseSiecle(LEDGER_SIECLE_TESTDATA, Data("minimal_responsables.xml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(),
            NotFound(std::string(LEDGER_SIECLE_TESTDATA) + ": cannot open (Is a directory)"));
}

TEST(ParseSiecle, EmptyFile) {
  EXPECT_EQ(Refusal("err_empty.xml", "minimal_responsables.xml"),
            Invalid("err_empty.xml",
                    ":1: empty file (the export is incomplete: export it again from SIECLE)"));
}

TEST(ParseSiecle, UnclosedTag) {
  EXPECT_EQ(Refusal("err_unclosed_tag.xml", "minimal_responsables.xml"),
            Invalid("err_unclosed_tag.xml",
                    ":9: malformed XML: Opening and ending tag mismatch: PRENOM line 8 and ELEVE "
                    "(fix the file or export it again from SIECLE)"));
}

TEST(ParseSiecle, TruncatedFile) {
  EXPECT_EQ(Refusal("err_truncated.xml", "minimal_responsables.xml"),
            Invalid("err_truncated.xml",
                    ":8: truncated file: Premature end of data in tag PRENOM line 8 (the export "
                    "is incomplete: export it again from SIECLE)"));
}

TEST(ParseSiecle, UnknownEncoding) {
  EXPECT_EQ(Refusal("err_unknown_encoding.xml", "minimal_responsables.xml"),
            Invalid("err_unknown_encoding.xml",
                    ":1: unsupported encoding \"KLINGON\" in the XML declaration (export the file "
                    "again in ISO-8859-15 or UTF-8)"));
}

TEST(ParseSiecle, WrongRootElement) {
  EXPECT_EQ(Refusal("err_wrong_root.xml", "minimal_responsables.xml"),
            Invalid("err_wrong_root.xml",
                    ":2: root element is BEE_NOMENCLATURES, expected BEE_ELEVES (give the SIECLE "
                    "BEE export BEE_ELEVES)"));
  EXPECT_EQ(Refusal("college_eleves.xml", "err_wrong_root.xml"),
            Invalid("err_wrong_root.xml",
                    ":2: root element is BEE_NOMENCLATURES, expected BEE_RESPONSABLES (give the "
                    "SIECLE BEE export BEE_RESPONSABLES)"));
}

TEST(ParseSiecle, SwappedFiles) {
  EXPECT_EQ(Refusal("college_responsables.xml", "college_eleves.xml"),
            Invalid("college_responsables.xml",
                    ":2: root element is BEE_RESPONSABLES, expected BEE_ELEVES (were --eleves and "
                    "--responsables swapped?)"));
  EXPECT_EQ(Refusal("college_eleves.xml", "college_eleves.xml"),
            Invalid("college_eleves.xml",
                    ":2: root element is BEE_ELEVES, expected BEE_RESPONSABLES (were --eleves and "
                    "--responsables swapped?)"));
}

TEST(ParseSiecle, MissingUaj) {
  EXPECT_EQ(Refusal("err_missing_uaj.xml", "minimal_responsables.xml"),
            Invalid("err_missing_uaj.xml",
                    ":3: required element PARAMETRES/UAJ missing (export the file again from "
                    "SIECLE)"));
}

TEST(ParseSiecle, MissingElevesContainer) {
  // Read as "no pupils", it would close every account of the establishment.
  EXPECT_EQ(Refusal("err_no_eleves.xml", "minimal_responsables.xml"),
            Invalid("err_no_eleves.xml",
                    ":4: required element DONNEES/ELEVES missing (export the file again from "
                    "SIECLE)"));
}

TEST(ParseSiecle, BirthDateNotDdMmYyyy) {
  EXPECT_EQ(Refusal("err_bad_date.xml", "minimal_responsables.xml"),
            Invalid("err_bad_date.xml",
                    ":12: DATE_NAISS of ELEVE_ID 4302 is not a date DD/MM/YYYY (correct it in "
                    "SIECLE and export again)"));
}

TEST(ParseSiecle, LeavingDateThatDoesNotExist) {
  EXPECT_EQ(Refusal("err_bad_date_sortie.xml", "minimal_responsables.xml"),
            Invalid("err_bad_date_sortie.xml",
                    ":9: DATE_SORTIE of ELEVE_ID 4301 is not a date DD/MM/YYYY (correct it in "
                    "SIECLE and export again)"));
}

TEST(ParseSiecle, StructureOfAnUnknownPupil) {
  EXPECT_EQ(Refusal("err_dangling_structure.xml", "minimal_responsables.xml"),
            Invalid("err_dangling_structure.xml",
                    ":12: STRUCTURES_ELEVE names ELEVE_ID 4999, absent from DONNEES/ELEVES "
                    "(export the file again from SIECLE)"));
}

TEST(ParseSiecle, LinkToAnUnknownPupil) {
  EXPECT_EQ(Refusal("college_eleves.xml", "err_dangling_eleve_responsables.xml"),
            Invalid("err_dangling_eleve_responsables.xml",
                    ":10: RESPONSABLE_ELEVE names ELEVE_ID 4999, absent from the pupils file "
                    "(export both files again, at the same time, from SIECLE)"));
}

TEST(ParseSiecle, LinkToAnUnknownPerson) {
  EXPECT_EQ(Refusal("college_eleves.xml", "err_dangling_personne_responsables.xml"),
            Invalid("err_dangling_personne_responsables.xml",
                    ":10: RESPONSABLE_ELEVE names PERSONNE_ID 9999, absent from DONNEES/PERSONNES "
                    "(export both files again, at the same time, from SIECLE)"));
}

TEST(ParseSiecle, DuplicateEleveId) {
  EXPECT_EQ(Refusal("err_duplicate_eleve.xml", "minimal_responsables.xml"),
            Invalid("err_duplicate_eleve.xml",
                    ":8: duplicate ELEVE_ID 4301 (first at line 6; export the file again from "
                    "SIECLE)"));
}

TEST(ParseSiecle, DuplicatePersonneId) {
  EXPECT_EQ(Refusal("college_eleves.xml", "err_duplicate_personne_responsables.xml"),
            Invalid("err_duplicate_personne_responsables.xml",
                    ":8: duplicate PERSONNE_ID 9001 (first at line 6; export the file again from "
                    "SIECLE)"));
}

TEST(ParseSiecle, NonNumericRespLegal) {
  EXPECT_EQ(Refusal("college_eleves.xml", "err_bad_resp_legal_responsables.xml"),
            Invalid("err_bad_resp_legal_responsables.xml",
                    ":13: RESP_LEGAL is not a number (0, 1 or 2 expected; export the file again "
                    "from SIECLE)"));
}

TEST(ParseSiecle, FilesOfTwoEstablishments) {
  EXPECT_EQ(Refusal("college_eleves.xml", "err_uaj_mismatch_responsables.xml"),
            Invalid("err_uaj_mismatch_responsables.xml",
                    ":3: PARAMETRES/UAJ is 0359999D but the pupils file's is 0319999A (give two "
                    "exports of the same establishment)"));
}

// --- Security ----------------------------------------------------------------

TEST(ParseSiecle, ExternalEntityIsRefusedAtItsDeclaration) {
  // <!ENTITY e SYSTEM "file:///etc/passwd"> on line 3, &e; on line 9: the
  // parse stops at the declaration; nothing is read from /etc/passwd.
  EXPECT_EQ(Refusal("err_external_entity.xml", "minimal_responsables.xml"),
            Invalid("err_external_entity.xml",
                    ":3: entity declaration 'e': entities are not allowed in a SIECLE export and "
                    "are never expanded (export the file again from SIECLE)"));
}

TEST(ParseSiecle, InternalEntitiesAreRefusedToo) {
  // No entity at all: no "billion laughs" either.
  EXPECT_EQ(Refusal("err_internal_entity.xml", "minimal_responsables.xml"),
            Invalid("err_internal_entity.xml",
                    ":3: entity declaration 'a': entities are not allowed in a SIECLE export and "
                    "are never expanded (export the file again from SIECLE)"));
}

TEST(ParseSiecle, ExternalDtdIsNotLoaded) {
  // external.dtd (beside the file) declares e: were it loaded, &e; would be
  // declared. It is not: the reference is refused as such.
  Status s = Refusal("err_external_dtd.xml", "minimal_responsables.xml");
  EXPECT_EQ(s, Invalid("err_external_dtd.xml",
                       ":7: entity reference '&e;': entities are not allowed in a SIECLE export "
                       "and are never expanded (export the file again from SIECLE)"));
  EXPECT_EQ(s.message().find("LEAKED"), std::string::npos);
}

// --- libxml2's diagnostics ---------------------------------------------------

int g_caller_handler_calls = 0;
void CallerHandler(void*, xmlErrorPtr) { ++g_caller_handler_calls; }

TEST(ParseSiecle, DiagnosticsAreCapturedAndTheCallersHandlerRestored) {
  int caller_context = 0;
  xmlSetStructuredErrorFunc(&caller_context, &CallerHandler);
  g_caller_handler_calls = 0;
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(ParseSiecle(Data("err_unclosed_tag.xml"), Data("minimal_responsables.xml")).ok());
  EXPECT_FALSE(
      ParseSiecle(Data("err_unknown_encoding.xml"), Data("minimal_responsables.xml")).ok());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(g_caller_handler_calls, 0);
  EXPECT_EQ(xmlStructuredError, &CallerHandler);
  EXPECT_EQ(xmlStructuredErrorContext, &caller_context);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
}

TEST(ParseSiecle, ConcurrentParsesOnTwoThreads) {
  int good = 0, refused = 0;
  std::thread a([&] {
    for (int i = 0; i < 50; ++i) {
      good += ParseSiecle(Data("college_eleves.xml"), Data("college_responsables.xml")).ok();
    }
  });
  std::thread b([&] {
    const Status expected = Refusal("err_unclosed_tag.xml", "minimal_responsables.xml");
    for (int i = 0; i < 50; ++i) {
      refused += Refusal("err_unclosed_tag.xml", "minimal_responsables.xml") == expected;
    }
  });
  a.join();
  b.join();
  EXPECT_EQ(good, 50);
  EXPECT_EQ(refused, 50);
}

// --- Size --------------------------------------------------------------------

// A lycée-sized pair written in the test: 6,000 pupils over 14 lines each,
// past libxml2's default 65,535-line limit of line numbers.
TEST(ParseSiecle, LargeExportKeepsExactLineNumbers) {
  const std::filesystem::path dir = ::testing::TempDir();
  const std::string eleves = (dir / "siecle_large_eleves.xml").string();
  const std::string responsables = (dir / "siecle_large_responsables.xml").string();
  constexpr int kPupils = 6000;
  {
    std::ofstream e(eleves);
    e << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BEE_ELEVES>\n"
         "<PARAMETRES><UAJ>0319999A</UAJ></PARAMETRES>\n<DONNEES>\n<ELEVES>\n";
    for (int i = 0; i < kPupils; ++i) {
      e << "<ELEVE ELEVE_ID=\"" << 100000 + i << "\">\n<ID_NATIONAL>" << 100000000 + i
        << "AA</ID_NATIONAL>\n<NOM_DE_FAMILLE>ELEVE</NOM_DE_FAMILLE>\n<PRENOM>N" << i
        << "</PRENOM>\n<DATE_NAISS>01/09/2008</DATE_NAISS>\n<MEL/>\n<TEL_PORTABLE/>\n"
           "<CODE_SEXE>1</CODE_SEXE>\n<CODE_REGIME>2</CODE_REGIME>\n<CODE_MEF>x</CODE_MEF>\n"
           "<ADHESION_TRANSPORT>0</ADHESION_TRANSPORT>\n<DATE_ENTREE>01/09/2023</DATE_ENTREE>\n"
           "<CODE_PAYS>100</CODE_PAYS>\n</ELEVE>\n";
    }
    e << "</ELEVES>\n<STRUCTURES>\n";
    for (int i = 0; i < kPupils; ++i) {
      e << "<STRUCTURES_ELEVE ELEVE_ID=\"" << 100000 + i << "\"><STRUCTURE><CODE_STRUCTURE>2-"
        << i % 30 << "</CODE_STRUCTURE><TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE>"
        << "</STRUCTURES_ELEVE>\n";
    }
    e << "</STRUCTURES>\n</DONNEES>\n</BEE_ELEVES>\n";
    std::ofstream r(responsables);
    r << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BEE_RESPONSABLES>\n<DONNEES>\n"
         "<PERSONNES>\n";
    for (int i = 0; i < kPupils; ++i) {
      r << "<PERSONNE PERSONNE_ID=\"" << 500000 + i
        << "\"><NOM_DE_FAMILLE>PARENT</NOM_DE_FAMILLE></PERSONNE>\n";
    }
    r << "</PERSONNES>\n<RESPONSABLES>\n";
    for (int i = 0; i < kPupils; ++i) {
      r << "<RESPONSABLE_ELEVE><ELEVE_ID>" << 100000 + i << "</ELEVE_ID><PERSONNE_ID>" << 500000 + i
        << "</PERSONNE_ID><RESP_LEGAL>1</RESP_LEGAL>"
        << "<NIVEAU_RESPONSABILITE>1</NIVEAU_RESPONSABILITE></RESPONSABLE_ELEVE>\n";
    }
    r << "</RESPONSABLES>\n</DONNEES>\n</BEE_RESPONSABLES>\n";
  }
  Result<ExportSet> r = ParseSiecle(eleves, responsables);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->pupils.size(), size_t{kPupils});
  ASSERT_EQ(r->guardians.size(), size_t{kPupils});
  ASSERT_EQ(r->links.size(), size_t{kPupils});
  EXPECT_EQ(Render(r->pupils.back()), "105999|100005999AA|ELEVE|N5999|2008-09-01|-|||2-29|" +
                                          std::to_string(6 + 14 * (kPupils - 1)));
  EXPECT_GT(r->pupils.back().line, 65535);
  EXPECT_EQ(Render(r->links.back()), "105999|505999|1|1||" + std::to_string(6 + 2 * kPupils));
  std::filesystem::remove(eleves);
  std::filesystem::remove(responsables);
}

}  // namespace
}  // namespace ledger::import
