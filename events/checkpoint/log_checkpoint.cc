#include "events/checkpoint/log_checkpoint.h"

#include <algorithm>
#include <memory>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "events/checkpoint/merkle.h"
#include "events/hash_chain.h"
#include "events/identifiers.h"
#include "events/log_scan.h"

namespace ledger::checkpoint {
namespace {

// Receives each partition's mark as of its end offset as soon as it is known,
// before any later record of the partition is read, with the partition's end
// offset in the log when the scan started.
using MarkSink = std::function<Status(const PartitionMark& computed, int64_t log_end)>;

// One partition's records, in offset order: their chains, their placement,
// and the mark as of `end_offset`.
class PartitionFold {
 public:
  PartitionFold(int32_t partition, int32_t partition_count, int64_t end_offset, int64_t log_end,
                const MarkSink& sink)
      : partition_count_(partition_count), log_end_(log_end), sink_(sink) {
    mark_.partition = partition;
    mark_.end_offset = end_offset;
  }

  int32_t partition() const { return mark_.partition; }
  size_t streams() const { return heads_.size(); }

  Status Add(const LogRecord& rec, const DecodedRecord& d) {
    if (!marked_ && rec.offset >= mark_.end_offset) LEDGER_RETURN_IF_ERROR(Mark());
    const int32_t home = PartitionForKey(rec.key, partition_count_);
    if (home != mark_.partition)
      return DataLoss("stream " + rec.key + " seq " + std::to_string(d.event.seq) +
                      ": in partition " + std::to_string(mark_.partition) +
                      ", but its key belongs in partition " + std::to_string(home) +
                      " (the record was moved)");
    // A gap or a duplicate is Internal to the chain verifier (a writer's
    // broken invariant); against a checkpoint, every break is lost history.
    if (Status s = VerifyAndAdvance(heads_[rec.key], d); !s.ok()) return DataLoss(s.message());
    if (!marked_) {
      ++mark_.records;
      mark_.log_digest = LogDigestStep(mark_.log_digest, rec.offset, d.event.hash);
    }
    return OkStatus();
  }

  // Every record of the partition has been added.
  Status Finish() { return marked_ ? OkStatus() : Mark(); }

 private:
  Status Mark() {
    marked_ = true;
    std::vector<const std::pair<const std::string, ChainHead>*> sorted;
    sorted.reserve(heads_.size());
    for (const auto& entry : heads_) sorted.push_back(&entry);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
    MerkleBuilder tree;
    for (const auto* entry : sorted)
      tree.Add(HeadLeafHash(entry->first, entry->second.seq, entry->second.hash));
    mark_.streams = static_cast<int64_t>(sorted.size());
    mark_.heads_root = tree.Root();
    return sink_(mark_, log_end_);
  }

  const int32_t partition_count_;
  const int64_t log_end_;
  const MarkSink& sink_;
  PartitionMark mark_;
  bool marked_ = false;
  std::unordered_map<std::string, ChainHead> heads_;
};

struct ScanTotals {
  int64_t records = 0;
  int64_t streams = 0;
};

// Reads the whole log (ScanLog), folding each partition against
// `end_offsets[p]`; `sink` sees the marks in partition order. Returns the
// first error: a chain's or a placement's (with ScanLog's "log partition P
// offset O: "), or the sink's as it is.
Status ScanMarks(EventLog& log, const std::vector<int64_t>& end_offsets,
                 const std::vector<int64_t>& log_ends, const MarkSink& sink,
                 const ScanProgress& progress, ScanTotals* totals) {
  const int32_t n = log.partition_count();
  const int64_t total = std::accumulate(log_ends.begin(), log_ends.end(), int64_t{0});
  // A sink's error is returned as it is, not under the position of the
  // record whose arrival revealed it: it is held, and the scan stopped.
  Status held;
  const MarkSink holding_sink = [&](const PartitionMark& m, int64_t end) -> Status {
    held = sink(m, end);
    return held.ok() ? OkStatus() : Aborted("stopped");
  };
  std::unique_ptr<PartitionFold> fold;
  int32_t started = 0;  // partitions below this one have had their fold
  auto start = [&](int32_t p) {
    fold = std::make_unique<PartitionFold>(p, n, end_offsets[p], log_ends[p], holding_sink);
    started = p + 1;
  };
  // Finishes the partition being read, and those with no record up to `last`.
  auto finish_through = [&](int32_t last) -> Status {
    while (true) {
      if (fold) {
        Status s = fold->Finish();
        totals->streams += static_cast<int64_t>(fold->streams());
        fold.reset();
        LEDGER_RETURN_IF_ERROR(s);
      }
      if (started > last) return OkStatus();
      start(started);
    }
  };
  Status scan = ScanLog(log, [&](const LogRecord& rec, const DecodedRecord& d) -> Status {
    if (!fold || rec.partition != fold->partition()) {
      LEDGER_RETURN_IF_ERROR(finish_through(rec.partition - 1));
      start(rec.partition);
    }
    if (++totals->records % 4096 == 0 && progress) progress(totals->records, total);
    return fold->Add(rec, d);
  });
  if (!held.ok()) return held;
  LEDGER_RETURN_IF_ERROR(scan);
  Status last = finish_through(n - 1);
  if (!held.ok()) return held;
  LEDGER_RETURN_IF_ERROR(last);
  if (progress) progress(totals->records, total);
  return OkStatus();
}

std::string Num(int64_t v) { return std::to_string(v); }

// The first difference between the mark recomputed from the log and the
// stated one, as DataLoss naming the partition.
Status CompareMark(const PartitionMark& got, const PartitionMark& want, int64_t log_end) {
  const std::string where = "partition " + Num(want.partition) + ": ";
  const std::string as_of = " below offset " + Num(want.end_offset);
  if (log_end < want.end_offset)
    return DataLoss(where + "the log ends at offset " + Num(log_end) +
                    ", before the checkpoint's end offset " + Num(want.end_offset) + ": offsets " +
                    Num(log_end) + " to " + Num(want.end_offset - 1) +
                    " are gone (the partition was truncated, or records were removed)");
  if (got.records != want.records)
    return DataLoss(where + Num(got.records) + " records" + as_of + ", the checkpoint counted " +
                    Num(want.records) + " (records were removed or inserted)");
  if (got.streams != want.streams)
    return DataLoss(where + Num(got.streams) + " streams have events" + as_of +
                    ", the checkpoint counted " + Num(want.streams) +
                    " (a stream was removed or added)");
  if (got.heads_root != want.heads_root)
    return DataLoss(where + "the heads of its " + Num(got.streams) + " streams as of offset " +
                    Num(want.end_offset) + " recompute to Merkle root " + ToHex(got.heads_root) +
                    ", the checkpoint states " + ToHex(want.heads_root) +
                    " (the last event before the checkpoint of some stream was removed, replaced "
                    "or re-sealed)");
  if (got.log_digest != want.log_digest)
    return DataLoss(where + "the records" + as_of + " recompute to log digest " +
                    ToHex(got.log_digest) + ", the checkpoint states " + ToHex(want.log_digest) +
                    " (records were moved, reordered, inserted or replaced)");
  return OkStatus();
}

}  // namespace

Result<Statement> TakeStatement(EventLog& log, Timestamp now, const ScanProgress& progress) {
  LEDGER_ASSIGN_OR_RETURN(std::vector<int64_t> ends, log.EndOffsets());
  Statement s;
  s.created_at = now;
  ScanTotals totals;
  LEDGER_RETURN_IF_ERROR(ScanMarks(
      log, ends, ends,
      [&](const PartitionMark& m, int64_t) {
        s.partitions.push_back(m);
        return OkStatus();
      },
      progress, &totals));
  std::vector<Hash> roots;
  for (const PartitionMark& m : s.partitions) roots.push_back(m.heads_root);
  s.root = RootOverPartitions(roots);
  return s;
}

Result<Extension> VerifyExtends(EventLog& log, const Statement& stated,
                                const ScanProgress& progress) {
  const int32_t n = log.partition_count();
  if (stated.partitions.size() != static_cast<size_t>(n))
    return DataLoss("the checkpoint states " + Num(static_cast<int64_t>(stated.partitions.size())) +
                    " partitions, the log has " + Num(n));
  LEDGER_ASSIGN_OR_RETURN(std::vector<int64_t> log_ends, log.EndOffsets());
  std::vector<int64_t> ends;
  Extension ext;
  ext.partitions = n;
  for (const PartitionMark& m : stated.partitions) {
    ends.push_back(m.end_offset);
    ext.records_stated += m.records;
  }
  ScanTotals totals;
  LEDGER_RETURN_IF_ERROR(ScanMarks(
      log, ends, log_ends,
      [&](const PartitionMark& got, int64_t log_end) {
        return CompareMark(got, stated.partitions[got.partition], log_end);
      },
      progress, &totals));
  ext.records_since = totals.records - ext.records_stated;
  ext.streams = totals.streams;
  return ext;
}

}  // namespace ledger::checkpoint
