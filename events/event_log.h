// EventLog: the port through which the ledger appends to and reads from its log.
//
// The log is partitioned; a record's key is its stream id and every record of a
// key lands in partition PartitionForKey(key, partition_count()) (murmur2, as
// Kafka's Java clients place keys), in append order. Offsets are per partition,
// increasing, starting at 0; dense in the embedded and memory logs, not in a
// transactional Kafka topic, where commit markers take offsets that readers
// skip. Nothing may assume dense offsets: a position is "the next offset to
// read", as LogReader::next_offset() and EndOffset() give it.
//
// Adapters: EmbeddedEventLog (events/embedded, segment files on local disk),
// KafkaEventLog (events/kafka), MemoryEventLog (events/testing, for tests).
//
// Thread-safety: an EventLog is used by one writer thread at a time; readers
// obtained from OpenReader may run on other threads, each reader on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "events/status.h"

namespace ledger {

struct LogRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
};

class LogReader {
 public:
  virtual ~LogReader() = default;
  // The next record in offset order; nullopt once the reader has reached the
  // end of what is stored now (a later call may return records appended since).
  // DataLoss naming the file (or partition) and offset when stored bytes are corrupt;
  // the reader must not be used after an error.
  virtual Result<std::optional<LogRecord>> Next() = 0;
  // Where reading continues: one past the last record returned, or further
  // once the reader has seen that the offsets after it hold no record (Kafka
  // transaction markers at the partition's end). A consumer that stores this
  // as its position never waits for a record that cannot come.
  virtual int64_t next_offset() const = 0;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  virtual int32_t partition_count() const = 0;

  // Appends `values` (one or more) under `key`, contiguously, to the key's
  // partition. After a crash either all of them are in the log or none is.
  // Returns the offset of the first. The records are durable only once Flush()
  // has returned OK: callers acknowledge nothing before that.
  virtual Result<int64_t> Append(std::string_view key, std::span<const std::string> values) = 0;

  // The pipelined form of Append, for group commit: the values are queued in
  // order like Append's, and `on_offset(first offset)` is called at the latest
  // when the next Flush() returns OK (never if it fails). Adapters whose
  // offsets are known only once the append completes (Kafka: from delivery
  // reports) override it so that many appends share one round trip; the
  // default calls Append.
  virtual Status AppendAsync(std::string_view key, std::span<const std::string> values,
                             std::function<void(int64_t first_offset)> on_offset) {
    LEDGER_ASSIGN_OR_RETURN(int64_t first, Append(key, values));
    on_offset(first);
    return OkStatus();
  }

  // Makes every record appended so far durable (fdatasync for the embedded log,
  // delivery reports for Kafka). Unavailable/DataLoss on failure: after a failed
  // Flush the caller must treat unflushed appends as unknown and reopen.
  virtual Status Flush() = 0;

  // The offset the next record appended to `partition` will get.
  virtual Result<int64_t> EndOffset(int32_t partition) = 0;

  // Every partition's EndOffset, in partition order. Adapters that can ask
  // for all of them in one round trip override it (a follower polls it).
  virtual Result<std::vector<int64_t>> EndOffsets() {
    std::vector<int64_t> ends;
    for (int32_t p = 0; p < partition_count(); ++p) {
      LEDGER_ASSIGN_OR_RETURN(int64_t end, EndOffset(p));
      ends.push_back(end);
    }
    return ends;
  }

  // A reader of `partition` starting at offset `from` (0 <= from <= EndOffset).
  virtual Result<std::unique_ptr<LogReader>> OpenReader(int32_t partition, int64_t from) = 0;

  // Names the log's records wherever they are reached from: projections of
  // one log never mix with another's (their offsets would mean nothing
  // there). "" for the embedded log of a data directory (its own).
  virtual std::string Identity() const { return ""; }
};

}  // namespace ledger
