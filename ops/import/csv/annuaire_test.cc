#include "ops/import/csv/annuaire.h"

#include "events/testing/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace ledger::import {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Data(const std::string& name) { return std::string(LEDGER_CSV_TESTDATA) + "/" + name; }
std::string Real(const std::string& name) { return std::string(LEDGER_DATA_DIR) + "/" + name; }

// "UAI|name|type|level|department|academy|pupils"
std::string Render(const Establishment& e) {
  return e.uai.str() + "|" + e.name + "|" + e.type + "|" + std::string(Name(e.level)) + "|" +
         e.department + "|" + e.academy + "|" + std::to_string(e.pupils);
}
std::vector<std::string> RenderAll(const std::vector<Establishment>& list) {
  std::vector<std::string> out;
  for (const Establishment& e : list) out.push_back(Render(e));
  return out;
}
std::map<std::string, std::string> ByUai(const std::vector<Establishment>& list) {
  std::map<std::string, std::string> m;
  for (const Establishment& e : list) m[e.uai.str()] = Render(e);
  return m;
}
std::map<Level, int> CountByLevel(const std::vector<Establishment>& list) {
  std::map<Level, int> n;
  for (const Establishment& e : list) ++n[e.level];
  return n;
}

Status Refusal(const std::string& name) {
  Result<std::vector<Establishment>> r = ParseAnnuaire(Data(name));
  return r.ok() ? OkStatus() : r.status();
}

// The directory file in a fresh directory, removed with it at the end of the test.
std::string DirectoryFile(const ledger::testing::TempDir& dir) {
  return (dir.path() / "establishments.tsv").string();
}

// --- Real files --------------------------------------------------------------

// 2023 column set: 996 rows, 993 UAIs (three establishments on two rows each).
TEST(ParseAnnuaire, RealIlleEtVilaine2023ColumnSet) {
  Result<std::vector<Establishment>> r = ParseAnnuaire(Real("fr-en-annuaire-education-035.csv"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 993u);
  EXPECT_EQ(CountByLevel(*r), (std::map<Level, int>{{Level::kEcole, 685},
                                                    {Level::kCollege, 116},
                                                    {Level::kLycee, 84},
                                                    {Level::kOther, 108}}));
  const auto by_uai = ByUai(*r);
  EXPECT_EQ(by_uai.at("0350122T"),
            "0350122T|Ecole primaire publique les Lucioles|Ecole|ecole|035|rennes|143");
  EXPECT_EQ(by_uai.at("0352958A"),
            "0352958A|Collège Françoise Elie|Collège|college|035|rennes|528");
  EXPECT_EQ(by_uai.at("0350053T"),
            "0350053T|Lycée Bertrand d'Argentré|Lycée|lycee|035|rennes|1364");
  // Empty Nombre_d_eleves.
  EXPECT_EQ(by_uai.at("0351962T"),
            "0351962T|Lycée professionnel Abbé Pierre|Lycée|lycee|035|rennes|0");
  // A multi-line establishment: its first row.
  EXPECT_EQ(by_uai.at("0352072M"),
            "0352072M|Lycée professionnel Institution Saint Malo la Providence|Lycée|lycee|035|"
            "rennes|1341");
  // etat "A FERMER": loaded.
  EXPECT_EQ(by_uai.count("0351383N"), 1u);
  EXPECT_EQ(r->front().uai.str(), "0350122T");  // file order
}

// 2026 column set: no Nombre_d_eleves; 613 rows, all écoles.
TEST(ParseAnnuaire, RealValDeMarne2026ColumnSet) {
  Result<std::vector<Establishment>> r = ParseAnnuaire(Real("fr-en-annuaire-education-094.csv"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 613u);
  EXPECT_EQ(CountByLevel(*r), (std::map<Level, int>{{Level::kEcole, 613}}));
  const auto by_uai = ByUai(*r);
  EXPECT_EQ(by_uai.at("0940176F"),
            "0940176F|Ecole élémentaire Robert Doisneau|Ecole|ecole|094|creteil|0");
  EXPECT_EQ(by_uai.at("0941874B"),  // etat "A FERMER"
            "0941874B|Ecole maternelle Gaston Defferre|Ecole|ecole|094|creteil|0");
}

// --- Fixtures ----------------------------------------------------------------

TEST(ParseAnnuaire, SmallFixture) {
  Result<std::vector<Establishment>> r = ParseAnnuaire(Data("annuaire_small.csv"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(
      RenderAll(*r),
      ElementsAre("0359001U|Ecole élémentaire publique des Glycines|Ecole|ecole|035|rennes|87",
                  "0359002V|Collège Les Ormes; site principal|Collège|college|035|rennes|412",
                  "0359003W|Lycée \"Les Mouettes\"|Lycée|lycee|035|rennes|0",
                  "0359004X|Institut des Peupliers|Médico-social|other|035|rennes|0",
                  "0949001Y|Ecole maternelle des Cerisiers|Ecole|ecole|094|creteil|120"));
}

TEST(ParseAnnuaire, BadCheckLetterNamesFileAndLine) {
  const Status s = Refusal("err_annuaire_bad_uai.csv");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(Data("err_annuaire_bad_uai.csv") + ":3: "));
  EXPECT_THAT(s.message(), HasSubstr("0359002A"));
}

TEST(ParseAnnuaire, DepartmentMustBeTheUais) {
  EXPECT_EQ(Refusal("err_annuaire_department.csv"),
            InvalidArgument(Data("err_annuaire_department.csv") +
                            ":3: Code_departement 036 disagrees with UAI 0359002V (department "
                            "035)"));
}

TEST(ParseAnnuaire, MissingColumn) {
  EXPECT_EQ(Refusal("err_annuaire_missing_column.csv"),
            InvalidArgument(Data("err_annuaire_missing_column.csv") +
                            ":1: no column Libelle_academie (is this the annuaire de "
                            "l'éducation?)"));
}

TEST(ParseAnnuaire, WrongFieldCount) {
  EXPECT_EQ(
      Refusal("err_annuaire_field_count.csv"),
      InvalidArgument(Data("err_annuaire_field_count.csv") + ":3: 7 fields, the header has 8"));
}

TEST(ParseAnnuaire, TruncatedFile) {
  EXPECT_EQ(Refusal("err_annuaire_truncated.csv"),
            InvalidArgument(Data("err_annuaire_truncated.csv") +
                            ":3: unterminated quoted field (truncated file?)"));
}

TEST(ParseAnnuaire, MissingFile) { EXPECT_EQ(Refusal("nope.csv").code(), StatusCode::kNotFound); }

// --- Directory store ---------------------------------------------------------

TEST(Directory, SaveLoadRoundTrip) {
  Result<std::vector<Establishment>> parsed = ParseAnnuaire(Data("annuaire_small.csv"));
  ASSERT_TRUE(parsed.ok());
  std::vector<Establishment> list = MergeDirectory({}, *parsed);
  list[0].name = "Tab\there\r\nand line";  // separators become spaces
  const ledger::testing::TempDir dir("import-csv-roundtrip");
  const std::string path = DirectoryFile(dir);
  ASSERT_EQ(SaveDirectory(path, list), OkStatus());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  Result<std::vector<Establishment>> loaded = LoadDirectory(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  list[0].name = "Tab here  and line";
  EXPECT_EQ(*loaded, list);
  std::ifstream in(path);
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_EQ(header, "uai\tname\ttype\tlevel\tdepartment\tacademy\tpupils");
  EXPECT_EQ(first, "0359001U\tTab here  and line\tEcole\tecole\t035\trennes\t87");
}

TEST(Directory, MissingIsNotFoundAndSaysWhatToRun) {
  const ledger::testing::TempDir dir("import-csv-missing");
  const std::string path = DirectoryFile(dir);
  Result<std::vector<Establishment>> r = LoadDirectory(path);
  EXPECT_EQ(r.status(), NotFound(path + ": no establishment directory (run `ledger import "
                                        "annuaire FILE.csv` first)"));
}

TEST(Directory, CorruptLinesAreDataLoss) {
  const ledger::testing::TempDir dir("import-csv-corrupt");
  const std::string path = DirectoryFile(dir);
  const std::string header = "uai\tname\ttype\tlevel\tdepartment\tacademy\tpupils\n";
  const std::string good = "0359001U\tE\tEcole\tecole\t035\trennes\t87\n";
  auto load_error = [&](const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
    Result<std::vector<Establishment>> r = LoadDirectory(path);
    return r.ok() ? OkStatus() : r.status();
  };
  EXPECT_EQ(load_error(header + good + "0359002V\tC\tCollège\tcollege\t035\trennes\n"),
            DataLoss(path + ":3: 6 fields, expected 7"));
  EXPECT_EQ(load_error(header + good + "0359002V\tC\tCollège\tcollège\t035\trennes\t1\n"),
            DataLoss(path + ":3: unknown level \"collège\""));
  EXPECT_EQ(load_error(header + "0359002A\tC\tCollège\tcollege\t035\trennes\t1\n").code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(load_error(header + good + "0359002V\tC\tCollège\tcollege\t094\trennes\t1\n"),
            DataLoss(path + ":3: department 094 is not UAI 0359002V's"));
  EXPECT_EQ(load_error(header + good + "0359002V\tC\tCollège\tcollege\t035\trennes\tmany\n"),
            DataLoss(path + ":3: pupil count \"many\" is not a number"));
  EXPECT_EQ(load_error(header + good + good), DataLoss(path + ":3: UAI 0359001U listed twice"));
  EXPECT_EQ(load_error(header + good + "0359002V\tC\tCol"),
            DataLoss(path + ":3: line without its end (truncated file?)"));
  EXPECT_EQ(load_error("uai,name\n"),
            DataLoss(path + ":1: not an establishment directory (wrong header)"));
  EXPECT_EQ(load_error(""), DataLoss(path + ":1: empty file (truncated?)"));
  EXPECT_EQ(load_error(header), OkStatus());  // an empty directory is a directory
}

TEST(Directory, MergeReplacesSameUaiAndSorts) {
  auto e = [](const char* uai, const char* name) {
    Establishment x;
    x.uai = Uai(uai);
    x.name = name;
    x.department = std::string(uai, 3);
    return x;
  };
  const std::vector<Establishment> merged =
      MergeDirectory({e("0940176F", "old 94"), e("0350122T", "old 35"), e("0359001U", "kept")},
                     {e("0940176F", "new 94"), e("0352958A", "added"), e("0940176F", "newer 94")});
  std::vector<std::string> names;
  for (const Establishment& x : merged) names.push_back(x.uai.str() + " " + x.name);
  EXPECT_THAT(names, ElementsAre("0350122T old 35", "0352958A added", "0359001U kept",
                                 "0940176F newer 94"));
}

}  // namespace
}  // namespace ledger::import
