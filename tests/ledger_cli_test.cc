// The `ledger` binary as a new user runs it: demo, export, a second demo, and
// the errors for a missing ledger, a corrupted log file and a bad --log.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/embedded/embedded_event_log.h"
#include "events/testing/temp_dir.h"
#include "tests/ledger_runner.h"

namespace {

namespace fs = std::filesystem;

using ledger::testing::CliRun;

class LedgerCliTest : public ::testing::Test {
 protected:
  CliRun Ledger(const std::string& args) { return ledger::testing::RunLedger(args, dir_); }
  std::string Data() const { return (dir_ / "data").string(); }

  ledger::testing::TempDir tmp_{"cli"};
  const fs::path& dir_ = tmp_.path();
};

std::vector<nlohmann::json> Lines(const std::string& text) {
  std::vector<nlohmann::json> v;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) v.push_back(nlohmann::json::parse(line));
  return v;
}

TEST_F(LedgerCliTest, DemoThenExportGivesContractLinesAndVerifiedChains) {
  CliRun demo = Ledger("demo --rules --data " + Data());
  ASSERT_EQ(demo.code, 0) << demo.err;
  EXPECT_NE(demo.out.find("refused"), std::string::npos);
  EXPECT_NE(demo.out.find("PERMISSION_DENIED"), std::string::npos);

  CliRun exp = Ledger("export --format jsonl --data " + Data());
  ASSERT_EQ(exp.code, 0) << exp.err;
  std::vector<nlohmann::json> lines = Lines(exp.out);
  ASSERT_GT(lines.size(), 30u);
  std::map<std::string, nlohmann::json> last;  // stream -> previous line
  std::set<std::string> types;
  for (const auto& j : lines) {
    for (const char* k : {"partition", "offset", "stream", "seq", "type", "event_id", "occurred_at",
                          "actor", "data"})
      ASSERT_TRUE(j.contains(k)) << k << " missing: " << j.dump();
    const std::string stream = j["stream"];
    auto it = last.find(stream);
    if (it == last.end()) {
      EXPECT_EQ(j["seq"], 1) << j.dump();
      EXPECT_EQ(j["prev_hash"], std::string(64, '0'));
    } else {
      EXPECT_EQ(j["seq"].get<int>(), it->second["seq"].get<int>() + 1) << j.dump();
      EXPECT_EQ(j["prev_hash"], it->second["hash"]) << "chain broken at " << j.dump();
      EXPECT_EQ(j["partition"], it->second["partition"]) << "a stream spans two partitions";
    }
    last[stream] = j;
    types.insert(j["type"].get<std::string>());
  }
  EXPECT_EQ(types.size(), 16u);

  // A second demo replays every accepted command: the export is unchanged.
  CliRun again = Ledger("demo --rules --data " + Data());
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("0 accepted (0 events appended)"), std::string::npos) << again.out;
  EXPECT_EQ(Ledger("export --data " + Data()).out, exp.out);
}

TEST_F(LedgerCliTest, ExportOfAMissingLedgerNamesThePath) {
  CliRun r = Ledger("export --format jsonl --data /nonexistent");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ledger demo"), std::string::npos) << "should say what to do: " << r.err;
}

TEST_F(LedgerCliTest, CorruptedLogFileIsReportedWithPathAndOffset) {
  ASSERT_EQ(Ledger("demo --rules --data " + Data()).code, 0);
  // Corrupt the middle of the largest segment file (not its tail: that would be a torn write).
  fs::path biggest;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "data" / "log"))
    if (e.path().extension() == ".seg" && (biggest.empty() || e.file_size() > fs::file_size(biggest)))
      biggest = e.path();
  ASSERT_FALSE(biggest.empty());
  const auto size = fs::file_size(biggest);
  {
    std::fstream f(biggest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(size / 3));
    char c;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(size / 3));
    f.put(static_cast<char>(c ^ 0x5a));
  }
  CliRun r = Ledger("export --format jsonl --data " + Data());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(biggest.filename().string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("offset"), std::string::npos) << r.err;
  // The writer refuses it too, and nothing is truncated.
  CliRun demo = Ledger("demo --rules --data " + Data());
  EXPECT_EQ(demo.code, 1);
  EXPECT_EQ(fs::file_size(biggest), size);
}

TEST_F(LedgerCliTest, RandomBytesInTheLogAreQuarantinedListedAndProjectionGoesOn) {
  ASSERT_EQ(Ledger("demo --rules --data " + Data()).code, 0);
  {
    ledger::EmbeddedLogOptions o;
    auto log = ledger::EmbeddedEventLog::Open(dir_ / "data" / "log", o);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    const std::string junk[] = {std::string("\x00\x01garbage\xfe\xff", 11)};
    ASSERT_TRUE((*log)->Append("pup-0001", junk).ok());
    ASSERT_TRUE((*log)->Flush().ok());
  }
  CliRun q = Ledger("quarantine list --data " + Data());
  ASSERT_EQ(q.code, 0) << q.err;
  EXPECT_NE(q.out.find("1 quarantined record"), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("\"pup-0001\""), std::string::npos) << q.out;
  // The rest of the projection is intact and still answers.
  CliRun st = Ledger("stats --by department --format csv --data " + Data());
  ASSERT_EQ(st.code, 0) << st.err;
  EXPECT_EQ(st.out.substr(0, st.out.find('\n')), "scope,scope_id,profile,level,accounts,notified,activated");
  EXPECT_NE(st.out.find("department,035,pupil,all,2,0,2"), std::string::npos) << st.out;
  CliRun h = Ledger("history pup-0002 --verify --data " + Data());
  ASSERT_EQ(h.code, 0) << h.err;
  EXPECT_NE(h.out.find("Hash chain verified over all 6 events"), std::string::npos) << h.out;
  // A rebuild from offset 0 quarantines it again and gives the same tables.
  CliRun rb = Ledger("rebuild --data " + Data());
  ASSERT_EQ(rb.code, 0) << rb.err;
  EXPECT_NE(rb.out.find("1 quarantined"), std::string::npos) << rb.out;
  EXPECT_EQ(Ledger("stats --by department --format csv --data " + Data()).out, st.out);
}

TEST_F(LedgerCliTest, ReadCommandsExplainBadInput) {
  ASSERT_EQ(Ledger("demo --rules --data " + Data()).code, 0);
  CliRun h = Ledger("history no-such-account --data " + Data());
  EXPECT_EQ(h.code, 1);
  EXPECT_NE(h.err.find("no-such-account"), std::string::npos) << h.err;
  CliRun d = Ledger("stats --as-of 2026-13-40 --data " + Data());
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("2026-13-40"), std::string::npos) << d.err;
  CliRun by = Ledger("stats --by planet --data " + Data());
  EXPECT_EQ(by.code, 2) << "an invalid flag value is a usage error";
  EXPECT_NE(by.err.find("planet"), std::string::npos) << by.err;
  CliRun past = Ledger("stats --by establishment --as-of 2026-09-01 --format json --data " + Data());
  ASSERT_EQ(past.code, 0) << past.err;
  EXPECT_EQ(nlohmann::json::parse(past.out).size(), 0u) << "no account existed by then";
}

// Code points per line (the ledger prints no double-width characters).
size_t WidestLine(const std::string& text) {
  size_t widest = 0, w = 0;
  for (unsigned char c : text) {
    if (c == '\n') widest = std::max(widest, w), w = 0;
    else if ((c & 0xC0) != 0x80) ++w;
  }
  return std::max(widest, w);
}

TEST_F(LedgerCliTest, TextOutputFitsA120ColumnTerminal) {
  CliRun demo = Ledger("demo --rules --data " + Data());
  ASSERT_EQ(demo.code, 0) << demo.err;
  EXPECT_LE(WidestLine(demo.out), 120u) << demo.out;
  for (const char* cmd : {"history pup-0002 --verify", "links diagnose pup-0001", "links diagnose gua-0002",
                          "stats --by class", "quarantine list", "search --login e.demo2"}) {
    CliRun r = Ledger(std::string(cmd) + " --data " + Data());
    ASSERT_EQ(r.code, 0) << cmd << ": " << r.err;
    EXPECT_LE(WidestLine(r.out), 120u) << cmd << ":\n" << r.out;
  }
  CliRun h = Ledger("history pup-0002 --data " + Data());
  EXPECT_NE(h.out.find("staff:staff-cpe-ormeaux [1]"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("[1] accounts_admin in 0350033W, granted by head-0350033W on 2026-09-01, valid until "
                       "2027-08-31"),
            std::string::npos)
      << h.out;
}

TEST_F(LedgerCliTest, UnreachableKafkaBrokerFailsWithinThirtySecondsSayingSo) {
  const auto start = std::chrono::steady_clock::now();
  CliRun r = Ledger("stats --log kafka://127.0.0.1:1 --data " + Data());
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.code, 1);
  EXPECT_LT(secs, 30.0);
  EXPECT_NE(r.err.find("unreachable"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
  CliRun bad = Ledger("stats --log kafka:/nohost --data " + Data());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("kafka:/nohost"), std::string::npos) << bad.err;
}

TEST_F(LedgerCliTest, EverySubcommandExplainsItself) {
  for (const char* sub : {"", "demo ", "export ", "history ", "links diagnose ", "stats ", "quarantine list ",
                          "rebuild ", "search ", "submit ", "token add ", "token list ", "token revoke "}) {
    CliRun r = Ledger(std::string(sub) + "--help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("--data"), std::string::npos) << sub << r.out;
  }
  CliRun bad = Ledger("export --no-such-flag");
  EXPECT_EQ(bad.code, 2);
}

TEST_F(LedgerCliTest, TokensAreShownOnceListedWithoutThemAndBadValuesAreUsageErrors) {
  CliRun add = Ledger("token add --name dash-031 --role dashboard --scope department:031 --data " + Data());
  ASSERT_EQ(add.code, 0) << add.err;
  const std::string token = add.out.substr(0, add.out.find('\n'));
  EXPECT_EQ(add.out, token + "\n") << "the token alone on stdout";
  EXPECT_EQ(token.rfind("ldg_", 0), 0u);
  CliRun list = Ledger("token list --data " + Data());
  ASSERT_EQ(list.code, 0);
  EXPECT_NE(list.out.find("dash-031  dashboard  department:031"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(token.substr(4)), std::string::npos) << "never the token itself";
  EXPECT_EQ(Ledger("token add --name x --role king --data " + Data()).code, 2);
  CliRun scope = Ledger("token add --name x --role dashboard --scope department:31 --data " + Data());
  EXPECT_EQ(scope.code, 2);
  EXPECT_NE(scope.err.find("department:31 is not a scope"), std::string::npos) << scope.err;
  EXPECT_EQ(Ledger("token add --name dash-031 --role dashboard --data " + Data()).code, 1) << "a live name twice";
  CliRun revoke = Ledger("token revoke nobody --data " + Data());
  EXPECT_EQ(revoke.code, 1);
  EXPECT_NE(revoke.err.find("no live token named nobody"), std::string::npos);
  EXPECT_EQ(Ledger("token revoke dash-031 --data " + Data()).code, 0);
  EXPECT_NE(Ledger("token list --data " + Data()).out.find("revoked"), std::string::npos);
}

}  // namespace
