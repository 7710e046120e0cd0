// Taking a checkpoint of a log, and checking that a log extends one.
//
// Both read the whole log once through the EventLog port (ScanLog, so the
// embedded log and Kafka alike), verifying every stream's hash chain from its
// first event (hash_chain.h), and that each stream's records lie in the
// partition its key maps to. For each partition they compute, as of an end
// offset E, the PartitionMark of statement.h: the records below E, the heads
// of the streams those records reach, the Merkle root of those heads and the
// log digest of those records.
//
// Memory: the heads of one partition's streams at a time (a partition is
// read to its end, then forgotten): about 100 bytes per stream of the
// largest partition. Time: one pass over the log, one BLAKE2b per record
// beyond the chain's own.
//
// Not thread-safe with respect to `log` (one reader at a time); a writer may
// keep appending meanwhile (what it appends after E is chain-verified, not
// stated).
#pragma once

#include <functional>

#include "events/checkpoint/statement.h"
#include "events/event_log.h"

namespace ledger::checkpoint {

// Called every few thousand records: records read so far, and the sum of
// the end offsets when the scan started (an estimate of the total).
using ScanProgress = std::function<void(int64_t done, int64_t total)>;

// The statement of `log` as it stands: E = EndOffset(p) when the call starts.
// Refuses (the first error, naming "log partition P offset O: stream S seq N"
// where there is one) when a chain does not verify or a record is misplaced:
// a log that does not verify is never stated.
Result<Statement> TakeStatement(EventLog& log, Timestamp now, const ScanProgress& progress = {});

struct Extension {
  int32_t partitions = 0;
  int64_t records_stated = 0;  // records below the checkpoint's end offsets
  int64_t records_since = 0;   // records appended after them
  int64_t streams = 0;         // streams in the log now, every chain verified
};

// Whether `log` extends `stated`: the same partition count; every chain
// verifies from its first event; in each partition, the log reaches the
// stated end offset and the mark recomputed as of it equals the stated one.
// The first break, in partition then offset order, is DataLoss naming it:
//  - a chain or placement error: "log partition P offset O: stream S seq N: …";
//  - "partition P: the log ends at offset X, before the checkpoint's end
//    offset E …" (truncated, or records removed);
//  - "partition P: … as of offset E …" for a record count, stream count,
//    heads root or log digest that differs (the heads root and the log digest
//    name no stream: only the partition).
// Checks no signature (statement.h).
Result<Extension> VerifyExtends(EventLog& log, const Statement& stated,
                                const ScanProgress& progress = {});

}  // namespace ledger::checkpoint
