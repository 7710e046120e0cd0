// KafkaWriterElection: which of the services following one topic is its
// writer, decided by Kafka itself (events/kafka/README.md "One writer at a
// time").
//
// Every candidate joins the consumer group "<group_prefix><topic>"
// subscribed to the lease topic "<topic>.writer" (LeaseTopic: one partition,
// no records; the caller creates it); the member the group assigns its
// partition holds the writer's role. With the cooperative-sticky assignor a
// member joining or leaving does not move the partition from its holder.
// The consumer never reads: the assigned partition is paused at once.
// A member that stops heartbeating (killed, SIGSTOPped, cut off) is removed
// by the group coordinator after `session_timeout` and the role moves to
// another member; a member leaving cleanly (destructor) hands it over at
// once. Membership alone cannot stop a paused holder from appending when it
// resumes: the writer must also use a transactional producer whose id all
// candidates share (TransactionalId()), so that the next holder's
// init_transactions fences it.
//
// term(): 0 while not the holder; while holding, a number that grows each time
// the role is granted to this member (a writer that was fenced waits for a
// new term before writing again, rather than fencing its successor).
// The holder announces its URL (Announce) as the metadata of the group's
// committed offset of partition 0; every member reads it back about once a
// second (writer_url()).
// Thread-safety: every member is thread-safe; a background thread polls.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "events/kafka/kafka_event_log.h"

namespace ledger {

struct WriterElectionOptions {
  std::string group_prefix = "ledgerd-writer.";
  // How long the coordinator waits for a silent holder's heartbeat before
  // moving the role (Kafka's group.min.session.timeout.ms is 6 s by default).
  std::chrono::milliseconds session_timeout{6000};
  // Notable moments (role taken or lost), one line each. No personal data.
  std::function<void(const std::string&)> note;
};

class KafkaWriterElection {
 public:
  // Joins the group (`log`: brokers, the events topic, extra_config); the
  // lease topic must exist. Errors:
  // InvalidArgument for a configuration librdkafka refuses. Brokers being
  // unreachable is not an error: the member keeps trying and holds no role.
  static Result<std::unique_ptr<KafkaWriterElection>> Start(const KafkaLogOptions& log,
                                                            const WriterElectionOptions& options);
  // Leaves the group (the role moves to another member at once).
  ~KafkaWriterElection();

  uint64_t term() const;
  // Publishes `url` as the writer's address; call once the role is taken and
  // the writer is ready. Unavailable when the group refused the commit (this
  // member no longer belongs to the current generation: it lost the role).
  Status Announce(const std::string& url);
  // The writer's address as last announced and read back ("" unknown).
  std::string writer_url() const;
  // Gives the role back and asks for it anew: leaves the group and rejoins
  // (on the poll thread). For a holder that was fenced by someone the group
  // did not grant the role to: it must not write on its term, and the group
  // would never grant another while it holds the lease.
  void Resign();

  // The one-partition topic whose assignment is the role.
  static std::string LeaseTopic(const std::string& topic);
  // The transactional.id every writer of `topic` uses (fencing needs one id).
  static std::string TransactionalId(const std::string& topic);

  class Impl;

 private:
  explicit KafkaWriterElection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger
