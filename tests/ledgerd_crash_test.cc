// Crash-exactness of ledgerd itself: the real binary is SIGKILLed at ≥ 10
// random moments while four clients post command batches to it. After every
// kill and restart:
//  - every acknowledged command (a 200 result `appended` or `replayed`) is in
//    the log exactly once, at the stream, seq, partition and offset it was
//    acknowledged with; a refused one left nothing; no command id has two
//    runs of events (nothing was applied twice, whatever was in flight);
//  - once ledgerd is ready again, its projections equal a clean rebuild of
//    the log, entry for entry (read from its store, read-only).
// Clients resubmit unanswered batches with the same command ids, as the
// contract says they may.
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aggregates/command_json.h"
#include "aggregates/testing/workload.h"
#include "consumers/projector.h"
#include "events/embedded/embedded_event_log.h"
#include "events/log_scan.h"
#include "events/testing/temp_dir.h"
#include "tests/ledgerd_runner.h"

namespace ledger::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Placed {
  std::string stream;
  uint64_t seq;
  int32_t partition;
  int64_t offset;
  friend auto operator<=>(const Placed&, const Placed&) = default;
};

// What the clients were told, by command id.
class Acks {
 public:
  void Record(const json& result) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string id = result["command_id"];
    if (result["outcome"] == "refused") {
      refused_.insert(id);
      return;
    }
    std::vector<Placed> events;
    for (const json& e : result["events"])
      events.push_back(Placed{e["stream"], e["seq"], e["partition"], e["offset"]});
    auto [it, fresh] = placed_.emplace(id, events);
    if (!fresh) {
      EXPECT_EQ(it->second, events) << id << ": a replay answered other events than the append";
    }
  }
  std::map<std::string, std::vector<Placed>> placed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return placed_;
  }
  std::set<std::string> refused() const {
    std::lock_guard<std::mutex> lock(mu_);
    return refused_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Placed>> placed_;
  std::set<std::string> refused_;
};

// One client: its batches in order; a batch is retried until answered.
struct Client {
  std::vector<std::string> batches;  // JSON arrays
  size_t next = 0;
};

std::unique_ptr<EmbeddedEventLog> ReadOnlyLog(const fs::path& dir) {
  EmbeddedLogOptions o;
  o.read_only = true;
  auto log = EmbeddedEventLog::Open(dir, o);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(*log) : nullptr;
}

// The log's events by command id, each in log order.
std::map<std::string, std::vector<Placed>> EventsByCommand(EventLog& log) {
  std::map<std::string, std::vector<Placed>> out;
  Status s = ScanLog(log, [&](const LogRecord& rec, const DecodedRecord& d) {
    out[d.event.command_id.str()].push_back(Placed{d.event.stream.str(), d.event.seq, rec.partition, rec.offset});
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

void CheckLogAgainstAcks(const fs::path& log_dir, const Acks& acks, int round) {
  auto log = ReadOnlyLog(log_dir);
  ASSERT_TRUE(log);
  const auto in_log = EventsByCommand(*log);
  for (const auto& [id, events] : in_log) {
    // One run per command: one stream, consecutive seqs, consecutive offsets.
    for (size_t i = 1; i < events.size(); ++i) {
      ASSERT_EQ(events[i].stream, events[0].stream) << "round " << round << ": " << id << " in two streams";
      ASSERT_EQ(events[i].seq, events[i - 1].seq + 1) << "round " << round << ": " << id << " applied twice";
      ASSERT_EQ(events[i].offset, events[i - 1].offset + 1) << "round " << round << ": " << id;
    }
  }
  for (const auto& [id, events] : acks.placed()) {
    auto it = in_log.find(id);
    if (events.empty()) {  // accepted, nothing to append
      EXPECT_EQ(it, in_log.end()) << id;
      continue;
    }
    ASSERT_NE(it, in_log.end()) << "round " << round << ": acknowledged " << id << " is not in the log";
    EXPECT_EQ(it->second, events) << "round " << round << ": " << id;
  }
  for (const std::string& id : acks.refused()) EXPECT_EQ(in_log.count(id), 0u) << "refused " << id << " appended";
}

std::map<std::string, std::string> CleanRebuild(const fs::path& log_dir, const fs::path& db_dir) {
  fs::remove_all(db_dir);
  auto log = ReadOnlyLog(log_dir);
  auto db = ProjectionDb::Open(db_dir, {});
  EXPECT_TRUE(db.ok());
  Projector p(*log, **db);
  EXPECT_TRUE(p.CatchUp().ok());
  return *(*db)->Dump(true);
}

TEST(LedgerdCrashTest, KilledAtTenRandomMomentsWhileClientsPostLosesAndDuplicatesNothing) {
  TempDir tmp("ledgerd-crash");
  const fs::path data = tmp.path() / "data";
  fs::create_directories(data);
  CliRun token = RunLedger({"token", "add", "--name", "svc", "--role", "service", "--data", data.string()}, tmp.path());
  ASSERT_EQ(token.code, 0) << token.err;
  const std::string svc = token.out.substr(0, token.out.find('\n'));

  // Four clients, each with whole families (a stream's commands stay in one
  // client, in order); the establishments' streams go to client 0.
  std::vector<Client> clients(4);
  {
    std::vector<std::vector<std::string>> lines(4);
    for (const Command& c : GenerateWorkload({4000, 77, "k"})) {
      const std::string stream = TargetStream(c.body).str();
      const size_t family_end = stream.find('-', stream.find("-f") + 1);
      const size_t k = stream.rfind("uai:", 0) == 0 ? 0 : std::hash<std::string>{}(stream.substr(0, family_end)) % 4;
      lines[k].push_back(CommandToJson(c).dump());
    }
    for (size_t k = 0; k < 4; ++k)
      for (size_t i = 0; i < lines[k].size(); i += 10) {
        std::string batch = "[";
        for (size_t j = i; j < std::min(i + 10, lines[k].size()); ++j) batch += (j > i ? "," : "") + lines[k][j];
        clients[k].batches.push_back(batch + "]");
      }
  }

  Acks acks;
  std::mt19937 rng(20261130);
  int kills = 0, kills_mid_post = 0;
  for (int round = 0;; ++round) {
    const bool last = round >= 10 && std::all_of(clients.begin(), clients.end(),
                                                 [](const Client& c) { return c.next == c.batches.size(); });
    Ledgerd d(data, tmp.path() / ("run" + std::to_string(round)));
    ASSERT_TRUE(d.serving()) << d.err();
    ASSERT_TRUE(d.WaitReady()) << d.err();
    if (round > 0) {
      // After the restart: the projections equal a clean rebuild.
      auto reader = ProjectionDb::Open(data / "projections", ProjectionDb::Options::Reader());
      ASSERT_TRUE(reader.ok()) << reader.status().ToString();
      ASSERT_EQ(*(*reader)->Dump(true), CleanRebuild(data / "log", tmp.path() / "clean"))
          << "round " << round << ": projections after restart differ from a clean rebuild";
    }
    if (last) {
      EXPECT_EQ(d.Term(), 0) << d.err();
      break;
    }
    std::atomic<bool> stop{false};
    std::atomic<int> in_flight{0};
    std::vector<std::thread> threads;
    for (Client& c : clients)
      threads.emplace_back([&, &c = c] {
        while (!stop && c.next < c.batches.size()) {
          ++in_flight;
          HttpResult r = Http(d.url(), "POST", "/v1/commands", svc, c.batches[c.next], std::chrono::seconds(20));
          --in_flight;
          if (r.status != 200 && r.status != 0 && r.status != 503) {
            ADD_FAILURE() << "unexpected answer " << r.status << ": " << r.body;
            stop = true;
            return;
          }
          if (r.status != 200) {  // dead, loading or shutting down: the same batch again later
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
          }
          const json doc = json::parse(r.body);
          for (const json& result : doc["results"]) acks.Record(result);
          ++c.next;
        }
      });
    if (round < 10 || std::any_of(clients.begin(), clients.end(), [](const Client& c) { return c.next < c.batches.size(); })) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 700)(rng)));
      if (in_flight > 0) ++kills_mid_post;
      EXPECT_EQ(d.Kill(), 128 + SIGKILL);
      ++kills;
    }
    stop = true;
    for (auto& t : threads) t.join();
    CheckLogAgainstAcks(data / "log", acks, round);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GE(kills, 10);
  EXPECT_GE(kills_mid_post, 5) << "most kills land while requests are in flight";
  size_t total = 0;
  for (const Client& c : clients) total += c.batches.size();
  EXPECT_GT(acks.placed().size(), total * 5) << "the workload went through";
  // The last, clean stop: projections equal a clean rebuild, as the store itself says.
  auto db = ProjectionDb::Open(data / "projections", {});
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->Dump(true), CleanRebuild(data / "log", tmp.path() / "clean"));
  std::fprintf(stderr, "%d kills (%d with requests in flight), %zu commands acknowledged\n", kills, kills_mid_post,
               acks.placed().size() + acks.refused().size());
}

}  // namespace
}  // namespace ledger::testing
