// GroupProjector: the projector as a member of a Kafka consumer group.
//
// Any number of GroupProjectors with the same group id split the topic's
// partitions; all of them write to one ProjectionDb (one process, one RocksDB
// store — RocksDB is thread-safe; a deployment wanting one store per process
// gives each process its own group and topic partition subset).
//
// Offsets live in the store, not in Kafka: on assignment each partition is
// positioned at the store's next offset for it; a batch is committed together
// with its partition's next offset (PartitionBatch), fenced — the commit
// verifies atomically that the stored offset is still where the batch began,
// so a member that lost its partition can never apply a batch twice. On
// revocation the member commits what it holds for the revoked partitions
// before letting them go. A member that dies (process killed) loses only its
// uncommitted batches, which the member taking over re-reads from Kafka.
//
// Consumer settings: enable.auto.commit=false, enable.auto.offset.store=false,
// isolation.level=read_committed, auto.offset.reset=earliest.
// Thread-safety: one GroupProjector per thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "consumers/projector.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger {

struct GroupProjectorOptions {
  std::string brokers;
  std::string topic = "ledger.account-events";
  std::string group_id = "ledger-projectors";
  size_t batch_records = 4096;
  std::chrono::milliseconds poll_timeout{100};
  std::map<std::string, std::string> extra_config;  // e.g. session.timeout.ms for tests
};

class GroupProjector {
 public:
  static Result<std::unique_ptr<GroupProjector>> Open(ProjectionDb& db, const GroupProjectorOptions& options);
  ~GroupProjector();  // leaves the group cleanly (commits pending batches first)

  enum class Control { kContinue, kStop, kCrash };
  // Polls and projects; `control` is asked after every poll: kStop commits
  // what is pending and returns, kCrash returns at once dropping it (tests of
  // a killed member; follow with Abandon()).
  Status Run(const std::function<Control()>& control);

  // Simulates a crash: drops uncommitted batches and destroys the consumer
  // without leaving the group (the group notices after session.timeout.ms).
  void Abandon();

  std::set<int32_t> assignment() const;
  ProjectionProgress progress() const;

  class Impl;

 private:
  explicit GroupProjector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger
