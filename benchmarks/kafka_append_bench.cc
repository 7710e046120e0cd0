// Append throughput through Kafka: the ledger's KafkaEventLog against the raw
// librdkafka producer, on librdkafka's mock cluster (3 brokers on loopback,
// in this process) or, with --brokers, on a real cluster
// (benchmarks/kafka_real_bench.sh starts 1 and 3 brokers of ../shared/kafka),
// with the same records — real encoded events of the workload, at their own
// partitions — measured in the same run:
//
//  raw          rd_kafka_producev of every record (same producer settings:
//               acks=all, idempotence, linger.ms=5), one flush at the end —
//               the ceiling;
//  log async    KafkaEventLog::AppendAsync of every record, Flush every
//               `--group` records (the handler's group commit), each offset
//               checked by its callback;
//  log sync     KafkaEventLog::Append, one round trip per record (few records:
//               the latency-bound path, for scale);
//  handler      the write path end to end: CommandHandler::HandleBatch of the
//               workload's commands, 64 per group commit, on a fresh topic.
//
// Each rate is the median of --runs runs, each on a fresh topic (the mock
// keeps ~5 MiB per partition; every run stays under it). On a real cluster
// the topics (bench.<pid>.<path>.<run>) are created by KafkaEventLog with the
// ledger's settings (replication min(3, brokers)) and left in place.
//
//   kafka_append_bench [--families N] [--group N] [--runs N] [--brokers host:port,…]
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "aggregates/testing/workload.h"
#include "benchmarks/bench_cli.h"
#include "benchmarks/bench_support.h"
#include "events/kafka/kafka_event_log.h"
#include "events/kafka/testing/mock_cluster.h"
#include "events/testing/memory_event_log.h"

using namespace ledger;

namespace {

using Clock = std::chrono::steady_clock;
using bench::Seconds;
using bench::Median;
using bench::PositiveCount;

struct Record {
  int32_t partition;
  std::string key, value;
};

// The workload's records, interleaved across partitions as concurrent
// streams would produce them.
std::vector<Record> WorkloadRecords(size_t families, size_t* bytes) {
  MemoryEventLog log;
  bench::FillWorkload(log, families);
  std::vector<Record> out;
  *bytes = 0;
  for (size_t i = 0;; ++i) {
    bool any = false;
    for (int32_t p = 0; p < log.partition_count(); ++p) {
      const auto& recs = log.records(p);
      if (i >= recs.size()) continue;
      any = true;
      out.push_back({p, recs[i].key, recs[i].value});
      *bytes += recs[i].value.size();
    }
    if (!any) return out;
  }
}

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "kafka_append_bench: {}\n", what);
  std::exit(1);
}

// The raw producer: records/s, or exits on any failure.
// `group` = 0: one flush at the end; otherwise a flush every `group` records.
double RawProduceRate(const std::string& brokers, const std::string& topic,
                      const std::vector<Record>& records, size_t group) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (auto [k, v] : {std::pair{"bootstrap.servers", brokers.c_str()}, {"acks", "all"},
                      {"enable.idempotence", "true"}, {"linger.ms", "5"},
                      {"allow.auto.create.topics", "false"}})
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) Die(err);
  static int64_t delivered, failed;
  delivered = failed = 0;
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    ++(m->err ? failed : delivered);
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) Die(err);
  const auto t0 = Clock::now();
  for (const Record& r : records) {
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(r.partition),
                RD_KAFKA_V_KEY(r.key.data(), r.key.size()),
                RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 1);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) Die(rd_kafka_err2str(e));
    rd_kafka_poll(rk, 0);
    const size_t done = static_cast<size_t>(&r - records.data()) + 1;
    if (group != 0 && done % group == 0 && rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
      Die("raw flush timed out");
  }
  if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) Die("raw flush timed out");
  const double secs = Seconds(t0);
  rd_kafka_destroy(rk);
  if (failed != 0 || delivered != static_cast<int64_t>(records.size()))
    Die(fmt::format("raw producer: {} delivered, {} failed", delivered, failed));
  return static_cast<double>(records.size()) / secs;
}

// Where the topics live: the mock, or a real cluster.
struct Target {
  std::string brokers;
  std::function<KafkaLogOptions(const std::string& topic)> options;
  std::function<void(const std::string& topic)> create;  // a fresh topic, 12 partitions
};

Target MockTarget(testing::MockKafkaCluster& cluster) {
  return {cluster.bootstrap_servers(),
          [&cluster](const std::string& topic) { return cluster.LogOptions(topic); },
          [&cluster](const std::string& topic) {
            if (Status s = cluster.CreateTopic(topic, 12, 3); !s.ok()) Die(s.ToString());
          }};
}

Target RealTarget(const std::string& brokers) {
  auto options = [brokers](const std::string& topic) {
    KafkaLogOptions o;
    o.brokers = brokers;
    o.topic = topic;
    o.partitions = 12;
    o.timeout = std::chrono::milliseconds(30000);
    return o;
  };
  return {brokers, options, [options](const std::string& topic) {
            auto log = KafkaEventLog::Open(options(topic));  // creates it
            if (!log.ok()) Die(log.status().ToString());
          }};
}

std::unique_ptr<KafkaEventLog> OpenLog(const Target& target, const std::string& topic) {
  auto log = KafkaEventLog::Open(target.options(topic));
  if (!log.ok()) Die(log.status().ToString());
  return std::move(log).value();
}

// KafkaEventLog, AppendAsync with a Flush every `group` records: records/s.
double LogAsyncRate(const Target& cluster, const std::string& topic,
                    const std::vector<Record>& records, size_t group) {
  auto log = OpenLog(cluster, topic);
  std::vector<int64_t> next(static_cast<size_t>(log->partition_count()), 0);
  int64_t misplaced = 0;
  const auto t0 = Clock::now();
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    const int64_t expected = next[static_cast<size_t>(r.partition)]++;
    Status s = log->AppendAsync(r.key, std::span<const std::string>(&r.value, 1),
                                [&, expected](int64_t offset) { misplaced += offset != expected; });
    if (!s.ok()) Die(s.ToString());
    if ((i + 1) % group == 0 || i + 1 == records.size()) {
      if (Status f = log->Flush(); !f.ok()) Die(f.ToString());
    }
  }
  const double secs = Seconds(t0);
  if (misplaced != 0) Die(fmt::format("{} records landed at unexpected offsets", misplaced));
  return static_cast<double>(records.size()) / secs;
}

// KafkaEventLog::Append, one record per call: records/s.
double LogSyncRate(const Target& cluster, const std::string& topic,
                   const std::vector<Record>& records, size_t n) {
  auto log = OpenLog(cluster, topic);
  const auto t0 = Clock::now();
  for (size_t i = 0; i < n && i < records.size(); ++i) {
    auto r = log->Append(records[i].key, std::span<const std::string>(&records[i].value, 1));
    if (!r.ok()) Die(r.status().ToString());
  }
  return static_cast<double>(std::min(n, records.size())) / Seconds(t0);
}

// The write path end to end: events/s.
double HandlerRate(const Target& cluster, const std::string& topic,
                   const std::vector<Command>& commands) {
  auto log = OpenLog(cluster, topic);
  auto h = CommandHandler::Open(*log, [] { return Timestamp{1'790'000'000'000'000}; });
  if (!h.ok()) Die(h.status().ToString());
  size_t events = 0;
  const auto t0 = Clock::now();
  for (size_t i = 0; i < commands.size(); i += 64) {
    std::span<const Command> batch(commands.data() + i, std::min<size_t>(64, commands.size() - i));
    for (const auto& r : (*h)->HandleBatch(batch)) {
      if (!r.ok()) Die(r.status().ToString());
      events += r->count;
    }
  }
  return static_cast<double>(events) / Seconds(t0);
}

}  // namespace

int main(int argc, char** argv) {
  size_t families = 2000, group = 1000, runs = 3;
  std::string brokers;
  // CLI11: --help explains; an unknown option or a value that is not a
  // number is refused, naming it.
  CLI::App app{"kafka_append_bench: appends through Kafka — the ledger's KafkaEventLog (async with group flushes, "
               "sync, and the write path end to end) against the raw librdkafka producer with the same records, "
               "on librdkafka's mock cluster or a real one; each rate the median of --runs runs"};
  app.add_option("--families", families, "families of the workload")->check(PositiveCount())->capture_default_str();
  app.add_option("--group", group, "records per flush of the async log")->check(PositiveCount())
      ->capture_default_str();
  app.add_option("--runs", runs, "runs of each way, each on a fresh topic")->check(PositiveCount())
      ->capture_default_str();
  app.add_option("--brokers", brokers, "a real Kafka cluster (host:port,…) instead of the mock");
  CLI11_PARSE(app, argc, argv);

  size_t bytes = 0;
  const std::vector<Record> records = WorkloadRecords(families, &bytes);
  const std::vector<Command> commands = testing::GenerateWorkload({families, 1, "b"});
  fmt::print("{} records of the workload ({} families), {:.0f} bytes on average, 12 partitions; "
             "{}; median of {} runs\n",
             records.size(), families, static_cast<double>(bytes) / records.size(),
             brokers.empty() ? "mock cluster of 3 brokers on loopback"
                             : "Kafka brokers " + brokers,
             runs);

  std::unique_ptr<testing::MockKafkaCluster> mock;
  if (brokers.empty()) mock = std::make_unique<testing::MockKafkaCluster>(3);
  const Target cluster = mock ? MockTarget(*mock) : RealTarget(brokers);
  std::vector<double> raw, raw_grouped, async, sync, handler;
  for (size_t run = 0; run < runs; ++run) {
    auto topic = [&](const char* what) {
      std::string name = fmt::format("bench.{}.{}.{}", getpid(), what, run);
      cluster.create(name);
      return name;
    };
    raw.push_back(RawProduceRate(cluster.brokers, topic("raw"), records, 0));
    raw_grouped.push_back(RawProduceRate(cluster.brokers, topic("rawg"), records, group));
    async.push_back(LogAsyncRate(cluster, topic("async"), records, group));
    sync.push_back(LogSyncRate(cluster, topic("sync"), records, 200));
    handler.push_back(HandlerRate(cluster, topic("handler"), commands));
  }
  const double limit = Median(raw);
  fmt::print("{:<52} {:>12}  {:>8}\n", "path", "records/s", "of raw");
  auto row = [&](const std::string& what, double rate) {
    fmt::print("{:<52} {:>12.0f}  {:>7.1f}%\n", what, rate, 100 * rate / limit);
  };
  row("raw librdkafka producer (one flush at the end)", limit);
  row(fmt::format("raw librdkafka producer, flush every {}", group), Median(raw_grouped));
  row(fmt::format("KafkaEventLog AppendAsync, Flush every {}", group), Median(async));
  row("KafkaEventLog Append (synchronous, one per call)", Median(sync));
  row("CommandHandler on Kafka, 64 commands per commit", Median(handler));
  return 0;
}
