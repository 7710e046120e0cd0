// ledgerd as users meet it: the real binary on 127.0.0.1 (port 0) over a
// simulated académie, next to the `ledger` CLI on the same --data.
//  - /v1/stats CSV byte-identical to `ledger stats --format csv` (every scope, now and as of a
//    past date); history and links JSON identical to the CLI's --format json;
//  - commands: a batch posted twice appends once, an appended event is visible within 1 s, a
//    refused command answers the rule's reason while the rest of its batch is appended;
//  - 401 / 403 for roles and scopes; bad input answered with a reason, nothing appended;
//  - /metrics passes `promtool check metrics`; CLI writers refuse naming the pid; SIGTERM exits 0.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/testing/temp_dir.h"
#include "tests/ledgerd_runner.h"

namespace ledger::testing {
namespace {

using nlohmann::json;

class LedgerdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir("ledgerd");
    data_ = (tmp_->path() / "data").string();
    CliRun sim = RunLedger({"simulate", "--profile", "toulouse-2022", "--scale", "0.01", "--data", data_},
                           tmp_->path());
    ASSERT_EQ(sim.code, 0) << sim.err;
    for (const char* spec : {"admin:admin:national", "dash:dashboard:national", "dash031:dashboard:department:031",
                             "aud:auditor:national", "aud031:auditor:department:031", "svc:service:national",
                             "help031:assistance:department:031"}) {
      std::string s(spec);
      const size_t a = s.find(':'), b = s.find(':', a + 1);
      CliRun t = RunLedger({"token", "add", "--name", s.substr(0, a), "--role", s.substr(a + 1, b - a - 1),
                            "--scope", s.substr(b + 1), "--data", data_},
                           tmp_->path());
      ASSERT_EQ(t.code, 0) << t.err;
      (*tokens_)[s.substr(0, a)] = t.out.substr(0, t.out.find('\n'));
    }
    // A pupil of 031 and one of 081, from the export.
    CliRun exp = RunLedger({"export", "--data", data_}, tmp_->path());
    std::istringstream lines(exp.out);
    for (std::string line; std::getline(lines, line);) {
      json e = json::parse(line);
      if (e["type"] != "AccountCreated" || e["data"]["kind"] != "pupil") continue;
      const std::string dept = e["data"]["department"];
      if (!pupil_of_->count(dept)) (*pupil_of_)[dept] = e["stream"];
    }
    ASSERT_TRUE(pupil_of_->count("031") && pupil_of_->count("081"));
    server_ = new Ledgerd(data_, tmp_->path() / "run");
    ASSERT_TRUE(server_->serving()) << server_->err();
    ASSERT_TRUE(server_->WaitReady()) << server_->err();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete tmp_;
  }

  static HttpResult Get(const std::string& target, const std::string& who) {
    return Http(server_->url(), "GET", target, who.empty() ? "" : tokens_->at(who));
  }
  static HttpResult Post(const std::string& body, const std::string& who = "svc") {
    return Http(server_->url(), "POST", "/v1/commands", tokens_->at(who), body);
  }
  static CliRun Cli(std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(data_);
    return RunLedger(args, tmp_->path());
  }
  // Events in the log (the CLI reads it while ledgerd writes).
  static size_t LogEvents() {
    CliRun exp = Cli({"export"});
    return static_cast<size_t>(std::count(exp.out.begin(), exp.out.end(), '\n'));
  }

  static inline TempDir* tmp_;
  static inline std::string data_;
  static inline std::map<std::string, std::string>* tokens_ = new std::map<std::string, std::string>;
  static inline std::map<std::string, std::string>* pupil_of_ = new std::map<std::string, std::string>;
  static inline Ledgerd* server_;
};

TEST_F(LedgerdTest, StatsCsvIsByteIdenticalToTheCliNowAndAsOfAPastDate) {
  for (const char* by : {"national", "academy", "department", "establishment", "class"}) {
    for (const std::string as_of : {"", "2022-09-05", "2023-06-20"}) {
      std::vector<std::string> args = {"stats", "--by", by, "--format", "csv"};
      std::string target = std::string("/v1/stats?by=") + by + "&format=csv";
      if (!as_of.empty()) args.insert(args.end(), {"--as-of", as_of}), target += "&as_of=" + as_of;
      CliRun cli = Cli(args);
      ASSERT_EQ(cli.code, 0) << cli.err;
      HttpResult api = Get(target, "dash");
      ASSERT_EQ(api.status, 200) << api.body;
      EXPECT_EQ(api.body, cli.out) << by << " " << as_of;
      EXPECT_GT(std::count(cli.out.begin(), cli.out.end(), '\n'), 1) << "a table with rows";
      EXPECT_EQ(api.content_type, "text/csv; charset=utf-8");
    }
  }
  HttpResult json_table = Get("/v1/stats?by=department&as_of=2023-06-20", "dash");
  ASSERT_EQ(json_table.status, 200);
  EXPECT_EQ(json_table.body, Cli({"stats", "--by", "department", "--as-of", "2023-06-20", "--format", "json"}).out);
}

TEST_F(LedgerdTest, HistoryAndLinksJsonAreIdenticalToTheCli) {
  for (const auto& [dept, pupil] : *pupil_of_) {
    for (const std::vector<std::string>& extra :
         {std::vector<std::string>{}, {"--verify"}, {"--as-of", "2022-09-30"}}) {
      std::vector<std::string> args = {"history", pupil, "--format", "json"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::string target = "/v1/accounts/" + pupil + "/history";
      if (!extra.empty()) target += extra[0] == "--verify" ? "?verify=true" : "?as_of=" + extra[1];
      EXPECT_EQ(Get(target, "aud").body, Cli(args).out) << target;
    }
    CliRun links = Cli({"links", "diagnose", pupil, "--format", "json"});
    ASSERT_EQ(links.code, 0);
    EXPECT_EQ(Get("/v1/accounts/" + pupil + "/links", "aud").body, links.out);
    // and a guardian's side of it
    const std::string guardian = json::parse(links.out)["links"][0]["guardian"];
    EXPECT_EQ(Get("/v1/accounts/" + guardian + "/links", "aud").body,
              Cli({"links", "diagnose", guardian, "--format", "json"}).out);
  }
}

std::string Command(const std::string& id, const std::string& type, const std::string& fields,
                    const std::string& actor = R"({"kind":"system","id":"siecle"})") {
  return R"({"command_id":")" + id + R"(","at":"2023-08-20T09:00:00Z","actor":)" + actor + R"(,"type":")" + type +
         "\"," + fields + "}";
}

TEST_F(LedgerdTest, ABatchPostedTwiceAppendsOnceAndARefusalDoesNotStopTheRest) {
  const std::string pupil = pupil_of_->at("031");
  const size_t before = LogEvents();
  const std::string batch = "[" + Command("t-class", "ChangeClass", R"("pupil":")" + pupil + R"(","class":"9Z9")") +
                            "," + Command("t-ghost", "ChangeClass", R"("pupil":"no-such-pupil","class":"6E1")") +
                            "," + Command("t-contact", "UpdateContact", R"("account":")" + pupil +
                                                                            R"(","has_mobile":false,"has_email":true)") +
                            "]";
  const auto posted = std::chrono::steady_clock::now();
  HttpResult first = Post(batch);
  ASSERT_EQ(first.status, 200) << first.body;
  json r = json::parse(first.body)["results"];
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]["outcome"], "appended");
  ASSERT_EQ(r[0]["events"].size(), 1u);
  EXPECT_EQ(r[0]["events"][0]["stream"], pupil);
  EXPECT_GE(r[0]["events"][0]["seq"].get<int>(), 2);
  EXPECT_GE(r[0]["events"][0]["offset"].get<int64_t>(), 0);
  EXPECT_GE(r[0]["events"][0]["partition"].get<int>(), 0);
  EXPECT_EQ(r[1]["outcome"], "refused");
  EXPECT_EQ(r[1]["code"], "NOT_FOUND");
  EXPECT_EQ(r[1]["reason"], "account no-such-pupil does not exist");
  EXPECT_EQ(r[2]["outcome"], "appended") << "the refusal before it did not stop it";

  // Visible in the account's history within a second of the answer.
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() - posted < std::chrono::seconds(1)) {
    HttpResult h = Get("/v1/accounts/" + pupil + "/history", "aud");
    seen = h.body.find("\"class\": \"9Z9\"") != std::string::npos;
  }
  EXPECT_TRUE(seen) << "ChangeClass visible in the history within 1 s";

  HttpResult second = Post(batch);
  ASSERT_EQ(second.status, 200);
  json r2 = json::parse(second.body)["results"];
  EXPECT_EQ(r2[0]["outcome"], "replayed");
  EXPECT_EQ(r2[0]["events"], r[0]["events"]) << "the same events, answered from the log";
  EXPECT_EQ(r2[1]["outcome"], "refused");
  EXPECT_EQ(r2[2]["outcome"], "replayed");
  EXPECT_EQ(LogEvents(), before + 2) << "appended once";
}

TEST_F(LedgerdTest, TokensRolesAndScopesAreEnforced) {
  const std::string p031 = pupil_of_->at("031"), p081 = pupil_of_->at("081");
  EXPECT_EQ(Get("/v1/stats?by=department", "").status, 401);
  EXPECT_EQ(Http(server_->url(), "GET", "/v1/stats?by=department", "ldg_not-a-token").status, 401);
  EXPECT_EQ(Get("/v1/accounts/" + p031 + "/history", "dash").status, 403) << "a dashboard reads no one's history";
  EXPECT_EQ(Get("/v1/accounts/" + p031, "dash").status, 403);
  EXPECT_EQ(Get("/v1/accounts/" + p031 + "/history", "aud031").status, 200);
  EXPECT_EQ(Get("/v1/accounts/" + p081 + "/history", "aud031").status, 403) << "another department's account";
  EXPECT_EQ(Get("/v1/accounts/" + p081 + "/links", "help031").status, 403);
  EXPECT_EQ(Get("/v1/accounts/" + p031 + "/links", "help031").status, 200);
  EXPECT_EQ(Get("/v1/accounts/" + p031 + "/history", "help031").status, 403) << "assistance reads links, not histories";
  // A department token: its own rows only; wider tables refused.
  HttpResult mine = Get("/v1/stats?by=department&format=csv", "dash031");
  ASSERT_EQ(mine.status, 200);
  EXPECT_NE(mine.body.find("department,031,"), std::string::npos);
  EXPECT_EQ(mine.body.find("department,081,"), std::string::npos);
  HttpResult schools = Get("/v1/stats?by=establishment&format=csv", "dash031");
  ASSERT_EQ(schools.status, 200);
  for (const auto& row : CsvRows(schools.body)) EXPECT_EQ(row[1].substr(0, 3), "031") << row[1];
  EXPECT_EQ(Get("/v1/stats?by=academy", "dash031").status, 403);
  EXPECT_EQ(Get("/v1/stats/series?by=department&id=081&from=2022-09-01&to=2023-06-30", "dash031").status, 403);
  EXPECT_EQ(Get("/v1/stats/series?by=department&id=031&from=2022-09-01&to=2023-06-30", "dash031").status, 200);
  // Search: an INE is for auditors; a scoped assistance finds only its own.
  const std::string login = json::parse(Get("/v1/accounts/" + p081, "admin").body)["login"];
  EXPECT_EQ(json::parse(Get("/v1/accounts?login=" + login, "help031").body)["matches"].size(), 0u);
  EXPECT_EQ(json::parse(Get("/v1/accounts?login=" + login, "admin").body)["matches"][0]["account"], p081);
  EXPECT_EQ(Get("/v1/accounts?ine=123456789AB", "help031").status, 403);
  // Commands: a dashboard submits nothing; assistance only as academy support, itself.
  const std::string cmd = Command("t-x", "ChangeClass", R"("pupil":")" + p031 + R"(","class":"3E9")");
  EXPECT_EQ(Post(cmd, "dash").status, 403);
  EXPECT_EQ(Post(cmd, "help031").status, 403);
  // A revoked token stops working at once.
  CliRun add = Cli({"token", "add", "--name", "temp", "--role", "dashboard"});
  const std::string temp = add.out.substr(0, add.out.find('\n'));
  EXPECT_EQ(Http(server_->url(), "GET", "/v1/stats?by=national", temp).status, 200);
  ASSERT_EQ(Cli({"token", "revoke", "temp"}).code, 0);
  EXPECT_EQ(Http(server_->url(), "GET", "/v1/stats?by=national", temp).status, 401);
}

json Error(const HttpResult& r) { return json::parse(r.body)["error"]; }

// The dashboard's reads: place names, a table inside a place, the accounts
// that need attention (counts for the dashboard role, accounts for assistance).
TEST_F(LedgerdTest, PlacesDrillDownAndAttentionServeTheDashboard) {
  json places = json::parse(Get("/v1/places?department=031", "dash").body);
  ASSERT_EQ(places["departments"].size(), 8u) << places.dump();
  EXPECT_EQ(places["academies"][0]["name"], "Toulouse");
  EXPECT_EQ(places["departments"][2]["name"], "Haute-Garonne");
  EXPECT_EQ(places["departments"][2]["published"]["college"], 46.5);
  EXPECT_EQ(places["published_dates"]["second"], "2023-06-20");
  ASSERT_FALSE(places["establishments"].empty());
  std::set<std::string> named;
  for (const json& e : places["establishments"]) {
    EXPECT_EQ(e["department"], "031");
    EXPECT_FALSE(e["name"].get<std::string>().empty());
    named.insert(e["uai"]);
  }
  // Inside a department: exactly the CLI's establishment rows of 031, each one named.
  HttpResult inside = Get("/v1/stats?by=establishment&within=department:031&format=csv", "dash");
  ASSERT_EQ(inside.status, 200);
  std::string expected = "scope,scope_id,profile,level,accounts,notified,activated\n";
  CliRun all = Cli({"stats", "--by", "establishment", "--format", "csv"});
  for (const auto& row : CsvRows(all.out))
    if (row[1].substr(0, 3) == "031") {
      std::string line;
      for (const std::string& f : row) line += (line.empty() ? "" : ",") + f;
      expected += line + "\n";
      EXPECT_TRUE(named.count(row[1])) << row[1] << " has no name";
    }
  EXPECT_EQ(inside.body, expected);
  const std::string uai = *named.begin();
  HttpResult classes = Get("/v1/stats?by=class&within=establishment:" + uai + "&format=csv", "dash");
  ASSERT_EQ(classes.status, 200);
  ASSERT_GT(CsvRows(classes.body).size(), 2u);
  for (const auto& row : CsvRows(classes.body)) EXPECT_EQ(row[1].substr(0, 9), uai + "/");
  EXPECT_EQ(Get("/v1/stats?by=class&within=establishment:nope", "dash").status, 400);
  // Attention: counts for the dashboard, accounts for assistance in scope.
  HttpResult counts = Get("/v1/attention?uai=" + uai, "dash");
  ASSERT_EQ(counts.status, 200) << counts.body;
  json c = json::parse(counts.body);
  EXPECT_FALSE(c.contains("accounts")) << "a dashboard sees no account";
  int64_t total = 0;
  for (const json& n : c["counts"]) total += n["count"].get<int64_t>();
  EXPECT_GT(total, 0) << "a simulated year ends with letters expired";
  HttpResult listed = Get("/v1/attention?uai=" + uai + "&weeks=8", "help031");
  ASSERT_EQ(listed.status, 200);
  json l = json::parse(listed.body);
  EXPECT_EQ(l["accounts"].size(), static_cast<size_t>(total)) << "the same cases at 8 weeks as at 4 here";
  for (const json& a : l["accounts"]) {
    EXPECT_FALSE(a.contains("login"));
    EXPECT_FALSE(a["action"].get<std::string>().empty());
  }
  const std::string uai081 = json::parse(Get("/v1/places?department=081", "dash").body)["establishments"][0]["uai"];
  EXPECT_EQ(Get("/v1/attention?uai=" + uai081, "help031").status, 403);
  EXPECT_EQ(Error(Get("/v1/attention?uai=12", "dash"))["message"].get<std::string>().rfind("uai: ", 0), 0u);
  EXPECT_EQ(Get("/v1/attention?uai=" + uai + "&weeks=0", "dash").status, 400);
}

TEST_F(LedgerdTest, BadInputIsAnsweredWithAReasonAndAppendsNothing) {
  const size_t before = LogEvents();
  HttpResult malformed = Post("[{\"command_id\": \"x\",, }]");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(Error(malformed)["code"], "INVALID_ARGUMENT");
  EXPECT_NE(Error(malformed)["message"].get<std::string>().find("byte 21 (line 1, column 21): syntax error while parsing object key"), std::string::npos)
      << malformed.body;
  const std::string ok = Command("t-ok", "ChangeClass", R"("pupil":")" + pupil_of_->at("031") + R"(","class":"1A")");
  HttpResult unknown = Post("[" + ok + "," + Command("t-u", "FlyToTheMoon", R"("account":"a")") + "]");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(Error(unknown)["message"].get<std::string>().find("commands[1].type: unknown command type FlyToTheMoon"),
            std::string::npos);
  std::string bad_date = ok;
  bad_date.replace(bad_date.find("2023-08-20"), 10, "2023-02-31");
  HttpResult date = Post("[" + ok + "," + bad_date + "]");
  EXPECT_EQ(date.status, 400);
  EXPECT_EQ(Error(date)["message"], "commands[1].at: expected an RFC 3339 UTC time (2023-01-15T10:00:00Z)");
  HttpResult as_of = Get("/v1/stats?by=department&as_of=2023-13-01", "dash");
  EXPECT_EQ(as_of.status, 400);
  EXPECT_EQ(Error(as_of)["message"], "as_of: expected a date YYYY-MM-DD");
  EXPECT_EQ(Get("/v1/stats?by=dept", "dash").status, 400);
  EXPECT_EQ(Error(Get("/v1/stats?by=department&asof=2023-01-01", "dash"))["message"],
            "unknown parameter asof (this route takes by, as_of, format, within)");
  HttpResult nobody = Get("/v1/accounts/no-such-account", "aud");
  EXPECT_EQ(nobody.status, 404);
  EXPECT_EQ(Error(nobody)["code"], "NOT_FOUND");
  HttpResult huge = Post("[" + std::string(9 << 20, ' ') + "]");
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(Error(huge)["code"], "PAYLOAD_TOO_LARGE");
  std::string many = "[";
  for (int i = 0; i < 1001; ++i) many += (i ? "," : "") + ok;
  HttpResult too_many = Post(many + "]");
  EXPECT_EQ(too_many.status, 400);
  EXPECT_EQ(Error(too_many)["message"], "1001 commands in one request, at most 1000: split the batch");
  EXPECT_EQ(LogEvents(), before) << "nothing appended by any of them";
  EXPECT_EQ(Http(server_->url(), "GET", "/healthz").body, "ok\n") << "still serving";
  EXPECT_EQ(Get("/v1/stats?by=national", "dash").status, 200);
}

TEST_F(LedgerdTest, MetricsPassPromtoolAndCarryNoPersonalData) {
  ASSERT_EQ(Get("/v1/stats?by=national", "dash").status, 200);
  HttpResult m = Http(server_->url(), "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  for (const char* series : {"ledger_events_appended_total{type=\"ClassChanged\"}", "ledger_commands_total{outcome=",
                             "ledger_projector_lag_records{partition=\"0\"}", "ledger_projector_apply_seconds_bucket",
                             "ledger_http_requests_total{method=\"GET\",route=\"/v1/stats\",status=\"200\"}",
                             "ledger_http_request_duration_seconds_bucket", "ledger_store_size_bytes{store=\"log\"}",
                             "ledger_store_size_bytes{store=\"projections\"}",
                             "ledger_store_level0_files{store=\"projections\"} ",
                             "ledger_store_pending_compaction_bytes{store=\"projections\"} ",
                             "ledger_store_running_compactions{store=\"projections\"} ",
                             "ledger_store_writes_stopped{store=\"projections\"} 0",
                             "ledger_store_memory_bytes{part=\"memtables\",store=\"projections\"} ",
                             "ledger_store_memory_bytes{part=\"table_readers\",store=\"projections\"} ",
                             "ledger_store_memory_bytes{part=\"block_cache\",store=\"projections\"} ",
                             "ledger_projector_view_cache_complete 1", "ledger_projector_view_cache_bytes ",
                             "ledger_ready 1"})
    EXPECT_NE(m.body.find(series), std::string::npos) << series;
  for (const auto& [dept, pupil] : *pupil_of_) EXPECT_EQ(m.body.find(pupil), std::string::npos);
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "promtool not installed (Debian package prometheus; .ci/setup installs it)";
  const auto file = tmp_->path() / "metrics.txt";
  { std::ofstream(file) << m.body; }
  const std::string cmd = "promtool check metrics < " + file.string() + " > " + (tmp_->path() / "promtool.out").string() + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << FileBytes(tmp_->path() / "promtool.out");
}

TEST(GrafanaDashboardTest, EveryPanelQueriesSeriesLedgerdServesInValidPromQL) {
  std::ifstream in(LEDGER_MONITORING_DIR "/grafana-ledgerd.json");
  ASSERT_TRUE(in);
  json dash = json::parse(in);
  std::string rules = "groups:\n  - name: dashboard\n    rules:\n";
  int n = 0;
  for (const json& panel : dash["panels"])
    for (const json& target : panel["targets"]) {
      std::string expr = target["expr"];
      for (size_t at; (at = expr.find("$job")) != std::string::npos;) expr.replace(at, 4, "ledgerd");
      EXPECT_NE(expr.find("ledger_"), std::string::npos) << expr;
      rules += "      - record: panel_" + std::to_string(++n) + "\n        expr: '" + expr + "'\n";
    }
  EXPECT_GE(n, 15);
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "promtool not installed (Debian package prometheus; .ci/setup installs it)";
  TempDir tmp("grafana");
  { std::ofstream(tmp.path() / "rules.yml") << rules; }
  const std::string cmd = "promtool check rules " + (tmp.path() / "rules.yml").string() + " > " +
                          (tmp.path() / "out").string() + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << FileBytes(tmp.path() / "out") << rules;
}

TEST_F(LedgerdTest, CliWritersRefuseNamingThePidWhileReadersAnswer) {
  const std::string pid = std::to_string(server_->pid());
  for (std::vector<std::string> write : {std::vector<std::string>{"simulate", "--scale", "0.001"},
                                         {"rebuild"}, {"demo", "--rules"}}) {
    CliRun r = Cli(write);
    EXPECT_EQ(r.code, 1) << write[0];
    EXPECT_NE(r.err.find("ledgerd (pid " + pid + ")"), std::string::npos) << r.err;
  }
  EXPECT_EQ(Cli({"stats", "--by", "national"}).code, 0);
  EXPECT_EQ(Cli({"quarantine", "list"}).code, 0);
}

TEST(LedgerdLifecycleTest, SigtermDrainsAndExitsZeroAndASecondInstanceIsRefused) {
  TempDir tmp("ledgerd-life");
  const std::string data = (tmp.path() / "data").string();
  ASSERT_EQ(RunLedger({"demo", "--rules", "--data", data}, tmp.path()).code, 0);
  Ledgerd first(data, tmp.path() / "one");
  ASSERT_TRUE(first.serving()) << first.err();
  Ledgerd second(data, tmp.path() / "two");
  EXPECT_FALSE(second.serving());
  EXPECT_EQ(second.exit_code(), 1);
  EXPECT_NE(second.err().find("in use by ledgerd (pid " + std::to_string(first.pid()) + ")"), std::string::npos)
      << second.err();
  ASSERT_TRUE(first.WaitReady());
  EXPECT_EQ(first.Term(), 0) << first.err();
  EXPECT_NE(first.err().find("stopped cleanly"), std::string::npos);
  std::string out;  // `ledgerd --help` explains every flag
  {
    Ledgerd dummy(data, tmp.path() / "three", {"--help"});
    out = FileBytes(tmp.path() / "three" / "ledgerd.out");
    EXPECT_EQ(dummy.exit_code(), 0);
  }
  for (const char* flag : {"--data", "--log", "--listen", "--workers", "--max-body-bytes", "--max-commands",
                           "--header-timeout", "--body-timeout", "--commit-timeout", "--group-commands", "--grace",
                           "--projector-fold-from", "--projector-fold-records"})
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
}

// Started far behind its log (the projections removed), ledgerd catches up
// by key-order folds (--projector-fold-from) and serves the same tables,
// now and as of past dates, and the same histories as the CLI's projections
// made batch by batch before; the folds' sorting directory is gone after.
TEST(LedgerdFoldTest, StartedFarBehindItFoldsAndServesWhatBatchesMade) {
  TempDir tmp("ledgerd-fold");
  const std::string data = (tmp.path() / "data").string();
  CliRun sim = RunLedger({"simulate", "--profile", "toulouse-2022", "--scale", "0.01", "--data", data}, tmp.path());
  ASSERT_EQ(sim.code, 0) << sim.err;
  CliRun token = RunLedger({"token", "add", "--name", "aud", "--role", "auditor", "--data", data}, tmp.path());
  ASSERT_EQ(token.code, 0) << token.err;
  const std::string aud = token.out.substr(0, token.out.find('\n'));
  std::vector<std::pair<std::string, std::string>> want;  // API target, the CLI's answer
  for (const char* by : {"national", "department", "establishment", "class"}) {
    for (const std::string as_of : {"", "2022-11-30", "2023-06-20"}) {
      std::vector<std::string> args = {"stats", "--by", by, "--format", "csv", "--data", data};
      std::string target = std::string("/v1/stats?by=") + by + "&format=csv";
      if (!as_of.empty()) args.insert(args.end(), {"--as-of", as_of}), target += "&as_of=" + as_of;
      CliRun cli = RunLedger(args, tmp.path());
      ASSERT_EQ(cli.code, 0) << cli.err;
      want.emplace_back(target, cli.out);
    }
  }
  CliRun exp = RunLedger({"export", "--data", data}, tmp.path());
  std::string account;  // a pupil's, from the export
  std::istringstream lines(exp.out);
  for (std::string line; account.empty() && std::getline(lines, line);) {
    json e = json::parse(line);
    if (e["type"] == "AccountCreated" && e["data"]["kind"] == "pupil") account = e["stream"];
  }
  ASSERT_FALSE(account.empty());
  CliRun history = RunLedger({"history", account, "--format", "json", "--data", data}, tmp.path());
  ASSERT_EQ(history.code, 0) << history.err;
  want.emplace_back("/v1/accounts/" + account + "/history", history.out);

  std::filesystem::remove_all(tmp.path() / "data" / "projections");
  Ledgerd server(data, tmp.path() / "run", {"--projector-fold-from", "1000"});
  ASSERT_TRUE(server.serving()) << server.err();
  ASSERT_TRUE(server.WaitReady()) << server.err();
  for (const auto& [target, body] : want) {
    HttpResult got = Http(server.url(), "GET", target, aud);
    ASSERT_EQ(got.status, 200) << target << ": " << got.body;
    EXPECT_EQ(got.body, body) << target;
  }
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "data" / "projections.fold"));
  const std::string metrics = Http(server.url(), "GET", "/metrics").body;
  const size_t folds = metrics.find("ledger_projector_fold_seconds_count ");
  ASSERT_NE(folds, std::string::npos) << metrics;
  EXPECT_GE(std::stod(metrics.substr(folds + 36)), 1.0) << "it must have folded";
  // From nothing, the cache of views holds every view: the folds read none from the store.
  EXPECT_NE(metrics.find("\nledger_projector_fold_views_read_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nledger_projector_fold_view_steps_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nledger_projector_fold_compaction_wait_seconds_total 0\n"), std::string::npos) << metrics;
  EXPECT_EQ(server.Term(), 0) << server.err();
}

}  // namespace
}  // namespace ledger::testing

namespace ledger::testing {
namespace {

// Writes `raw` on a fresh connection, then reads until the server closes.
std::string RawExchange(const std::string& url, const std::string& raw) {
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::socket sock(ioc);
  sock.connect({asio::ip::make_address("127.0.0.1"),
                static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)))});
  asio::write(sock, asio::buffer(raw));
  std::string got;
  boost::system::error_code ec;
  char buf[4096];
  for (size_t n; (n = sock.read_some(asio::buffer(buf), ec)) > 0 || !ec;) got.append(buf, n);
  return got;
}

// The page's login: a session cookie (HttpOnly, SameSite=Strict) that reads
// with GET, never writes, ends with logout or the token's revocation; the page
// and its files served with their security headers.
TEST_F(LedgerdTest, ThePageLogsInWithASessionCookieThatOnlyReads) {
  auto exchange = [](const std::string& method, const std::string& target, const std::string& headers,
                     const std::string& body = "") {
    return RawExchange(server_->url(), method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers +
                                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  const std::string form = "Content-Type: application/x-www-form-urlencoded\r\n";
  CliRun add = Cli({"token", "add", "--name", "page", "--role", "dashboard"});
  const std::string token = add.out.substr(0, add.out.find('\n'));
  std::string refused = exchange("POST", "/session", form, "token=ldg_wrong");
  EXPECT_EQ(refused.rfind("HTTP/1.1 401", 0), 0u) << refused;
  EXPECT_EQ(refused.find("Set-Cookie"), std::string::npos);
  std::string ok = exchange("POST", "/session", form, "token=" + token);
  ASSERT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  const size_t at = ok.find("Set-Cookie: ledger_session=");
  ASSERT_NE(at, std::string::npos) << ok;
  const std::string line = ok.substr(at, ok.find("\r\n", at) - at);
  EXPECT_NE(line.find("; HttpOnly"), std::string::npos) << line;
  EXPECT_NE(line.find("; SameSite=Strict"), std::string::npos) << line;
  const std::string cookie = "Cookie: " + line.substr(12, line.find(';') - 12) + "\r\n";
  EXPECT_NE(exchange("GET", "/session", cookie).find(R"("role": "dashboard")"), std::string::npos);
  std::string table = exchange("GET", "/v1/stats?by=department&format=csv", cookie);
  EXPECT_EQ(table.rfind("HTTP/1.1 200", 0), 0u) << table;
  EXPECT_NE(table.find("department,031,pupil,all,"), std::string::npos);
  std::string write = exchange("POST", "/v1/commands", cookie + "Content-Type: application/json\r\n", "[]");
  EXPECT_EQ(write.rfind("HTTP/1.1 401", 0), 0u) << "a cookie never writes: " << write;
  EXPECT_NE(exchange("GET", "/session", "").find(R"("authenticated": false)"), std::string::npos);
  // Revoking the token ends its sessions; logging out ends one.
  ASSERT_EQ(Cli({"token", "revoke", "page"}).code, 0);
  EXPECT_EQ(exchange("GET", "/v1/stats?by=national", cookie).rfind("HTTP/1.1 401", 0), 0u);
  add = Cli({"token", "add", "--name", "page2", "--role", "dashboard"});
  ok = exchange("POST", "/session", form, "token=" + add.out.substr(0, add.out.find('\n')));
  const size_t at2 = ok.find("Set-Cookie: ledger_session=");
  ASSERT_NE(at2, std::string::npos);
  const std::string cookie2 = "Cookie: " + ok.substr(at2 + 12, ok.find(';', at2) - at2 - 12) + "\r\n";
  EXPECT_EQ(exchange("GET", "/v1/stats?by=national", cookie2).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_NE(exchange("POST", "/session/logout", cookie2).find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(exchange("GET", "/v1/stats?by=national", cookie2).rfind("HTTP/1.1 401", 0), 0u);
  // The page and its files: French, with their security headers, no token needed.
  HttpResult page = Get("/", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find(R"(<html lang="fr">)"), std::string::npos);
  EXPECT_NE(page.body.find(R"(name="token")"), std::string::npos);
  EXPECT_NE(exchange("GET", "/", "").find("Content-Security-Policy: default-src 'self'"), std::string::npos);
  HttpResult chart = Get("/static/chart.umd.min.js", "");
  ASSERT_EQ(chart.status, 200);
  EXPECT_GT(chart.body.size(), 100000u);
  EXPECT_EQ(chart.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(Get("/static/chart.js-LICENSE.md", "").body.find("MIT"), std::string::npos);
  EXPECT_EQ(Get("/static/nothing.js", "").status, 404);
}

// The main job shows the page: `ledger demo --serve` ends with ledgerd serving
// the demo ledger, its URL and a dashboard token that reads the tables; a
// SIGTERM to `ledger` stops both cleanly.
TEST(LedgerDemoServeTest, TheDemoEndsServingThePageWithADashboardToken) {
  TempDir tmp("demo-serve");
  const std::string data = (tmp.path() / "data").string();
  Ledgerd demo(data, tmp.path() / "run", {},
               {LEDGER_BIN, "demo", "--scale", "0.01", "--serve", "--listen", "127.0.0.1:0", "--data", data});
  ASSERT_TRUE(demo.serving()) << demo.out() << demo.err();
  ASSERT_TRUE(demo.WaitReady()) << demo.err();
  std::string out;
  for (int i = 0; i < 100 && out.find("ldg_") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    out = demo.out();
  }
  EXPECT_NE(out.find("Ouvrez " + demo.url() + "/ dans un navigateur"), std::string::npos) << out;
  const size_t at = out.find("ldg_");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string token = out.substr(at, out.find('\n', at) - at);
  HttpResult stats = Http(demo.url(), "GET", "/v1/stats?by=department&format=csv", token);
  EXPECT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find("department,031,"), std::string::npos);
  EXPECT_EQ(Http(demo.url(), "GET", "/", "").status, 200);
  EXPECT_EQ(Http(demo.url(), "GET", "/v1/accounts/tls-p1", token).status, 403) << "a dashboard token";
  EXPECT_EQ(demo.Term(), 0) << demo.err();
}

TEST(LedgerdLimitsTest, SlowHeadersAndBodiesAreAnsweredWithTheReason) {
  TempDir tmp("ledgerd-limits");
  const std::string data = (tmp.path() / "data").string();
  ASSERT_EQ(RunLedger({"demo", "--rules", "--data", data}, tmp.path()).code, 0);
  Ledgerd d(data, tmp.path() / "run", {"--header-timeout", "1", "--body-timeout", "1"});
  ASSERT_TRUE(d.serving()) << d.err();
  const auto start = std::chrono::steady_clock::now();
  std::string slow_body = RawExchange(
      d.url(), "POST /v1/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"command_id\":");
  EXPECT_NE(slow_body.find("HTTP/1.1 400"), std::string::npos) << slow_body;
  EXPECT_NE(slow_body.find("the request body did not arrive within 1 s (--body-timeout)"), std::string::npos);
  std::string slow_headers = RawExchange(d.url(), "GET /v1/stats?by=national HTTP/1.1\r\nHost: x\r\n");
  EXPECT_NE(slow_headers.find("HTTP/1.1 400"), std::string::npos) << slow_headers;
  EXPECT_NE(slow_headers.find("the request headers did not arrive within 1 s (--header-timeout)"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  std::string garbage = RawExchange(d.url(), "HELLO\r\n\r\n");
  EXPECT_NE(garbage.find("HTTP/1.1 400"), std::string::npos) << garbage;
  EXPECT_EQ(Http(d.url(), "GET", "/healthz").status, 200) << "still serving";
  EXPECT_EQ(d.Term(), 0);
}


// Erasure through the API (ARCHITECTURE §9): academy support's alone — an
// assistance token of national or academy scope, as itself; the sign-on
// service and a department's assistance are refused. Afterwards the
// account's fields read [erased] through the API; a second erasure is a
// refusal in the results, not an HTTP error.
TEST_F(LedgerdTest, AnErasureThroughTheApiIsAcademySupportsAloneAndReadsErasedAfter) {
  std::string pupil;
  std::istringstream lines(Cli({"export"}).out);
  for (std::string line; std::getline(lines, line);) {
    json e = json::parse(line);
    if (e["type"] == "AccountCreated" && e["data"]["kind"] == "pupil" && e["data"]["department"] == "031" &&
        e["stream"] != pupil_of_->at("031"))
      pupil = e["stream"];
  }
  ASSERT_FALSE(pupil.empty());
  CliRun add = Cli({"token", "add", "--name", "supp", "--role", "assistance", "--scope", "academy:toulouse"});
  ASSERT_EQ(add.code, 0) << add.err;
  const std::string supp = add.out.substr(0, add.out.find('\n'));
  auto erase = [&](const std::string& id, const std::string& actor_id) {
    return Command(id, "CloseAccount", R"("account":")" + pupil + R"(","reason":"erased","note":"RGPD-77")",
                   R"({"kind":"academy_support","id":")" + actor_id + R"("})");
  };
  EXPECT_EQ(Post(erase("e-1", "svc"), "svc").status, 403);
  EXPECT_EQ(Post(erase("e-2", "help031"), "help031").status, 403);
  HttpResult done = Http(server_->url(), "POST", "/v1/commands", supp, erase("e-3", "supp"));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(json::parse(done.body)["results"][0]["outcome"], "appended") << done.body;
  // Within a second the projections have it; the key is gone already.
  json view;
  for (int i = 0; i < 50; ++i) {
    view = json::parse(Get("/v1/accounts/" + pupil, "admin").body);
    if (view["state"] == "closed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(view["state"], "closed");
  EXPECT_EQ(view["login"], "[erased]");
  json history = json::parse(Get("/v1/accounts/" + pupil + "/history?verify=true", "aud").body);
  EXPECT_EQ(history["chain_verified"], true);
  EXPECT_EQ(history["events"][0]["data"]["last_name"], "[erased]");
  HttpResult again = Http(server_->url(), "POST", "/v1/commands", supp, erase("e-4", "supp"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["results"][0]["outcome"], "refused");
  EXPECT_NE(again.body.find("already erased"), std::string::npos) << again.body;
}

}  // namespace
}  // namespace ledger::testing
