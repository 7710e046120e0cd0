// A client of several ledgerd on one Kafka topic, as an integrator writes
// one: it posts each batch to the instance it believes writes, follows a
// standby's 503 to the writer it names (error.writer), and resubmits the
// same command ids after any failure until the batch is acknowledged — safe,
// since a command id is applied once. ExpectEachCommandExactlyOnce then
// checks the topic against what was acknowledged. Test-only.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aggregates/command_json.h"
#include "events/codec.h"
#include "events/testing/log_contents.h"
#include "tests/ledgerd_runner.h"

namespace ledger::testing {

// An admin token added to `data` (ledger token add), printed once.
inline std::string AdminToken(const std::string& data, const std::filesystem::path& dir) {
  CliRun token = RunLedger({"token", "add", "--name", "svc", "--role", "admin", "--data", data}, dir);
  EXPECT_EQ(token.code, 0) << token.err;
  return token.out.substr(0, token.out.find('\n'));
}

class FailoverClient {
 public:
  FailoverClient(std::vector<std::string> urls, std::string token)
      : urls_(std::move(urls)), token_(std::move(token)) {}

  // Posts `commands` until acknowledged (200) or `limit`; false then.
  // Records each command's acknowledged event count.
  bool Submit(const std::vector<Command>& commands, std::chrono::seconds limit = std::chrono::seconds(60)) {
    nlohmann::json batch = nlohmann::json::array();
    for (const Command& c : commands) batch.push_back(nlohmann::json::parse(CommandToJson(c).dump()));
    const std::string body = batch.dump();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      // The writer named last, else the next instance after the one that failed.
      const std::string url = writer_.empty() ? urls_[next_++ % urls_.size()] : writer_;
      HttpResult r = Http(url, "POST", "/v1/commands", token_, body, std::chrono::seconds(5));
      if (r.status == 200) {
        writer_ = url;
        const nlohmann::json doc = nlohmann::json::parse(r.body);
        for (const nlohmann::json& res : doc["results"]) {
          const std::string outcome = res["outcome"];
          if (outcome == "refused") refused_.push_back(res.dump());
          acknowledged_[res["command_id"]] = res["events"].size();
          ++outcomes_[outcome];
        }
        return true;
      }
      writer_.clear();
      if (r.status == 503) {
        ++standby_answers_;
        const nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
        if (doc.is_object() && doc["error"].contains("writer")) writer_ = doc["error"]["writer"];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  const std::map<std::string, size_t>& acknowledged() const { return acknowledged_; }
  size_t outcomes(const std::string& outcome) const {
    auto it = outcomes_.find(outcome);
    return it == outcomes_.end() ? 0 : it->second;
  }
  const std::vector<std::string>& refused() const { return refused_; }
  size_t standby_answers() const { return standby_answers_; }

 private:
  std::vector<std::string> urls_;
  std::string token_;
  std::string writer_;
  size_t next_ = 0;  // which instance to try when no writer is named
  std::map<std::string, size_t> acknowledged_;  // command id → its events
  std::map<std::string, size_t> outcomes_;
  std::vector<std::string> refused_;
  size_t standby_answers_ = 0;
};

// Every acknowledged command's events are in `log` exactly once, and no
// other event is: what a fenced writer had in flight never landed.
inline void ExpectEachCommandExactlyOnce(EventLog& log, const std::map<std::string, size_t>& acknowledged) {
  std::map<std::string, size_t> found;
  std::map<std::string, std::string> where;  // partition:offset of each event, for the message
  size_t events = 0;
  for (int32_t p = 0; p < log.partition_count(); ++p) {
    for (const LogRecord& rec : ReadPartition(log, p)) {
      Result<DecodedRecord> d = DecodeRecord(rec.value);
      ASSERT_TRUE(d.ok()) << "partition " << p << " offset " << rec.offset << ": " << d.status().ToString();
      ++found[d->event.command_id.str()];
      where[d->event.command_id.str()] += " " + std::to_string(p) + ":" + std::to_string(rec.offset);
      ++events;
    }
  }
  size_t expected = 0;
  for (const auto& [id, n] : acknowledged) {
    expected += n;
    auto it = found.find(id);
    EXPECT_EQ(it == found.end() ? 0 : it->second, n) << "command " << id << " at" << where[id];
  }
  for (const auto& [id, n] : found)
    EXPECT_TRUE(acknowledged.count(id)) << "command " << id << " has " << n << " event(s) but was never acknowledged";
  EXPECT_EQ(events, expected);
}

}  // namespace ledger::testing
