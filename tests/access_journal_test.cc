// The access journal as users meet it (ARCHITECTURE.md §9, docs/ACCESS_JOURNAL.md):
// the real `ledger` and `ledgerd` on one --data (the small `demo --rules` ledger).
//  - a history read with `ledger history --who --reason` and one through ledgerd
//    with an auditor's token and ?reason= both appear in `ledger access-log
//    --account ID --format json` with who, role, via and reason; the chain verifies;
//  - views, links and search hits are journalled, one entry per account found;
//  - a read the journal cannot record is refused: exit 1 / 503, nothing printed;
//  - after the file is tampered with (a line edited, a line deleted, two lines
//    swapped), `ledger access-log` exits 1 naming the line.
#include <fstream>
#include <functional>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/testing/temp_dir.h"
#include "events/testing/text_lines.h"
#include "tests/ledgerd_runner.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using ledger::testing::Lines;
using ledger::testing::WriteLines;

class AccessJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Cli({"demo", "--rules"}).code, 0);
    CliRun t = Cli({"token", "add", "--name", "aud-031", "--role", "auditor"});
    ASSERT_EQ(t.code, 0) << t.err;
    token_ = t.out.substr(0, t.out.find('\n'));
    // The demo's own reads (a history, links) are journalled too, by the OS user.
    ASSERT_EQ(Cli({"access-log", "--format", "json"}).code, 0);
    demo_entries_ = json::parse(Cli({"access-log", "--format", "json"}).out)["entries_total"];
  }

  CliRun Cli(std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(data_.string());
    return RunLedger(args, tmp_.path());
  }
  json AccessLog(std::vector<std::string> filters) {
    filters.insert(filters.begin(), {"access-log", "--format", "json"});
    CliRun r = Cli(filters);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? json::parse(r.out) : json();
  }
  fs::path JournalFile() const { return data_ / "access-journal.jsonl"; }

  TempDir tmp_{"access-journal"};
  const fs::path data_ = tmp_.path() / "data";
  std::string token_;
  size_t demo_entries_ = 0;
};

TEST_F(AccessJournalTest, CliAndLedgerdReadsAreListedWithWhoRoleAndReasonAndTheChainVerifies) {
  CliRun cli = Cli(
      {"history", "pup-0002", "--who", "alice.ops", "--reason", "GLPI-4711", "--format", "json"});
  ASSERT_EQ(cli.code, 0) << cli.err;
  Ledgerd server(data_, tmp_.path() / "run");
  ASSERT_TRUE(server.serving()) << server.err();
  ASSERT_TRUE(server.WaitReady()) << server.err();
  HttpResult api = Http(server.url(), "GET", "/v1/accounts/pup-0002/history?reason=INC-42", token_);
  ASSERT_EQ(api.status, 200) << api.body;
  EXPECT_EQ(api.body, cli.out) << "the same answer, both journalled";

  json log = AccessLog({"--account", "pup-0002"});
  EXPECT_EQ(log["verified"], true);
  EXPECT_EQ(log["entries_total"], demo_entries_ + 2);
  EXPECT_EQ(log["journal"], JournalFile().string());
  // The demo's own history of pup-0002, then ours.
  ASSERT_EQ(log["entries"].size(), 3u) << log.dump(2);
  EXPECT_EQ(log["entries"][0]["role"], "operator");
  EXPECT_EQ(log["entries"][0]["reason"], "ledger demo");
  const std::vector<json> ours = {log["entries"][1], log["entries"][2]};
  EXPECT_EQ(ours[0]["who"], "alice.ops");
  EXPECT_EQ(ours[0]["role"], "operator");
  EXPECT_EQ(ours[0]["via"], "cli");
  EXPECT_EQ(ours[0]["what"], "history");
  EXPECT_EQ(ours[0]["account"], "pup-0002");
  EXPECT_EQ(ours[0]["reason"], "GLPI-4711");
  EXPECT_EQ(ours[1]["who"], "aud-031");
  EXPECT_EQ(ours[1]["role"], "auditor");
  EXPECT_EQ(ours[1]["via"], "api");
  EXPECT_EQ(ours[1]["what"], "history");
  EXPECT_EQ(ours[1]["reason"], "INC-42");
  EXPECT_EQ(ours[1]["prev_hash"], ours[0]["hash"]) << "ledgerd chained its entry after the CLI's";
  EXPECT_EQ(ours[1]["seq"], demo_entries_ + 2);
  EXPECT_EQ(log["head"]["hash"], ours[1]["hash"]);
  // --who filters by reader; the text form is a table that says the chain holds.
  json by_auditor = AccessLog({"--who", "aud-031"});
  ASSERT_EQ(by_auditor["entries"].size(), 1u);
  EXPECT_EQ(by_auditor["entries"][0]["reason"], "INC-42");
  CliRun text = Cli({"access-log", "--account", "pup-0002"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(
      text.out.find("of " + std::to_string(demo_entries_ + 2) + " entries (account pup-0002)"),
      std::string::npos)
      << text.out;
  const size_t row = text.out.find("INC-42");
  ASSERT_NE(row, std::string::npos) << text.out;
  const std::string line = text.out.substr(
      text.out.rfind('\n', row) + 1, text.out.find('\n', row) - text.out.rfind('\n', row) - 1);
  for (const char* cell : {"aud-031", "auditor", "api", "history", "pup-0002"})
    EXPECT_NE(line.find(cell), std::string::npos) << cell << " in " << line;
  EXPECT_NE(text.out.find("Hash chain verified over all " + std::to_string(demo_entries_ + 2) +
                          " entries"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(server.Term(), 0);
}

TEST_F(AccessJournalTest, ViewsLinksAndEverySearchHitAreJournalled) {
  Ledgerd server(data_, tmp_.path() / "run");
  ASSERT_TRUE(server.serving()) << server.err();
  ASSERT_TRUE(server.WaitReady()) << server.err();
  ASSERT_EQ(Http(server.url(), "GET", "/v1/accounts/gua-0002?reason=T-1", token_).status, 200);
  ASSERT_EQ(Http(server.url(), "GET", "/v1/accounts/gua-0002/links", token_).status, 200);
  HttpResult search = Http(server.url(), "GET", "/v1/accounts?login=e.demo2&reason=T-2", token_);
  ASSERT_EQ(search.status, 200) << search.body;
  const json matches = json::parse(search.body)["matches"];
  ASSERT_GE(matches.size(), 1u);
  HttpResult bad = Http(server.url(), "GET",
                        std::string("/v1/accounts/gua-0002?reason=L%C3%A9a%0AMartin"), token_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("reason: "), std::string::npos) << bad.body;
  EXPECT_EQ(bad.body.find("Martin"), std::string::npos) << "a refused reason is not repeated";
  CliRun cli_search = Cli({"search", "--login", "e.demo2", "--reason", "T-3"});
  ASSERT_EQ(cli_search.code, 0) << cli_search.err;
  CliRun cli_links = Cli({"links", "diagnose", "gua-0002", "--who", "bob", "--format", "json"});
  ASSERT_EQ(cli_links.code, 0) << cli_links.err;

  json log = AccessLog({});
  std::vector<std::string> seen;
  for (size_t i = demo_entries_; i < log["entries"].size(); ++i) {
    const json& e = log["entries"][i];
    seen.push_back(e["via"].get<std::string>() + " " + e["what"].get<std::string>() + " " +
                   e["account"].get<std::string>() + " " + e["reason"].get<std::string>());
  }
  std::vector<std::string> want = {"api view gua-0002 T-1", "api links gua-0002 "};
  for (const json& m : matches)
    want.push_back("api search " + m["account"].get<std::string>() + " T-2");
  for (const json& m : matches)
    want.push_back("cli search " + m["account"].get<std::string>() + " T-3");
  want.push_back("cli links gua-0002 ");
  EXPECT_EQ(seen, want);
  EXPECT_EQ(log["entries"].back()["who"], "bob");
  EXPECT_EQ(server.Term(), 0);
}

TEST_F(AccessJournalTest, AReadTheJournalCannotRecordIsRefused) {
  // The journal's path taken by a folder: no entry can be written.
  fs::rename(JournalFile(), tmp_.path() / "journal.kept");
  fs::create_directories(JournalFile());
  CliRun cli = Cli({"history", "pup-0002"});
  EXPECT_EQ(cli.code, 1);
  EXPECT_EQ(cli.out, "") << "nothing of the history is printed";
  EXPECT_NE(
      cli.err.find("not answered: every read of a person's data is recorded in the access journal"),
      std::string::npos)
      << cli.err;
  EXPECT_NE(cli.err.find(JournalFile().string()), std::string::npos) << cli.err;
  Ledgerd server(data_, tmp_.path() / "run");
  ASSERT_TRUE(server.serving()) << server.err();
  ASSERT_TRUE(server.WaitReady()) << server.err();
  HttpResult api = Http(server.url(), "GET", "/v1/accounts/pup-0002", token_);
  EXPECT_EQ(api.status, 503);
  EXPECT_NE(api.body.find("access journal"), std::string::npos) << api.body;
  EXPECT_EQ(api.body.find("\"state\""), std::string::npos) << "no part of the view";
  HttpResult metrics = Http(server.url(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("ledger_access_journal_failures_total 1"), std::string::npos);
  // Back in place, reads are answered again, without a restart.
  fs::remove(JournalFile());
  fs::rename(tmp_.path() / "journal.kept", JournalFile());
  EXPECT_EQ(Http(server.url(), "GET", "/v1/accounts/pup-0002", token_).status, 200);
  EXPECT_EQ(Cli({"history", "pup-0002"}).code, 0);
  EXPECT_EQ(AccessLog({})["entries_total"], demo_entries_ + 2);
  EXPECT_EQ(server.Term(), 0);
}

TEST_F(AccessJournalTest, TamperingIsFoundAndTheLineNamed) {
  for (const char* reason : {"T-1", "T-2", "T-3", "T-4"})
    ASSERT_EQ(Cli({"history", "pup-0002", "--reason", reason}).code, 0);
  const std::vector<std::string> good = Lines(JournalFile());
  ASSERT_EQ(good.size(), demo_entries_ + 4);
  const size_t third = demo_entries_ + 3;  // the line of reason T-3 (1-based)
  struct Case {
    const char* what;
    std::function<void(std::vector<std::string>&)> change;
    std::string expected;
  };
  const std::string n = std::to_string(third);
  for (const Case& c : std::vector<Case>{
           {"edited", [&](auto& l) { l[third - 1].replace(l[third - 1].find("T-3"), 3, "T-9"); },
            "line " + n + ": its hash does not match its content: the line was edited"},
           {"deleted", [&](auto& l) { l.erase(l.begin() + static_cast<long>(third) - 1); },
            "line " + n + ": its prev_hash is not line " + std::to_string(third - 1) + "'s hash"},
           {"swapped", [&](auto& l) { std::swap(l[third - 1], l[third]); },
            "line " + n + ": its prev_hash is not line " + std::to_string(third - 1) +
                "'s hash"}}) {
    std::vector<std::string> lines = good;
    c.change(lines);
    WriteLines(JournalFile(), lines);
    for (const char* format : {"text", "json"}) {
      CliRun r = Cli({"access-log", "--format", format});
      EXPECT_EQ(r.code, 1) << c.what;
      EXPECT_EQ(r.out, "") << c.what;
      EXPECT_NE(r.err.find(JournalFile().string() + ", " + c.expected), std::string::npos)
          << c.what << ": " << r.err;
      EXPECT_NE(r.err.find("the chain is broken"), std::string::npos) << r.err;
    }
  }
  WriteLines(JournalFile(), good);
  EXPECT_EQ(Cli({"access-log"}).code, 0) << "the untouched journal verifies again";
}

TEST_F(AccessJournalTest, ReadFlagsAreCheckedAndExplained) {
  CliRun who = Cli({"history", "pup-0002", "--who", "Jean Dupont"});
  EXPECT_EQ(who.code, 2);
  EXPECT_EQ(who.err.find("Dupont"), std::string::npos) << who.err;
  CliRun reason = Cli({"search", "--login", "e.demo2", "--reason", std::string(201, 'x')});
  EXPECT_EQ(reason.code, 2);
  for (const char* sub : {"history", "links diagnose", "search"}) {
    CliRun help = RunLedger(std::string(sub) + " --help", tmp_.path());
    EXPECT_NE(help.out.find("--who"), std::string::npos) << sub;
    EXPECT_NE(help.out.find("--reason"), std::string::npos) << sub;
    EXPECT_NE(help.out.find("ticket reference"), std::string::npos) << sub;
  }
  CliRun help = RunLedger("access-log --help", tmp_.path());
  EXPECT_EQ(help.code, 0);
  for (const char* flag : {"--account", "--who", "--format", "--data"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
}

}  // namespace
}  // namespace ledger::testing
