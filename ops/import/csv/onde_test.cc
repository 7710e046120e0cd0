#include "ops/import/csv/onde.h"
#include "ops/import/testing/render.h"

#include "events/testing/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ledger::import {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Data(const std::string& name) { return std::string(LEDGER_CSV_TESTDATA) + "/" + name; }

using render::Render;
using render::RenderAll;

Status Refusal(const std::string& pupils, const std::string& guardians) {
  Result<ExportSet> r = ParseOnde(pupils, guardians, "0359001U");
  return r.ok() ? OkStatus() : r.status();
}

// Error messages name lines, never the people of the fixtures.
void ExpectNoNames(const Status& s) {
  for (const char* name : {"Mirab", "Zo", "Garçon", "GARCON", "Fran", "Œillet", "Vasseur"})
    EXPECT_THAT(s.message(), Not(HasSubstr(name))) << s.message();
}

// Writes `bytes` to `name` in `dir` (removed with it at the end of the test).
std::string WriteTemp(const ledger::testing::TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = (dir.path() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

const char kPupilHeader[] =
    "Nom \xE9l\xE8ve;Pr\xE9nom \xE9l\xE8ve;Niveau;Cycle;Regroupement;Classe;Date inscription;"
    "Nom d'usage;Deuxi\xE8me pr\xE9nom;Troisi\xE8me pr\xE9nom;Date naissance;Commune naissance;"
    "D\xE9pt naissance;Pays naissance;Sexe;Adresse;CP;Commune;Pays;Etat";
const char kGuardianHeader[] =
    "INE \xE9l\xE8ve;Nom \xE9l\xE8ve;Pr\xE9nom \xE9l\xE8ve;Date naissance;Rang;Lien;"
    "Nom responsable;Pr\xE9nom responsable;T\xE9l\xE9phone portable;Courriel";

// --- Reading -----------------------------------------------------------------

TEST(ParseOnde, PupilsWithAndWithoutIneAndTheirGuardians) {
  Result<ExportSet> r =
      ParseOnde(Data("onde_eleves.csv"), Data("onde_responsables.csv"), "0359001U");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->system, SourceSystem::kOnde);
  EXPECT_EQ(r->uai, "0359001U");
  EXPECT_EQ(r->pupils_file, Data("onde_eleves.csv"));
  EXPECT_EQ(r->guardians_file, Data("onde_responsables.csv"));
  EXPECT_THAT(RenderAll(r->pupils),
              ElementsAre("070123456AB|070123456AB|Mirabœuf|Zoé|2017-03-14|-|||CE1 A|2",
                          "line:3||Garçonnet|François|2014-11-05|-|||CM2|3",
                          // "Radié": kept, no leaving date; line 4 is blank.
                          "0801234567K|0801234567K|Œillet|Maël|2018-12-25|-|||CP|5"));
  EXPECT_THAT(RenderAll(r->guardians),
              ElementsAre("line:2|Mirabœuf|Hélène|06 39 98 00 01|helene.mirab@example.org|2",
                          "line:3|Mirabœuf|Jérôme|0639980002||3",
                          "line:4|Garçonnet|Cécile|+33 6 39 98 00 03||4",
                          "line:5|Vasseur|Benoît||b.vasseur@example.org|5",
                          "line:6|Œillet|Loïc|0639980005||6"));
  EXPECT_THAT(RenderAll(r->links),
              ElementsAre("070123456AB|line:2|1|1|MERE|2",  // by INE
                          "070123456AB|line:3|2|1|PERE|3",
                          "line:3|line:4|1|1|MERE|4",    // by names, other case and no accents
                          "line:3|line:5|0|2|TUTEUR|5",  // rank C: personne en charge
                          "0801234567K|line:6|1|1|PERE|6"));
}

TEST(ParseOnde, StandardExtractionWithoutIneColumn) {
  Result<ExportSet> r = ParseOnde(Data("onde_eleves_sans_ine.csv"),
                                  Data("onde_responsables_sans_ine.csv"), "0359001U");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(RenderAll(r->pupils), ElementsAre("line:2||Mirabœuf|Zoé|2017-03-14|-|||CE1 A|2",
                                                "line:3||Garçonnet|François|2014-11-05|-|||CM2|3"));
  EXPECT_THAT(RenderAll(r->links),
              ElementsAre("line:2|line:2|1|1|MERE|2", "line:3|line:3|2|1|PERE|3"));
}

// --- Refusals ----------------------------------------------------------------

TEST(ParseOnde, UndefinedWindows1252ByteNamesItsLine) {
  const Status s = Refusal(Data("err_onde_bad_byte.csv"), Data("onde_responsables.csv"));
  EXPECT_EQ(s, InvalidArgument(Data("err_onde_bad_byte.csv") +
                               ":3: invalid WINDOWS-1252 byte sequence (byte 0x81; re-export the "
                               "file as WINDOWS-1252)"));
}

TEST(ParseOnde, WrongPupilsHeader) {
  const Status s = Refusal(Data("err_onde_header.csv"), Data("onde_responsables.csv"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(Data("err_onde_header.csv") +
                                     ":1: not an ONDE pupils extraction (expected header Nom "
                                     "élève;Prénom élève;Niveau;"));
  EXPECT_THAT(s.message(), HasSubstr(";Pays;Etat, optionally followed by ;INE)"));
}

TEST(ParseOnde, SwappedFilesAreRefusedByTheirHeaders) {
  EXPECT_THAT(Refusal(Data("onde_responsables.csv"), Data("onde_eleves.csv")).message(),
              HasSubstr(Data("onde_responsables.csv") + ":1: not an ONDE pupils extraction"));
  EXPECT_THAT(Refusal(Data("onde_eleves.csv"), Data("onde_eleves.csv")).message(),
              HasSubstr(Data("onde_eleves.csv") +
                        ":1: not an ONDE guardians file (expected header INE élève;"));
}

TEST(ParseOnde, BadBirthDate) {
  const Status s = Refusal(Data("err_onde_bad_date.csv"), Data("onde_responsables.csv"));
  EXPECT_EQ(s, InvalidArgument(Data("err_onde_bad_date.csv") +
                               ":3: Date naissance \"31/02/2014\" is not a date (DD/MM/YYYY)"));
}

TEST(ParseOnde, GuardianOfAnUnknownIne) {
  const Status s = Refusal(Data("onde_eleves_sans_ine.csv"), Data("onde_responsables.csv"));
  EXPECT_EQ(s, InvalidArgument(Data("onde_responsables.csv") + ":2: pupil INE 070123456AB not in " +
                               Data("onde_eleves_sans_ine.csv")));
}

TEST(ParseOnde, GuardianOfAnUnknownPupilWithoutIne) {
  const Status s = Refusal(Data("onde_eleves.csv"), Data("err_onde_unknown_responsables.csv"));
  EXPECT_EQ(
      s, InvalidArgument(Data("err_onde_unknown_responsables.csv") +
                         ":3: the pupil of this row (no INE) is not in " + Data("onde_eleves.csv") +
                         " (no row with the same Nom élève, Prénom élève and Date "
                         "naissance)"));
  ExpectNoNames(s);
}

TEST(ParseOnde, UnknownRank) {
  EXPECT_EQ(
      Refusal(Data("onde_eleves.csv"), Data("err_onde_rank_responsables.csv")),
      InvalidArgument(Data("err_onde_rank_responsables.csv") + ":3: Rang \"3\" is not 1, 2 or C"));
}

TEST(ParseOnde, TwoPupilsWithTheSameIdentityNeedAnIne) {
  const ledger::testing::TempDir dir("import-csv-onde");
  const std::string row =
      "Mirab\x9C"
      "uf;Zo\xE9;CP;Cycle 2;;CP;;;;;14/03/2017;;;;;;;;;";
  const std::string pupils =
      WriteTemp(dir, "twins.csv", std::string(kPupilHeader) + "\r\n" + row + "\r\n" + row + "\r\n");
  const std::string guardians =
      WriteTemp(dir, "twins_g.csv",
                std::string(kGuardianHeader) + "\r\n;MIRABOEUF;ZOE;14/03/2017;1;MERE;X;Y;;\r\n");
  const Status s = Refusal(pupils, guardians);
  EXPECT_EQ(s, InvalidArgument(guardians +
                               ":2: the pupil of this row (no INE) matches lines 2 "
                               "and 3 of " +
                               pupils + " (give its INE)"));
  ExpectNoNames(s);
}

TEST(ParseOnde, FilesWithoutRowsAreTruncated) {
  const ledger::testing::TempDir dir("import-csv-onde");
  const std::string empty_pupils = WriteTemp(dir, "empty.csv", std::string(kPupilHeader) + "\r\n");
  EXPECT_EQ(Refusal(empty_pupils, Data("onde_responsables.csv")),
            InvalidArgument(empty_pupils + ": no rows (truncated extraction?)"));
  const std::string empty_guardians = WriteTemp(dir, "empty_g.csv", kGuardianHeader);
  EXPECT_EQ(Refusal(Data("onde_eleves.csv"), empty_guardians),
            InvalidArgument(empty_guardians + ": no rows (truncated extraction?)"));
}

TEST(ParseOnde, MissingFileIsNotFound) {
  EXPECT_EQ(Refusal(Data("onde_eleves.csv"), Data("nope.csv")).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ledger::import
