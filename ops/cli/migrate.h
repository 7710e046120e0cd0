// `ledger migrate --to kafka://…`: copies one event log into another (the
// embedded log into a Kafka topic), keeping every record's partition and offset
// so that stored projection offsets and exported positions stay valid.
//
// Written against the EventLog port only: any adapter pair works (tests use
// MemoryEventLog and EmbeddedEventLog).
//
// Contract of MigrateLog(from, to, options, progress):
//  - Partition counts must be equal (InvalidArgument naming both: placement is
//    murmur2 of the key modulo the count, so it must never change).
//  - What is copied: every partition of `from` up to its EndOffset at the start
//    (a snapshot). Records a writer appends to `from` meanwhile are left for
//    the next run, which picks them up like any resume.
//  - Resumable without duplicates: target partition p holding N records must
//    hold exactly the first N records of source partition p. ALL N are checked
//    (key and value of every record, read back from both logs), not just the
//    last one: the cost is one read of what was already copied, and it is what
//    makes a resume after a crash, a failed Flush or a partial Kafka batch safe.
//    Copying then resumes at offset N.
//  - Every partition is checked before anything is written: a target that
//    diverges (another record at some offset, or more records than the source)
//    is FailedPrecondition naming the partition and offset, and nothing is
//    written to any partition.
//  - Each source record is checked as it is copied: its key must belong to its
//    partition (PartitionForKey(key, count) == p) and its offset must be the
//    next one; otherwise DataLoss naming the partition and offset (nothing of
//    that batch is appended).
//  - Appends: consecutive records of one batch with the same key go in one
//    AppendAsync (the pipelined Append; adapters without pipelining answer
//    synchronously), and every first offset the target reports must equal the
//    source offset — another writer on the target is DataLoss naming partition
//    and offset. A synchronous adapter's mismatch stops before the next append;
//    a pipelined one's is seen at the batch's Flush.
//  - `to` is flushed after every batch of at most options.batch records (a
//    batch never spans two partitions); `progress(done, total)` is called once
//    after the checks (done = records already present) and after each
//    successful Flush. done/total count records, total is the source snapshot.
//  - Errors from either log (Unavailable, DataLoss…) are returned with the
//    context "source|target log partition P offset O". After a failed Flush the
//    target's tail is unknown; run MigrateLog again (on a reopened target): what
//    reached the target is verified and kept, what did not is copied again.
//
// Thread-safety: MigrateLog is the writer of `to` for its duration; `from` may
// have a concurrent writer (see "What is copied"). `from` and `to` must be
// distinct logs (InvalidArgument when they are the same object).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "events/event_log.h"

namespace ledger {

struct MigrateOptions {
  size_t batch = 1000;  // records per Append+Flush round; must be > 0
};

struct MigrateSummary {
  int64_t copied = 0;           // records appended to the target by this run
  int64_t already_present = 0;  // records found (and verified) in the target, skipped
};

using MigrateProgress = std::function<void(int64_t done, int64_t total)>;

Result<MigrateSummary> MigrateLog(EventLog& from, EventLog& to, const MigrateOptions& options,
                                  const MigrateProgress& progress = {});

}  // namespace ledger
