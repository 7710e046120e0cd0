// WriterRole: whether this process may write the log now, and where the
// writer is when it may not (ARCHITECTURE.md §7 "several ledgerd on one
// Kafka topic").
//
// The embedded log has one writer by construction (DATA/ledgerd.pid and the
// log's lock): its role is held for good, term 1. A Kafka topic may be
// followed by several ledgerd; Kafka's group membership decides which one
// writes (KafkaWriterElection), and the writer's transactional producer
// (LogAccess::kServeWriter) fences the one before.
// Thread-safety: every member is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "events/status.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

class WriterRole {
 public:
  virtual ~WriterRole() = default;  // gives the role up (another member takes it)
  // 0 while this process must not write; while it may, a number that changes
  // each time the role is granted anew.
  virtual uint64_t term() const = 0;
  // Publishes this writer's address once it is ready to take commands.
  virtual Status Announce(const std::string& url) = 0;
  // The current writer's address as announced ("" unknown).
  virtual std::string writer_url() const = 0;
  // Fenced while holding the role: give it back so that the role is granted
  // anew (a new term), to this process or another. No-op where nothing else
  // can fence (the embedded log).
  virtual void Resign() {}
};

// The role for `flags.log`: held at once for the embedded log; for a Kafka
// topic, a seat in its writer election. `note` gets a line when the role is
// taken or lost.
Result<std::unique_ptr<WriterRole>> SeekWriterRole(const LogFlags& flags,
                                                   std::function<void(const std::string&)> note);

}  // namespace ledger
