// Privacy by design, as an operator meets it (ARCHITECTURE.md §9, PRIVACY.md),
// with the real `ledger` binary on real files:
//  - after `ledger demo`, and after importing the hand-written SIECLE exports
//    of tests/testdata/import, no byte of the log, nor of the projections,
//    holds a name, an INE, a login, a birth date, a phone number or an
//    e-mail of the people imported — while `ledger export
//    --with-personal-data` and the auditor's history show them;
//  - `ledger erase`: the person's fields read [erased] in every output, the
//    chains still verify, a table as of an earlier day is byte-identical, a
//    rebuild gives the same answers, the pupils of an erased guardian keep
//    their data, and erasing twice is a clear refusal.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/testing/file_bytes.h"
#include "events/testing/temp_dir.h"
#include "tests/ledger_runner.h"

namespace ledger {
namespace {

using ::ledger::testing::AllBytes;

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CliRun;

const std::string kFixtures = LEDGER_IMPORT_TESTDATA;
const std::string kData = LEDGER_DATA_DIR;

std::string F(const std::string& name) { return kFixtures + "/" + name; }

// A birth date "YYYY-MM-DD" as schema 1 stored it: a little-endian uint32 YYYYMMDD.
std::string PackedDate(const std::string& iso) {
  uint32_t v = static_cast<uint32_t>(std::stoul(iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2)));
  std::string s(4, '\0');
  std::memcpy(s.data(), &v, 4);
  return s;
}

std::vector<json> Lines(const std::string& jsonl) {
  std::vector<json> out;
  std::istringstream in(jsonl);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

struct Person {
  std::string account, login, last_name, first_name, ine, birth_date;
};

// The people of an export made --with-personal-data.
std::vector<Person> People(const std::string& jsonl) {
  std::vector<Person> out;
  for (const json& j : Lines(jsonl)) {
    if (j["type"] != "AccountCreated") continue;
    const json& d = j["data"];
    out.push_back({j["stream"], d.value("login", ""), d.value("last_name", ""), d.value("first_name", ""),
                   d.value("ine", ""), d.value("birth_date", "")});
  }
  return out;
}

class PrivacyCliTest : public ::testing::Test {
 protected:
  CliRun Run(const std::vector<std::string>& args) { return testing::RunLedger(args, tmp_.path()); }
  std::string Data() const { return (tmp_.path() / "data").string(); }
  std::string Ok(const std::vector<std::string>& args) {
    CliRun r = Run(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  }
  std::string Export(bool personal) {
    std::vector<std::string> a = {"export", "--format", "jsonl", "--data", Data()};
    if (personal) a.push_back("--with-personal-data");
    return Ok(a);
  }

  // Every personal value of `people` (and `extra`) of at least `min_bytes`:
  // absent from the log's and the projections' bytes, present in the
  // personal-data export. In tens of megabytes of ciphertext a given short
  // string turns up by chance (3 bytes: once per 16 MB), so a large ledger
  // is checked on values of 6 bytes and more (once per 280 TB).
  void ExpectSealed(const std::vector<Person>& people, const std::vector<std::string>& extra,
                    size_t min_bytes) {
    Ok({"stats", "--data", Data()});  // the projections made up to date
    const std::string log = AllBytes(fs::path(Data()) / "log");
    const std::string projections = AllBytes(fs::path(Data()) / "projections");
    const std::string with = Export(true), without = Export(false);
    size_t checked = 0;
    auto absent = [&](const std::string& v, const std::string& what) {
      if (v.size() < min_bytes) return;
      ++checked;
      EXPECT_EQ(log.find(v), std::string::npos) << what << " found in the log";
      EXPECT_EQ(projections.find(v), std::string::npos) << what << " found in the projections";
      EXPECT_EQ(without.find(v), std::string::npos) << what << " found in the export without personal data";
    };
    for (const Person& p : people) {
      for (const std::string* v : {&p.login, &p.last_name, &p.first_name, &p.ine}) {
        absent(*v, "a personal field of " + p.account);
        EXPECT_NE(with.find(*v), std::string::npos) << "the personal-data export lacks a field of " << p.account;
      }
      if (!p.birth_date.empty()) {
        absent(p.birth_date, "a birth date");
        if (min_bytes <= 4) absent(PackedDate(p.birth_date), "a packed birth date");
      }
    }
    for (const std::string& v : extra) absent(v, "a contact detail");
    EXPECT_GT(checked, 2 * people.size());
  }

  ledger::testing::TempDir tmp_{"privacy-cli"};
};

TEST_F(PrivacyCliTest, AfterTheDemoNoPersonalFieldIsInTheLogOrTheProjections) {
  ASSERT_EQ(Run({"demo", "--data", Data()}).code, 0);
  EXPECT_EQ(fs::status(fs::path(Data()) / "master.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const std::vector<Person> all = People(Export(true));
  ASSERT_GT(all.size(), 5u);
  // 60 people spread over the whole log (each search scans tens of megabytes).
  std::vector<Person> people;
  for (size_t i = 0; i < all.size(); i += std::max<size_t>(1, all.size() / 60)) people.push_back(all[i]);
  ExpectSealed(people, {}, /*min_bytes=*/6);
  // The auditor's history shows them.
  const Person& p = people.front();
  const std::string history = Ok({"history", p.account, "--format", "json", "--data", Data()});
  EXPECT_NE(history.find(p.last_name), std::string::npos) << history;
  EXPECT_NE(history.find(p.login), std::string::npos) << history;
}

class ImportedLedgerTest : public PrivacyCliTest {
 protected:
  void SetUp() override {
    Ok({"import", "annuaire", "--data", Data(), kData + "/fr-en-annuaire-education-035.csv",
        F("annuaire_college_094.csv")});
    std::vector<std::string> args = {"import", "siecle", "--data", Data(), "--date", "2024-09-02"};
    for (const char* school : {"college", "lycee"})
      args.insert(args.end(), {"--eleves", F(std::string("y1_") + school + "_eleves.xml"), "--responsables",
                               F(std::string("y1_") + school + "_responsables.xml")});
    Ok(args);
    people_ = People(Export(true));
    for (const Person& p : people_) by_first_[p.first_name] = p;
  }
  std::vector<Person> people_;
  std::map<std::string, Person> by_first_;
};

TEST_F(ImportedLedgerTest, NoNameIneBirthDatePhoneOrEmailOfTheSiecleExportsIsStoredInClear) {
  ASSERT_EQ(people_.size(), 6u);
  ASSERT_TRUE(by_first_.count("Chloé") && by_first_.count("Hélène"));
  // Contact details never reach the log, even sealed (flags and keyed match keys only).
  ExpectSealed(people_, {"06 12 34 56 01", "0612345601", "612345601", "h.beranger@example.org",
                         "2009-05-03", "03/05/2009"},
               /*min_bytes=*/3);
}

TEST_F(ImportedLedgerTest, ErasingAGuardianLeavesNoTraceOfHerDataAndEverythingElseAsItWas) {
  const Person helene = by_first_.at("Hélène"), chloe = by_first_.at("Chloé");
  // The day before the erasure (which happens now, on the system clock).
  const std::string before_day = [] {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - std::chrono::hours(24));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return std::string(buf);
  }();
  const std::string table_before =
      Ok({"stats", "--by", "establishment", "--as-of", before_day, "--format", "csv", "--data", Data()});
  const std::string chloe_before = Ok({"history", chloe.account, "--format", "json", "--data", Data()});

  CliRun erased = Run({"erase", helene.account, "--reason", "RGPD-2026-0042", "--data", Data()});
  ASSERT_EQ(erased.code, 0) << erased.err;
  EXPECT_NE(erased.out.find("\"outcome\":\"appended\""), std::string::npos) << erased.out;

  // Her history verifies and reads [erased]; the erasure says why, by reference.
  CliRun h = Run({"history", helene.account, "--verify", "--format", "json", "--data", Data()});
  ASSERT_EQ(h.code, 0) << h.err;
  json hist = json::parse(h.out);
  EXPECT_EQ(hist["chain_verified"], true);
  const json& created = hist["events"][0]["data"];
  for (const char* k : {"login", "last_name", "first_name"}) EXPECT_EQ(created[k], "[erased]") << k;
  EXPECT_EQ(hist["events"].back()["type"], "AccountClosed");
  EXPECT_EQ(hist["events"].back()["data"]["reason"], "erased");
  EXPECT_EQ(hist["events"].back()["data"]["note"], "RGPD-2026-0042");

  // Gone from every output: history, export, search, links.
  const std::string exported = Export(true);
  const std::string search = Ok({"search", "--login", helene.login, "--format", "json", "--data", Data()});
  const std::string links = Ok({"links", "diagnose", chloe.account, "--format", "json", "--data", Data()});
  for (const std::string& out : {h.out, exported, search, links}) {
    EXPECT_EQ(out.find(helene.first_name), std::string::npos) << out.substr(0, 400);
    EXPECT_EQ(out.find(helene.login), std::string::npos) << out.substr(0, 400);
  }
  EXPECT_EQ(Run({"export", "--format", "jsonl", "--data", Data()}).code, 0);  // every chain still verifies

  // Her children's accounts are intact; the table as of an earlier day is byte-identical.
  EXPECT_EQ(Ok({"history", chloe.account, "--format", "json", "--data", Data()}), chloe_before);
  EXPECT_EQ(Ok({"stats", "--by", "establishment", "--as-of", before_day, "--format", "csv", "--data", Data()}),
            table_before);

  // A rebuild gives the same answers.
  const std::string now = Ok({"stats", "--by", "establishment", "--format", "csv", "--data", Data()});
  const std::string her_history = Ok({"history", helene.account, "--format", "json", "--data", Data()});
  Ok({"rebuild", "--data", Data()});
  EXPECT_EQ(Ok({"stats", "--by", "establishment", "--format", "csv", "--data", Data()}), now);
  EXPECT_EQ(Ok({"stats", "--by", "establishment", "--as-of", before_day, "--format", "csv", "--data", Data()}),
            table_before);
  EXPECT_EQ(Ok({"history", helene.account, "--format", "json", "--data", Data()}), her_history);

  // Twice: refused, saying so.
  CliRun again = Run({"erase", helene.account, "--reason", "RGPD-2026-0043", "--data", Data()});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.out.find("already erased"), std::string::npos) << again.out << again.err;
}

TEST_F(ImportedLedgerTest, ReadsWithoutTheMasterKeyShowFieldsEncryptedAndSaySo) {
  const Person chloe = by_first_.at("Chloé");
  const std::string other_key = (tmp_.path() / "absent.key").string();
  CliRun h = Run({"history", chloe.account, "--format", "json", "--master-key-file", other_key, "--data", Data()});
  ASSERT_EQ(h.code, 0) << h.err;
  EXPECT_EQ(h.out.find(chloe.first_name), std::string::npos);
  EXPECT_EQ(json::parse(h.out)["events"][0]["data"]["personal_data"], "encrypted") << h.out;
  EXPECT_NE(h.err.find("--master-key-file"), std::string::npos) << h.err;
  CliRun e = Run({"export", "--format", "jsonl", "--with-personal-data", "--master-key-file", other_key,
                  "--data", Data()});
  EXPECT_EQ(e.code, 1);
  EXPECT_NE(e.err.find("no master key file"), std::string::npos) << e.err;
}

}  // namespace
}  // namespace ledger

namespace ledger {
namespace {

TEST_F(ImportedLedgerTest, APersonalDataExportIsJournalledWithWhoAndWhy) {
  CliRun r = Run({"export", "--format", "jsonl", "--with-personal-data", "--who", "auditeur-7", "--reason",
                  "CNIL-2026-12", "--data", Data()});
  ASSERT_EQ(r.code, 0) << r.err;
  // The summary says how many people's fields it opened.
  EXPECT_NE(r.err.find("(the personal fields of " + std::to_string(People(r.out).size()) + " accounts opened)"),
            std::string::npos)
      << r.err;
  const json log = json::parse(Ok({"access-log", "--who", "auditeur-7", "--format", "json", "--data", Data()}));
  const std::string text = log.dump();
  EXPECT_NE(text.find("\"export\""), std::string::npos) << text;
  EXPECT_NE(text.find("CNIL-2026-12"), std::string::npos) << text;
  // An export without personal data reads no one's: not journalled.
  Ok({"export", "--format", "jsonl", "--who", "auditeur-8", "--data", Data()});
  const std::string none = Ok({"access-log", "--who", "auditeur-8", "--format", "json", "--data", Data()});
  EXPECT_EQ(none.find("auditeur-8\""), std::string::npos) << none;
}

}  // namespace
}  // namespace ledger
