// The simulator and the demo end to end: the demo at its scale reproduces
// every figure of the académie de Toulouse's two published tables within a
// point; the same seed gives a byte-identical export (and a rerun appends
// nothing); rennes-35 runs on the real annuaire of Ille-et-Vilaine.
#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/testing/temp_dir.h"
#include "ops/cli/academy_demo.h"
#include "ops/simulate/profile.h"
#include "tests/ledger_runner.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;

void ExpectWithinAPoint(const Figure& f, const std::string& what) {
  if (f.published < 0) return;  // not published
  ASSERT_GE(f.simulated, 0) << what << ": no account";
  EXPECT_NEAR(f.simulated, f.published, 1.0) << what;
}

TEST(AcademyDemoTest, DemoScaleReproducesBothPublishedTablesWithinOnePoint) {
  testing::TempDir dir("demo");
  LogFlags flags;
  flags.data = (dir.path() / "data").string();
  std::FILE* out = std::tmpfile();
  ASSERT_TRUE(RunAcademyDemo(flags, AcademyDemoOptions{}, out).ok());
  std::rewind(out);
  std::string printed;
  for (int c; (c = std::fgetc(out)) != EOF;) printed += static_cast<char>(c);
  std::fclose(out);
  EXPECT_NE(printed.find("as of 2022-09-05"), std::string::npos) << printed;
  EXPECT_NE(printed.find("as of 2023-06-20"), std::string::npos);
  EXPECT_NE(printed.find("Hash chain verified"), std::string::npos);
  EXPECT_NE(printed.find("disputed by the guardian"), std::string::npos);

  Result<sim::Profile> profile = sim::LoadProfile("toulouse-2022", "");
  ASSERT_TRUE(profile.ok());
  Result<std::vector<ComparisonRow>> rows = CompareWithPublished(flags, *profile);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 9u);  // 8 departments and the académie
  int figures = 0;
  for (const ComparisonRow& r : *rows) {
    for (const auto& [what, f] : std::map<std::string, Figure>{{"pupils", r.pupils},
                                                                {"collèges", r.college},
                                                                {"lycées", r.lycee},
                                                                {"guardians", r.guardians},
                                                                {"5 Sept", r.pupils_first_date}}) {
      ExpectWithinAPoint(f, r.code + " " + what);
      figures += f.published >= 0;
    }
  }
  EXPECT_EQ(figures, 45);  // the two tables: 9 rows × (4 + 1)
}

class SimulateCliTest : public ::testing::Test {
 protected:
  CliRun Run(const std::vector<std::string>& args) { return testing::RunLedger(args, dir_); }
  std::string Data(const char* name) const { return (dir_ / name).string(); }
  // The export with personal fields opened, without the hash chain's
  // fields: every ledger seals under keys of its own (random per person), so
  // two ledgers of one seed hold the same events, not the same ciphertexts.
  std::string Export(const std::string& data) {
    CliRun e = Run({"export", "--format", "jsonl", "--with-personal-data", "--data", data});
    EXPECT_EQ(e.code, 0) << e.err;
    std::string out;
    std::istringstream in(e.out);
    for (std::string line; std::getline(in, line);) {
      nlohmann::ordered_json j = nlohmann::ordered_json::parse(line);
      EXPECT_EQ(j["hash"].get<std::string>().size(), 64u);
      j.erase("hash");
      j.erase("prev_hash");
      out += j.dump() + "\n";
    }
    return out;
  }
  testing::TempDir tmp_{"simulate-cli"};
  const fs::path& dir_ = tmp_.path();
};

TEST_F(SimulateCliTest, SameSeedTwiceGivesAnIdenticalExportAndARerunAppendsNothing) {
  const std::vector<std::string> args = {"simulate", "--profile", "toulouse-2022", "--seed", "7",
                                         "--scale", "0.01"};
  for (const char* d : {"a", "b"}) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--data", Data(d)});
    CliRun r = Run(a);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  const std::string first = Export(Data("a"));
  EXPECT_GT(first.size(), 1000000u);
  EXPECT_EQ(first, Export(Data("b")));

  std::vector<std::string> again = args;
  again.insert(again.end(), {"--data", Data("a")});
  CliRun r = Run(again);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\n0 events appended"), std::string::npos) << r.out;
  EXPECT_EQ(Export(Data("a")), first);

  std::vector<std::string> other = args;
  other[4] = "8";
  other.insert(other.end(), {"--data", Data("c")});
  ASSERT_EQ(Run(other).code, 0);
  EXPECT_NE(Export(Data("c")), first);
}

TEST_F(SimulateCliTest, Rennes35RunsOnTheRealAnnuaireAndSaysWhatToDoWithoutIt) {
  CliRun missing = Run({"simulate", "--profile", "rennes-35", "--data", Data("r")});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("ledger import annuaire"), std::string::npos) << missing.err;

  ASSERT_EQ(Run({"import", "annuaire", "--data", Data("r"),
                 std::string(LEDGER_DATA_DIR) + "/fr-en-annuaire-education-035.csv"})
                .code,
            0);
  CliRun sim = Run({"simulate", "--profile", "rennes-35", "--scale", "0.02", "--data", Data("r")});
  ASSERT_EQ(sim.code, 0) << sim.err;
  CliRun st = Run({"stats", "--by", "department", "--format", "csv", "--as-of", "2023-06-20",
                   "--data", Data("r")});
  ASSERT_EQ(st.code, 0) << st.err;
  std::map<std::string, std::pair<int, int>> cells;  // profile/level → accounts, activated
  for (const std::vector<std::string>& f : testing::CsvRows(st.out)) {
    ASSERT_EQ(f.size(), 7u);
    EXPECT_EQ(f[1], "035");
    cells[f[2] + "/" + f[3]] = {std::stoi(f[4]), std::stoi(f[6])};
  }
  // Real pupil counts at scale 0.02: about 2,100 in écoles, 1,100 in collèges, 780 in lycées.
  EXPECT_GT(cells["pupil/ecole"].first, 1500);
  EXPECT_GT(cells["pupil/college"].first, 900);
  EXPECT_GT(cells["pupil/lycee"].first, 500);
  EXPECT_EQ(cells["pupil/ecole"].second, 0) << "école pupils are not notified";
  EXPECT_NEAR(100.0 * cells["guardian/all"].second / cells["guardian/all"].first, 55, 1.5);
}

}  // namespace
}  // namespace ledger
