// The ledger on Kafka, end to end, against librdkafka's in-process mock
// cluster (a real Kafka-protocol server): every scenario is checked against
// the same workload run on the embedded log, record for record and projection
// entry for entry.
//
//  - the write path (CommandHandler, group commit) on KafkaEventLog yields the
//    embedded run's log and projections;
//  - brokers going down and up and injected produce errors during commands:
//    every acknowledged command has exactly one copy of its events, in order;
//  - `ledger migrate` killed (SIGKILL) mid-run, then run again: the topic holds
//    exactly the embedded log, and `ledger stats` reads the same on both;
//  - MigrateLog stopped by a non-retriable produce error, resumed on a
//    reopened log: same.
//
// Data stays far below the mock's ~5 MiB per partition.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "consumers/projector.h"
#include "events/embedded/embedded_event_log.h"
#include "events/kafka/kafka_event_log.h"
#include "events/kafka/testing/mock_cluster.h"
#include "events/log_scan.h"
#include "events/privacy/key_vault.h"
#include "events/privacy/log_key_store.h"
#include "events/testing/log_contents.h"
#include "events/testing/temp_dir.h"
#include "ops/cli/migrate.h"
#include "tests/ledger_runner.h"
#include "tests/migrate_checks.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::ReadLog;

constexpr char kTopic[] = "ledger.account-events";
constexpr size_t kBatch = 64;  // commands per HandleBatch (one group commit)

Timestamp FixedNow() { return Timestamp{1'790'000'000'000'000}; }

int64_t Total(EventLog& log) {
  int64_t n = 0;
  for (int64_t e : testing::EndOffsets(log)) n += e;
  return n;
}

// Submits `commands` in batches of kBatch; every command must be accepted.
// Returns the events appended.
int64_t SubmitAll(EventLog& log, const std::vector<Command>& commands) {
  auto h = CommandHandler::Open(log, FixedNow);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  if (!h.ok()) return -1;
  int64_t events = 0;
  for (size_t i = 0; i < commands.size(); i += kBatch) {
    std::span<const Command> batch(commands.data() + i, std::min(kBatch, commands.size() - i));
    for (const auto& r : (*h)->HandleBatch(batch)) {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (r.ok()) events += static_cast<int64_t>(r->count);
    }
  }
  return events;
}

// The store's entries after projecting `log` from scratch.
std::map<std::string, std::string> Project(EventLog& log, const fs::path& dir) {
  auto db = ProjectionDb::Open(dir, {});
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return {};
  auto progress = Projector(log, **db).CatchUp();
  EXPECT_TRUE(progress.ok()) << progress.status().ToString();
  if (progress.ok()) {
    EXPECT_EQ(progress->quarantined, 0);
  }
  auto dump = (*db)->Dump(true);
  EXPECT_TRUE(dump.ok());
  return dump.ok() ? *dump : std::map<std::string, std::string>{};
}

class KafkaScenarioTest : public ::testing::Test {
 protected:
  // The embedded run of `commands` (12 partitions, like the Kafka topic).
  std::unique_ptr<EmbeddedEventLog> EmbeddedRun(const std::vector<Command>& commands,
                                                int64_t* events) {
    EmbeddedLogOptions options;
    options.create_if_missing = true;
    auto log = EmbeddedEventLog::Open(tmp_.path() / "log", options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    if (!log.ok()) return nullptr;
    *events = SubmitAll(**log, commands);
    EXPECT_EQ(Total(**log), *events);
    return std::move(log).value();
  }

  KafkaLogOptions Options() const {
    KafkaLogOptions o = cluster_.LogOptions(kTopic);
    o.replication_factor = 3;
    o.extra_config = {{"reconnect.backoff.max.ms", "200"}};
    return o;
  }

  std::unique_ptr<KafkaEventLog> OpenKafka(bool read_only = false) {
    KafkaLogOptions o = Options();
    o.read_only = read_only;
    auto log = KafkaEventLog::Open(o);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  testing::MockKafkaCluster cluster_{3};  // outlives every client of a test
  testing::TempDir tmp_{"kafka-scenario"};
};

TEST_F(KafkaScenarioTest, SameWorkloadOnKafkaYieldsTheEmbeddedRunsLogAndProjections) {
  const std::vector<Command> commands = testing::GenerateWorkload({300, 11, "e"});
  int64_t events = 0;
  auto embedded = EmbeddedRun(commands, &events);
  ASSERT_NE(embedded, nullptr);
  ASSERT_GT(events, 2500);

  auto kafka = OpenKafka();
  ASSERT_NE(kafka, nullptr);
  ASSERT_EQ(kafka->partition_count(), embedded->partition_count());
  EXPECT_EQ(SubmitAll(*kafka, commands), events);
  EXPECT_EQ(Total(*kafka), events);
  // Same records at the same partitions and offsets (the clock is fixed)…
  EXPECT_EQ(ReadLog(*kafka), ReadLog(*embedded));
  // …hence the same projections, read back through Kafka consumers.
  const auto from_kafka = Project(*kafka, tmp_.path() / "db-kafka");
  EXPECT_GT(from_kafka.size(), 1000u);
  EXPECT_EQ(from_kafka, Project(*embedded, tmp_.path() / "db-embedded"));
}

// Brokers cycle down and up (partitions whose leader is down are unavailable
// meanwhile) and produce requests fail with retriable errors, while commands
// are submitted in group commits. A batch whose flush fails is resubmitted on
// a reopened log and handler, as an operator's retry would: command ids make
// that safe. At the end every command is acknowledged and the topic equals
// the embedded run: no event lost, none twice, none out of order.
TEST_F(KafkaScenarioTest, BrokerOutagesAndProduceErrorsDuringCommandsLoseAndDuplicateNothing) {
  const std::vector<Command> commands = testing::GenerateWorkload({300, 12, "f"});
  int64_t events = 0;
  auto embedded = EmbeddedRun(commands, &events);
  ASSERT_NE(embedded, nullptr);
  ASSERT_TRUE(cluster_.CreateTopic(kTopic, 12, 3).ok());

  std::atomic<bool> writing{true};
  int outages = 0;
  std::thread faults([&] {
    const std::vector<rd_kafka_resp_err_t> errors = {
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE};
    // A bounded schedule (each broker down 5 times): under endless outages
    // librdkafka 2.0.2's idempotent producer can stall on the mock for good.
    for (int32_t broker = 1; writing.load() && outages < 15; broker = broker % 3 + 1) {
      cluster_.PushProduceErrors(errors);
      std::this_thread::sleep_for(milliseconds(150));
      ASSERT_TRUE(cluster_.SetBrokerDown(broker, true).ok());
      std::this_thread::sleep_for(milliseconds(400));
      ASSERT_TRUE(cluster_.SetBrokerDown(broker, false).ok());
      ++outages;
    }
  });

  std::map<std::string, Outcome> acked;  // command id → acknowledged outcome
  int reopened = 0;
  auto write = [&] {  // ASSERTs return from here; the faults thread is joined below
    auto log = OpenKafka();
    ASSERT_NE(log, nullptr);
    auto h = CommandHandler::Open(*log, FixedNow);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    for (size_t i = 0; i < commands.size();) {
      std::span<const Command> batch(commands.data() + i, std::min(kBatch, commands.size() - i));
      std::vector<Result<Outcome>> results = (*h)->HandleBatch(batch);
      bool failed = false;
      for (size_t k = 0; k < results.size(); ++k) {
        if (results[k].ok()) {
          acked[batch[k].id.str()] = *results[k];
        } else {
          // Only the log fails here (the workload's commands are all valid).
          if (!failed) std::printf("[ failed   ] %s\n", results[k].status().ToString().c_str());
          failed = true;
        }
      }
      if (!failed) {
        i += batch.size();
        continue;
      }
      // The log is poisoned: reopen it and the handler, and submit the batch again.
      ASSERT_LT(++reopened, 20) << "group commits keep failing";
      h->reset();
      log.reset();
      log = OpenKafka();
      ASSERT_NE(log, nullptr);
      h = CommandHandler::Open(*log, FixedNow);
      ASSERT_TRUE(h.ok()) << h.status().ToString();
    }
  };
  write();
  writing = false;
  faults.join();
  ASSERT_FALSE(HasFatalFailure());
  std::printf("[ faults   ] %d broker outages; %d group commits failed and were resubmitted\n",
              outages, reopened);
  EXPECT_GE(outages, 1);

  // Every command acknowledged; its events where the acknowledgement said.
  // librdkafka's mock checks producer sequences for transactional producers
  // only (rdkafka_mock.c), so a request whose response an outage cut is
  // appended again: a byte-identical copy of records already there (same
  // stream, seq and hash chain), which no command can produce. Those copies
  // are set aside and counted; the real cluster's test asserts there are none
  // (tests/kafka_real). Everything else must equal the embedded run.
  ASSERT_EQ(acked.size(), commands.size());
  auto kafka = OpenKafka(/*read_only=*/true);
  ASSERT_NE(kafka, nullptr);
  std::vector<std::vector<std::pair<std::string, std::string>>> kept(12);
  std::map<std::pair<int32_t, int64_t>, std::string> first_event_at;  // kept records' command ids
  int reappended = 0;
  for (int32_t p = 0; p < kafka->partition_count(); ++p) {
    std::set<std::string> values;
    for (const LogRecord& r : testing::ReadPartition(*kafka, p)) {
      auto d = DecodeLogRecord(r);
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      first_event_at[{p, r.offset}] = d->event.command_id.str();
      if (!values.insert(r.value).second) {
        ++reappended;
        continue;
      }
      kept[p].emplace_back(r.key, r.value);
    }
  }
  std::printf("[ mock     ] %d records appended twice by the mock (no sequence check)\n",
              reappended);
  for (const auto& [id, o] : acked)
    if (!o.replayed) {
      EXPECT_EQ(first_event_at[std::make_pair(o.partition, o.first_offset)], id)
          << "command " << id << " acknowledged at partition " << o.partition << " offset "
          << o.first_offset;
    }
  for (int32_t p = 0; p < embedded->partition_count(); ++p) {
    std::vector<std::pair<std::string, std::string>> want;
    for (const LogRecord& r : testing::ReadPartition(*embedded, p)) want.emplace_back(r.key, r.value);
    EXPECT_TRUE(kept[p] == want) << "partition " << p << ": " << kept[p].size()
                                 << " distinct records on Kafka, " << want.size()
                                 << " in the embedded run";
  }
}

TEST_F(KafkaScenarioTest, MigrateStoppedByAProduceErrorResumesOnAReopenedLogWithoutDuplicates) {
  const std::vector<Command> commands = testing::GenerateWorkload({200, 13, "g"});
  int64_t events = 0;
  auto embedded = EmbeddedRun(commands, &events);
  ASSERT_NE(embedded, nullptr);
  {
    auto kafka = OpenKafka();
    ASSERT_NE(kafka, nullptr);
    bool armed = false;
    auto stopped = MigrateLog(*embedded, *kafka, MigrateOptions{100}, [&](int64_t done, int64_t) {
      if (done >= events / 3 && !armed) {
        armed = true;  // the next produce request is refused for good
        cluster_.PushProduceErrors({RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED});
      }
    });
    ASSERT_FALSE(stopped.ok());
    EXPECT_EQ(stopped.status().code(), StatusCode::kPermissionDenied) << stopped.status().ToString();
    const int64_t copied = Total(*kafka);
    EXPECT_GE(copied, events / 3);
    EXPECT_LT(copied, events);
  }
  auto kafka = OpenKafka();
  ASSERT_NE(kafka, nullptr);
  const int64_t before = Total(*kafka);
  auto resumed = MigrateLog(*embedded, *kafka, MigrateOptions{100});
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->already_present, before);
  EXPECT_EQ(resumed->copied, events - before);
  EXPECT_EQ(ReadLog(*kafka), ReadLog(*embedded));
}

// ---- `ledger migrate` as an operator runs it, killed mid-run -------------

using testing::CliRun;
using testing::WaitLedger;

CliRun Ledger(const std::vector<std::string>& args, const fs::path& dir) {
  return testing::RunLedger(args, dir);
}

TEST_F(KafkaScenarioTest, LedgerMigrateKilledMidRunThenRerunHoldsExactlyTheEmbeddedLog) {
  const std::vector<Command> commands = testing::GenerateWorkload({600, 14, "h"});
  int64_t events = 0;
  auto embedded = EmbeddedRun(commands, &events);
  ASSERT_NE(embedded, nullptr);
  embedded.reset();  // the CLI opens it
  // The mock has no CreateTopics: the topic exists before the CLI names it.
  ASSERT_TRUE(cluster_.CreateTopic(kTopic, 12, 3).ok());
  const std::string data = tmp_.path().string();
  const std::string uri = "kafka://" + cluster_.bootstrap_servers();
  const std::vector<std::string> migrate = {"migrate", "--data", data, "--to", uri,
                                            "--batch", "40"};

  auto kafka = OpenKafka(/*read_only=*/true);
  ASSERT_NE(kafka, nullptr);
  // Distant brokers: the copy takes seconds, so the kill lands mid-run.
  for (int32_t broker = 1; broker <= 3; ++broker)
    ASSERT_TRUE(cluster_.SetBrokerRtt(broker, milliseconds(20)).ok());
  pid_t pid = testing::SpawnLedger(migrate, tmp_.path());
  // SIGKILL once some records are in the topic: no clean shutdown, batches in flight.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t at_kill = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    at_kill = Total(*kafka);
    if (at_kill >= events / 4) break;
    std::this_thread::sleep_for(milliseconds(2));
  }
  kill(pid, SIGKILL);
  CliRun killed = WaitLedger(pid, tmp_.path());
  ASSERT_EQ(killed.code, 128 + SIGKILL) << "migrate ended before the kill: " << killed.out
                                        << killed.err;
  const int64_t after_kill = Total(*kafka);
  std::printf("[ killed   ] migrate at %lld of %lld records in the topic\n",
              static_cast<long long>(after_kill), static_cast<long long>(events));
  EXPECT_GT(after_kill, 0);
  EXPECT_LT(after_kill, events);
  for (int32_t broker = 1; broker <= 3; ++broker)
    ASSERT_TRUE(cluster_.SetBrokerRtt(broker, milliseconds(0)).ok());

  testing::ExpectMigrationResumed(Ledger(migrate, tmp_.path()), events, after_kill);
  EmbeddedLogOptions read_only;
  read_only.read_only = true;
  auto reopened = EmbeddedEventLog::Open(tmp_.path() / "log", read_only);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(ReadLog(*kafka), ReadLog(**reopened));

  // A third run copies nothing; the dashboards read the same on both logs.
  CliRun again = Ledger(migrate, tmp_.path());
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("migrated 0 records"), std::string::npos) << again.out;
  CliRun on_embedded = Ledger({"stats", "--by", "department", "--data", data}, tmp_.path());
  CliRun on_kafka =
      Ledger({"stats", "--by", "department", "--data", data, "--log", uri}, tmp_.path());
  ASSERT_EQ(on_embedded.code, 0) << on_embedded.err;
  ASSERT_EQ(on_kafka.code, 0) << on_kafka.err;
  EXPECT_EQ(on_kafka.out, on_embedded.out);
  EXPECT_NE(on_kafka.out.find("035"), std::string::npos) << on_kafka.out;
}

}  // namespace
}  // namespace ledger

namespace ledger {
namespace {

// Personal data on Kafka (ARCHITECTURE §9): the events topic read back holds
// no login, name or INE of the workload, and the key store topic — a second,
// compacted topic — lets another instance (a standby taking over) open every
// sealed field, while an erasure's tombstone erases it for every instance.
TEST_F(KafkaScenarioTest, TheTopicHoldsNoPersonalFieldAndTheKeyStoreTopicIsSharedAndErasable) {
  const std::vector<Command> commands = testing::GenerateWorkload({120, 5, "p"});
  privacy::Secret32 master = privacy::Secret32::Random();
  auto open_keys = [&]() -> std::unique_ptr<privacy::LogKeyStore> {
    KafkaLogOptions o = cluster_.LogOptions("ledger.account-events.keys");
    o.purpose = TopicPurpose::kKeyStore;
    o.partitions = 3;
    auto log = KafkaEventLog::Open(o);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    if (!log.ok()) return nullptr;
    auto store = privacy::LogKeyStore::Open(std::move(log).value());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  };
  auto kafka = OpenKafka();
  auto keys = open_keys();
  ASSERT_TRUE(kafka && keys);
  privacy::KeyVault vault(*keys, master);
  auto h = CommandHandler::Open(*kafka, FixedNow, &vault);
  ASSERT_TRUE(h.ok());
  for (size_t i = 0; i < commands.size(); i += kBatch)
    for (const auto& r : (*h)->HandleBatch(std::span<const Command>(commands.data() + i,
                                                                     std::min(kBatch, commands.size() - i))))
      ASSERT_TRUE(r.ok()) << r.status().ToString();

  std::string topic_bytes;
  for (const auto& [p, offset, key, value] : ReadLog(*kafka)) topic_bytes += value;
  ASSERT_GT(topic_bytes.size(), 50000u);
  std::vector<std::pair<std::string, AccountCreated>> created;
  for (const Command& c : commands)
    if (const auto* cc = std::get_if<CreateAccount>(&c.body)) created.emplace_back(cc->account.str(), cc->data);
  ASSERT_GT(created.size(), 100u);
  for (const auto& [id, d] : created)
    for (const std::string& v : {d.login, d.last_name, d.first_name, d.ine.str()}) {
      if (v.size() < 6) continue;
      EXPECT_EQ(topic_bytes.find(v), std::string::npos) << "a personal field of " << id;
    }

  // Another instance: its own view of the key store topic opens the fields.
  auto other_keys = open_keys();
  ASSERT_NE(other_keys, nullptr);
  privacy::KeyVault other(*other_keys, master);
  auto first_pupil = std::find_if(created.begin(), created.end(),
                                  [](const auto& c) { return c.second.kind == AccountKind::kPupil; });
  ASSERT_NE(first_pupil, created.end());
  auto read_created = [&](const std::string& id) {
    for (const auto& [p, offset, key, value] : ReadLog(*kafka))
      if (key == id) {
        auto d = DecodeRecord(value);
        if (d.ok() && std::holds_alternative<AccountCreated>(d->event.payload))
          return std::get<AccountCreated>(d->event.payload);
      }
    return AccountCreated{};
  };
  AccountCreated a = read_created(first_pupil->first);
  ASSERT_EQ(a.personal, PersonalData::kSealed);
  ASSERT_TRUE(other.Open(StreamId(first_pupil->first), a).ok());
  EXPECT_EQ(a.last_name, first_pupil->second.last_name);
  EXPECT_EQ(a.birth_date, first_pupil->second.birth_date);

  // Erased by the writer: a tombstone on the topic; a fresh reader sees it erased.
  ASSERT_TRUE(vault.Erase(first_pupil->first).ok());
  auto after = open_keys();
  ASSERT_NE(after, nullptr);
  privacy::KeyVault reader(*after, master);
  AccountCreated b = read_created(first_pupil->first);
  ASSERT_TRUE(reader.Open(StreamId(first_pupil->first), b).ok());
  EXPECT_EQ(b.personal, PersonalData::kErased);
  EXPECT_TRUE(b.last_name.empty());
}

}  // namespace
}  // namespace ledger
