// LedgerService: the ledger as a running service, without its HTTP face —
// the single writer of the log and the live projector that follows it
// (ARCHITECTURE.md §7 "ledgerd, the service").
//
// Lifecycle. Start() takes DATA/ledgerd.pid (another ledgerd or a rebuild
// holding it is refused, naming the pid), opens the projections for writing
// (waiting up to a minute for a `ledger` reader that is catching them up),
// opens the log as its writer, and starts two threads:
//  - the writer: loads the write path's state (a scan of the whole log: until
//    then Submit answers Unavailable "loading"), then takes queued requests in
//    arrival order and commits them in groups — every request queued while a
//    group is being flushed joins the next one, so concurrent requests share
//    one fdatasync. After each successful flush it publishes the new durable
//    ends, which wakes the projector. If the log fails (a failed append or
//    flush poisons it), the group's requests get Unavailable and the writer
//    reopens the log (recovery), reloads its state and restarts the
//    projector, retrying with backoff; readers keep being served meanwhile.
//  - the live projector (consumers/live_projector.h): projects every durable
//    record within milliseconds; crash-exact.
//  - maintenance: folds the statistics' merge operands once the projections
//    have caught up, then every compact_every (a table read stays one value
//    per key).
// On a Kafka topic several services may run (ops/service/README.md): the
// writer thread writes only while this process holds the writer's role
// (ops/datadir/writer_role.h), through a transactional producer that fenced
// the previous writer; otherwise it is a standby whose Submit answers
// Unavailable naming the writer, and a follower thread polls the topic's
// ends so that the projector follows every writer's records.
// Stop(): refuses new requests, answers every queued one, lets the projector
// project everything durable, closes the store and the log. A SIGKILL at any
// moment loses no acknowledged command: a request's results are returned only
// after the flush that made them durable.
//
// Thread-safety: Submit, readiness, db and WaitForVersion from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "aggregates/command_handler.h"
#include "consumers/live_projector.h"
#include "consumers/projector_probe.h"
#include "events/personal_data.h"
#include "ops/datadir/log_flags.h"
#include "ops/service/writer_probe.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger {

struct ServiceOptions {
  size_t max_group_commands = 4096;  // commands per group commit (a request is never split)
  size_t projector_batch = 4096;     // records per projection commit
  int projector_threads = LiveProjector::Options{}.threads;  // the live projector's (live_projector.h)
  // The lag (records) from which the live projector catches up by key-order
  // folds (LiveProjector::Options::fold_from), sorting beside the store in
  // `<store>.fold`; 0: batches only.
  int64_t projector_fold_from = LiveProjector::Options{}.fold_from;
  int64_t projector_fold_records = LiveProjector::Options{}.fold_records;  // the most one fold takes
  // The live projector's cache of views, in MB (LiveProjector::Options::view_cache_bytes); 0: none.
  size_t projector_view_cache_mb = LiveProjector::Options{}.view_cache_bytes >> 20;
  std::chrono::seconds store_wait{60};  // how long to wait for a `ledger` reader holding the store
  // Statistics keys gather merge operands as batches commit; the service folds
  // them (ProjectionDb::CompactStatistics) once the projections first catch
  // up, then at this interval if anything was projected since.
  std::chrono::seconds compact_every{600};
  // Notable moments, one line each, for the operator's log: the state loaded,
  // the projections caught up, the writer failing and reopening. No personal data.
  std::function<void(const std::string&)> note;
};

struct Readiness {
  bool writer_loaded = false;  // commands are accepted
  // Another instance writes the topic (Kafka): commands are answered 503
  // with the writer's address; reads are served from this replica.
  bool standby = false;
  std::string writer_url;      // the writer's address as announced ("" unknown)
  bool caught_up = false;      // the projections have reached the log once since start
  int64_t lag_records = 0;     // durable records not yet projected
  std::string problem;         // the writer or the projector failing (empty when both work)
};

class LedgerService {
 public:
  // Errors: FailedPrecondition when another process serves --data or writes
  // the log (naming it), NotFound/DataLoss from the log or the store.
  static Result<std::unique_ptr<LedgerService>> Start(const LogFlags& flags, const ServiceOptions& options,
                                                      Clock clock, WriterProbe& writer_probe,
                                                      ProjectorProbe& projector_probe);
  ~LedgerService();  // Stop()

  using BatchResult = Result<std::vector<Result<Outcome>>>;
  // Queues `commands` for the next group commit. The future holds one result
  // per command (rule refusals among them), or Unavailable for the whole
  // request (loading, shutting down, or the log failed: nothing is known
  // durable — resubmit the same command ids).
  std::future<BatchResult> Submit(std::vector<Command> commands);

  void Stop();

  const ProjectionDb& db() const;
  // The personal-data vault (DATA/keys, the master key): reads open sealed
  // fields with it (ops/query). Thread-safe for Open; lives as long as the service.
  PersonalDataVault* vault() const;
  Readiness readiness() const;
  // Grows with every projection commit (caches compare it; freshness waits on it).
  uint64_t version() const;
  uint64_t WaitForVersion(uint64_t seen, std::chrono::milliseconds timeout) const;
  int32_t partition_count() const;
  // The directories whose size /metrics reports.
  std::string log_dir() const;
  std::string projection_dir() const;
  // Records the listening URL in DATA/ledgerd.pid (for `ledger` refusals).
  Status SetUrl(const std::string& url);

  class Impl;

 private:
  explicit LedgerService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger
