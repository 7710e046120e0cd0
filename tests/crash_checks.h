// What the crash tests of the writers (ledgerd, `ledger submit`, `ledger
// import`) check after every SIGKILL, on the real embedded log:
//  - Acks: what the writer acknowledged, by command id (the results of
//    POST /v1/commands and of `ledger submit`: one JSON object per command);
//  - EventsByCommand: the log opened read-only and scanned whole (a torn or
//    corrupt record fails the scan), its events by causing command id;
//  - CheckLogAgainstAcks: every acknowledged command in the log exactly once,
//    where it was acknowledged; no command id with two runs of events;
//  - CleanRebuild: the projections a fresh store gets from the whole log, to
//    compare with the store the writer (or a reader's catch-up) left.
// Test-only (GoogleTest assertions); Acks is thread-safe, the rest blocking.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "consumers/projector.h"
#include "events/embedded/embedded_event_log.h"
#include "events/log_scan.h"

namespace ledger::testing {

// Where one event of a command landed.
struct Placed {
  std::string stream;
  uint64_t seq;
  int32_t partition;
  int64_t offset;
  friend auto operator<=>(const Placed&, const Placed&) = default;
  friend void PrintTo(const Placed& p, std::ostream* os) {
    *os << p.stream << "#" << p.seq << "@" << p.partition << ":" << p.offset;
  }
};

// What the clients were told, by command id.
class Acks {
 public:
  // One result object: {"command_id", "outcome", "events": [{stream, seq,
  // partition, offset}…]}. A replay must name the events of the append.
  void Record(const nlohmann::json& result) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string id = result["command_id"];
    if (result["outcome"] == "refused") {
      refused_.insert(id);
      return;
    }
    std::vector<Placed> events;
    for (const nlohmann::json& e : result["events"])
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
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return placed_.size() + refused_.size();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Placed>> placed_;
  std::set<std::string> refused_;
};

inline std::unique_ptr<EmbeddedEventLog> ReadOnlyLog(const std::filesystem::path& dir) {
  EmbeddedLogOptions o;
  o.read_only = true;
  auto log = EmbeddedEventLog::Open(dir, o);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(*log) : nullptr;
}

// The log's events by command id, each in log order.
inline std::map<std::string, std::vector<Placed>> EventsByCommand(EventLog& log) {
  std::map<std::string, std::vector<Placed>> out;
  Status s = ScanLog(log, [&](const LogRecord& rec, const DecodedRecord& d) {
    out[d.event.command_id.str()].push_back(Placed{d.event.stream.str(), d.event.seq, rec.partition, rec.offset});
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// Fails when a command has two runs of events (applied twice): one stream,
// consecutive seqs and offsets per command.
inline void ExpectOneRunPerCommand(const std::map<std::string, std::vector<Placed>>& in_log, int round) {
  for (const auto& [id, events] : in_log) {
    for (size_t i = 1; i < events.size(); ++i) {
      ASSERT_EQ(events[i].stream, events[0].stream) << "round " << round << ": " << id << " in two streams";
      ASSERT_EQ(events[i].seq, events[i - 1].seq + 1) << "round " << round << ": " << id << " applied twice";
      ASSERT_EQ(events[i].offset, events[i - 1].offset + 1) << "round " << round << ": " << id;
    }
  }
}

// The log at `log_dir` (read-only, scanned whole) against what was acknowledged.
inline void CheckLogAgainstAcks(const std::filesystem::path& log_dir, const Acks& acks, int round) {
  auto log = ReadOnlyLog(log_dir);
  ASSERT_TRUE(log);
  const auto in_log = EventsByCommand(*log);
  ExpectOneRunPerCommand(in_log, round);
  if (::testing::Test::HasFatalFailure()) return;
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

// The whole log projected into a fresh store at `db_dir` (replaced), dumped.
inline std::map<std::string, std::string> CleanRebuild(const std::filesystem::path& log_dir,
                                                       const std::filesystem::path& db_dir) {
  std::filesystem::remove_all(db_dir);
  auto log = ReadOnlyLog(log_dir);
  auto db = ProjectionDb::Open(db_dir, {});
  EXPECT_TRUE(db.ok());
  Projector p(*log, **db);
  EXPECT_TRUE(p.CatchUp().ok());
  return *(*db)->Dump(true);
}

// The store at `db_dir` as it stands (opened read-only), dumped.
inline std::map<std::string, std::string> DumpProjections(const std::filesystem::path& db_dir) {
  auto reader = ProjectionDb::Open(db_dir, ProjectionDb::Options::Reader());
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return {};
  return *(*reader)->Dump(true);
}

}  // namespace ledger::testing
