// `ledger import` as an operator runs it, on hand-written SIECLE exports
// (tests/testdata/import, ISO-8859-15 and one UTF-8 file with a BOM) and the
// real annuaire of department 035 (data/):
//   year 1: a collège of department 094 (fictional, from a one-row annuaire
//     fixture) and a real lycée of department 035 (0350053T), whose pupils
//     Chloé (collège) and Théo (lycée) share both parents, written
//     differently in each export;
//   year 2: Chloé has moved to the lycée, Noé changed class, Lina arrived.
// Checked on the ledger's own outputs (export, stats, the --report JSON).
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/testing/temp_dir.h"
#include "tests/ledger_runner.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;

const std::string kFixtures = LEDGER_IMPORT_TESTDATA;
const std::string kData = LEDGER_DATA_DIR;
const std::string kOnde = LEDGER_ONDE_TESTDATA;

std::string F(const std::string& name) { return kFixtures + "/" + name; }

// The export's records, by stream, in seq order.
struct Ledger {
  std::map<std::string, std::vector<nlohmann::json>> streams;
  std::map<std::string, std::string> by_login;  // login → stream
  size_t events = 0;
};

Ledger Parse(const std::string& jsonl) {
  Ledger l;
  std::istringstream in(jsonl);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    const std::string stream = j["stream"];
    if (j["type"] == "AccountCreated") l.by_login[j["data"]["login"]] = stream;
    l.streams[stream].push_back(std::move(j));
    ++l.events;
  }
  return l;
}

std::vector<nlohmann::json> OfType(const std::vector<nlohmann::json>& stream, const char* type) {
  std::vector<nlohmann::json> v;
  for (const nlohmann::json& j : stream)
    if (j["type"] == type) v.push_back(j);
  return v;
}

// `ledger stats --by department --format csv`: "dept/profile/level" → accounts.
std::map<std::string, int> Accounts(const std::string& csv) {
  std::map<std::string, int> m;
  for (const std::vector<std::string>& f : testing::CsvRows(csv))
    if (f.size() >= 5) m[f[1] + "/" + f[2] + "/" + f[3]] = std::stoi(f[4]);
  return m;
}

class ImportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CliRun a = Run({"import", "annuaire", "--data", Data(),
                    kData + "/fr-en-annuaire-education-035.csv", F("annuaire_college_094.csv")});
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_NE(a.out.find("directory"), std::string::npos) << a.out;
  }

  CliRun Run(const std::vector<std::string>& args) { return testing::RunLedger(args, dir_); }
  std::string Data() const { return (dir_ / "data").string(); }

  CliRun Import(const std::string& year, const std::string& date,
                const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"import", "siecle", "--data", Data(), "--date", date};
    for (const char* school : {"college", "lycee"}) {
      args.insert(args.end(), {"--eleves", F(year + "_" + school + "_eleves.xml"),
                               "--responsables", F(year + "_" + school + "_responsables.xml")});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }
  std::string Export() {
    CliRun e = Run({"export", "--format", "jsonl", "--with-personal-data", "--data", Data()});
    EXPECT_EQ(e.code, 0) << e.err;
    return e.out;
  }
  std::map<std::string, int> Stats() {
    CliRun s = Run({"stats", "--by", "department", "--format", "csv", "--data", Data()});
    EXPECT_EQ(s.code, 0) << s.err;
    return Accounts(s.out);
  }

  ledger::testing::TempDir tmp_{"import-cli"};
  const fs::path& dir_ = tmp_.path();
};

TEST_F(ImportCliTest, TwoYearRoundTripTransferKeepsTheAccountAndMovesLinksAndStats) {
  const std::string report1 = (dir_ / "year1.json").string();
  CliRun y1 = Import("y1", "2024-09-02", {"--report", report1});
  ASSERT_EQ(y1.code, 0) << y1.err;
  EXPECT_NE(y1.out.find("imported: 11 commands, 11 events appended"), std::string::npos) << y1.out;

  // The report: one pupil without INE, one guardian without a mobile, by file:line.
  nlohmann::json r1 = nlohmann::json::parse(testing::FileBytes(report1));
  EXPECT_EQ(r1["summary"]["pupil_accounts_created"], 3);
  EXPECT_EQ(r1["summary"]["guardian_accounts_created"], 3);
  EXPECT_EQ(r1["summary"]["guardians_matched"], 2);
  EXPECT_EQ(r1["counts"]["pupil_without_ine"], 1);
  EXPECT_EQ(r1["counts"]["guardian_without_mobile"], 1);
  for (const nlohmann::json& f : r1["findings"]) {
    if (f["kind"] == "pupil_without_ine") {
      EXPECT_EQ(f["file"], F("y1_college_eleves.xml"));
      EXPECT_EQ(f["line"], 22);
      EXPECT_EQ(f["source_id"], "103");
    }
  }
  EXPECT_EQ(r1.dump().find("PÉTRÉ"), std::string::npos) << "no names in the report";

  Ledger l1 = Parse(Export());
  // ISO-8859-15 letters (É, Œ) decoded: logins are the folded names.
  for (const char* login : {"c.beranger1", "n.oeuvrard1", "t.beranger1", "h.beranger1",
                            "j.beranger1", "g.oeuvrard1"})
    EXPECT_EQ(l1.by_login.count(login), 1u) << login;
  EXPECT_EQ(l1.by_login.size(), 6u);
  // One guardian, one account: each parent linked to both children, in two departments.
  for (const char* parent : {"h.beranger1", "j.beranger1"}) {
    std::vector<nlohmann::json> links = OfType(l1.streams[l1.by_login[parent]], "GuardianLinked");
    ASSERT_EQ(links.size(), 2u) << parent;
    std::set<std::string> depts = {links[0]["data"]["department"], links[1]["data"]["department"]};
    EXPECT_EQ(depts, (std::set<std::string>{"035", "094"})) << parent;
  }
  std::map<std::string, int> s1 = Stats();
  EXPECT_EQ(s1["094/pupil/all"], 2);
  EXPECT_EQ(s1["035/pupil/all"], 1);
  EXPECT_EQ(s1["035/pupil/lycee"], 1);

  // Year 2: Chloé moved from the collège (094) to the lycée (035).
  CliRun y2 = Import("y2", "2025-09-01");
  ASSERT_EQ(y2.code, 0) << y2.err;
  const std::string after_y2 = Export();
  Ledger l2 = Parse(after_y2);
  const std::string chloe = l1.by_login["c.beranger1"];
  EXPECT_EQ(l2.by_login["c.beranger1"], chloe) << "same account, same login";
  std::vector<nlohmann::json> moved = OfType(l2.streams[chloe], "PupilTransferred");
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0]["data"]["uai"], "0350053T");
  EXPECT_EQ(moved[0]["data"]["department"], "035");
  EXPECT_EQ(moved[0]["data"]["class"], "2NDE3");
  EXPECT_TRUE(OfType(l2.streams[chloe], "AccountClosed").empty());
  for (const char* parent : {"h.beranger1", "j.beranger1"}) {
    const auto& stream = l2.streams[l2.by_login[parent]];
    std::vector<nlohmann::json> updated = OfType(stream, "GuardianLinkUpdated");
    ASSERT_EQ(updated.size(), 1u) << parent;
    EXPECT_EQ(updated[0]["data"]["pupil"], chloe);
    EXPECT_EQ(updated[0]["data"]["uai"], "0350053T");
    EXPECT_EQ(OfType(stream, "GuardianLinked").size(), 2u) << "no second link to Chloé";
    EXPECT_TRUE(OfType(stream, "GuardianUnlinked").empty());
  }
  // Noé's class, Lina's arrival with a new guardian.
  std::vector<nlohmann::json> noe = OfType(l2.streams[l2.by_login["n.oeuvrard1"]], "ClassChanged");
  ASSERT_EQ(noe.size(), 1u);
  EXPECT_EQ(noe[0]["data"]["class"], "4B");
  EXPECT_EQ(l2.by_login.count("l.moreau1"), 1u);
  EXPECT_EQ(l2.by_login.count("k.moreau1"), 1u);
  EXPECT_EQ(l2.events, l1.events + 8);

  std::map<std::string, int> s2 = Stats();
  EXPECT_EQ(s2["094/pupil/all"], 2);  // Noé, Lina
  EXPECT_EQ(s2["035/pupil/all"], 2);  // Théo, Chloé
  EXPECT_EQ(s2["035/pupil/lycee"], 2);
  EXPECT_EQ(s2["094/pupil/college"], 2);

  // The same files again: nothing appended.
  CliRun again = Import("y2", "2025-09-01");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("imported: 0 commands, 0 events appended"), std::string::npos)
      << again.out;
  EXPECT_EQ(Export(), after_y2);
}

TEST_F(ImportCliTest, BadInputAbortsNamingFileAndLineAndAppendsNothing) {
  ASSERT_EQ(Import("y1", "2024-09-02").code, 0);
  const std::string before = Export();

  // A truncated pupils file in the year-2 set: the whole set is refused.
  CliRun truncated = Run({"import", "siecle", "--data", Data(), "--date", "2025-09-01", "--eleves",
                          F("y2_lycee_eleves.xml"), "--responsables", F("y2_lycee_responsables.xml"),
                          "--eleves", F("err_truncated_eleves.xml"), "--responsables",
                          F("y2_college_responsables.xml")});
  EXPECT_EQ(truncated.code, 1);
  EXPECT_NE(truncated.err.find(F("err_truncated_eleves.xml") + ":23: truncated file"),
            std::string::npos)
      << truncated.err;

  // Files of two establishments given as one pair.
  CliRun mixed = Run({"import", "siecle", "--data", Data(), "--eleves", F("y2_lycee_eleves.xml"),
                      "--responsables", F("y2_college_responsables.xml")});
  EXPECT_EQ(mixed.code, 1);
  EXPECT_NE(mixed.err.find(F("y2_college_responsables.xml") + ":4:"), std::string::npos)
      << mixed.err;

  // The wrong establishment for --uai.
  CliRun wrong = Run({"import", "siecle", "--data", Data(), "--uai", "0350053T", "--eleves",
                      F("y2_college_eleves.xml"), "--responsables",
                      F("y2_college_responsables.xml")});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find(F("y2_college_eleves.xml") + ":4: export of establishment 0949990Y"),
            std::string::npos)
      << wrong.err;
  EXPECT_EQ(Export(), before);

  // An establishment missing from the directory: a ledger that only knows 035.
  const std::string other = (dir_ / "other").string();
  ASSERT_EQ(Run({"import", "annuaire", "--data", other, kData + "/fr-en-annuaire-education-035.csv"})
                .code,
            0);
  CliRun unknown = Run({"import", "siecle", "--data", other, "--eleves", F("y2_college_eleves.xml"),
                        "--responsables", F("y2_college_responsables.xml")});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find(F("y2_college_eleves.xml") + ":4: establishment 0949990Y is not in "
                             "the directory"),
            std::string::npos)
      << unknown.err;
  CliRun none = Run({"export", "--format", "jsonl", "--data", other});
  EXPECT_EQ(none.out, "");

  // A dry run plans and reports, appends nothing.
  CliRun dry = Import("y2", "2025-09-01", {"--dry-run"});
  EXPECT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find("dry run: 8 commands planned, nothing appended"), std::string::npos)
      << dry.out;
  EXPECT_EQ(Export(), before);
}

// ONDE (écoles): Windows-1252 files of ops/import/csv/testdata, a real école of 035.
TEST_F(ImportCliTest, OndeExtractionImportsOnceAndReimportsNothing) {
  const std::vector<std::string> args = {
      "import", "onde", "--data", Data(), "--uai", "0350122T", "--date", "2024-09-02", "--pupils",
      kOnde + "/onde_eleves.csv", "--guardians", kOnde + "/onde_responsables.csv"};
  CliRun first = Run(args);
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("onde_eleves.csv:3 [line:3] no account"), std::string::npos)
      << first.out;
  Ledger l = Parse(Export());
  EXPECT_EQ(l.by_login.size(), 5u);  // 2 pupils with an INE, 3 guardians
  EXPECT_EQ(l.by_login.count("z.miraboeuf1"), 1u);  // "Mirabœuf": œ is 0x9C in Windows-1252
  std::map<std::string, int> s = Stats();
  EXPECT_EQ(s["035/pupil/ecole"], 2);
  EXPECT_EQ(s["035/guardian/ecole"], 3);

  CliRun again = Run(args);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("imported: 0 commands, 0 events appended"), std::string::npos);
}

}  // namespace
}  // namespace ledger
