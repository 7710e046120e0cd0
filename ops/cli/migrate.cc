#include "ops/cli/migrate.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "events/identifiers.h"
#include "events/log_scan.h"

namespace ledger {
namespace {

std::string SourceAt(int32_t p, int64_t offset) { return "source " + LogPosition(p, offset); }
std::string TargetAt(int32_t p, int64_t offset) { return "target " + LogPosition(p, offset); }

// The record at `offset`, which the reader must be at: a reader that ends
// early or skips an offset is DataLoss (the port promises dense offsets up to
// EndOffset).
Result<LogRecord> ReadAt(LogReader& reader, const std::string& which, int32_t p, int64_t offset) {
  const std::string where = which + " " + LogPosition(p, offset);
  Result<std::optional<LogRecord>> next = reader.Next();
  if (!next.ok()) return next.status().WithContext(where);
  if (!next->has_value())
    return DataLoss(where + ": the reader ended before the partition's end offset");
  LogRecord rec = std::move(**next);
  if (rec.offset != offset)
    return DataLoss(where + ": the reader returned offset " + std::to_string(rec.offset) +
                    " instead (a gap in the log)");
  return rec;
}

struct PartitionPlan {
  int64_t source_end = 0;
  int64_t target_end = 0;  // records already in the target, verified
};

// Checks that target partition p holds a prefix of source partition p, record
// by record. FailedPrecondition at the first difference.
Status VerifyPrefix(EventLog& from, EventLog& to, int32_t p, const PartitionPlan& plan) {
  if (plan.target_end > plan.source_end)
    return FailedPrecondition(
        TargetAt(p, plan.source_end) + ": the target holds " + std::to_string(plan.target_end) +
        " records, the source only " + std::to_string(plan.source_end) +
        ": the target is not a copy of this source (written by another ledger?); nothing copied");
  if (plan.target_end == 0) return OkStatus();
  Result<std::unique_ptr<LogReader>> src = from.OpenReader(p, 0);
  if (!src.ok()) return src.status().WithContext(SourceAt(p, 0));
  Result<std::unique_ptr<LogReader>> dst = to.OpenReader(p, 0);
  if (!dst.ok()) return dst.status().WithContext(TargetAt(p, 0));
  const int32_t count = from.partition_count();
  for (int64_t o = 0; o < plan.target_end; ++o) {
    LEDGER_ASSIGN_OR_RETURN(LogRecord a, ReadAt(**src, "source", p, o));
    LEDGER_ASSIGN_OR_RETURN(LogRecord b, ReadAt(**dst, "target", p, o));
    if (a.key != b.key || a.value != b.value) {
      std::string what = a.key != b.key ? "key '" + b.key + "' where the source has '" + a.key + "'"
                                        : "another value for key '" + a.key + "'";
      return FailedPrecondition(TargetAt(p, o) + ": the target holds " + what +
                                ": it diverges from the source; nothing copied");
    }
    if (PartitionForKey(a.key, count) != p)
      return DataLoss(SourceAt(p, o) + ": key '" + a.key + "' belongs in partition " +
                      std::to_string(PartitionForKey(a.key, count)));
  }
  return OkStatus();
}

// The first offsets the target reports for one batch's appends. Shared with
// the callbacks so that an adapter calling one late cannot touch a dead frame.
struct BatchAcks {
  size_t reported = 0;
  Status mismatch;
};

struct Run {
  std::string key;
  int64_t first_offset = 0;
  std::vector<std::string> values;
};

// Reads up to `n` records of partition p from `reader` (at offset `next`),
// checking each, and groups consecutive records of one key.
Result<std::vector<Run>> ReadBatch(LogReader& reader, int32_t p, int32_t count, int64_t next,
                                   int64_t n) {
  std::vector<Run> runs;
  for (int64_t o = next; o < next + n; ++o) {
    LEDGER_ASSIGN_OR_RETURN(LogRecord rec, ReadAt(reader, "source", p, o));
    if (int32_t home = PartitionForKey(rec.key, count); home != p)
      return DataLoss(SourceAt(p, o) + ": key '" + rec.key + "' belongs in partition " +
                      std::to_string(home) +
                      ": the source log is corrupt; nothing of this batch copied");
    if (runs.empty() || runs.back().key != rec.key) runs.push_back(Run{std::move(rec.key), o, {}});
    runs.back().values.push_back(std::move(rec.value));
  }
  return runs;
}

// Appends one batch's runs to the target and flushes, verifying offsets.
Status AppendBatch(EventLog& to, int32_t p, const std::vector<Run>& runs) {
  auto acks = std::make_shared<BatchAcks>();
  for (const Run& run : runs) {
    const int64_t expected = run.first_offset;
    Status queued = to.AppendAsync(run.key, run.values, [acks, p, expected](int64_t got) {
      ++acks->reported;
      if (got != expected && acks->mismatch.ok())
        acks->mismatch =
            DataLoss(TargetAt(p, expected) + ": the target gave offset " + std::to_string(got) +
                     " to this record: another writer is appending to the target");
    });
    if (!queued.ok()) return queued.WithContext(TargetAt(p, expected));
    if (!acks->mismatch.ok()) return acks->mismatch;
  }
  const int64_t first = runs.front().first_offset;
  Status flushed = to.Flush();
  if (!flushed.ok()) return flushed.WithContext(TargetAt(p, first) + ": flushing the batch");
  if (!acks->mismatch.ok()) return acks->mismatch;
  if (acks->reported != runs.size())
    return Internal(TargetAt(p, first) + ": Flush returned OK before reporting the offsets of " +
                    std::to_string(runs.size() - acks->reported) + " appends");
  return OkStatus();
}

}  // namespace

Result<MigrateSummary> MigrateLog(EventLog& from, EventLog& to, const MigrateOptions& options,
                                  const MigrateProgress& progress) {
  if (&from == &to) return InvalidArgument("migrate: the source and the target are the same log");
  if (options.batch == 0) return InvalidArgument("migrate: the batch size must be at least 1");
  const int32_t count = from.partition_count();
  if (to.partition_count() != count)
    return InvalidArgument(
        "migrate: the source log has " + std::to_string(count) + " partitions, the target " +
        std::to_string(to.partition_count()) +
        ": placement is murmur2 of the stream id modulo the partition count, so the target "
        "must have exactly as many partitions as the source (create it with " +
        std::to_string(count) + ")");

  // Plan and verify every partition before writing anything.
  std::vector<PartitionPlan> plans(static_cast<size_t>(count));
  MigrateSummary summary;
  int64_t total = 0;
  for (int32_t p = 0; p < count; ++p) {
    PartitionPlan& plan = plans[static_cast<size_t>(p)];
    Result<int64_t> src_end = from.EndOffset(p);
    if (!src_end.ok())
      return src_end.status().WithContext("source log partition " + std::to_string(p));
    Result<int64_t> dst_end = to.EndOffset(p);
    if (!dst_end.ok())
      return dst_end.status().WithContext("target log partition " + std::to_string(p));
    plan.source_end = *src_end;
    plan.target_end = *dst_end;
    LEDGER_RETURN_IF_ERROR(VerifyPrefix(from, to, p, plan));
    summary.already_present += plan.target_end;
    total += plan.source_end;
  }
  if (progress) progress(summary.already_present, total);

  const int64_t batch = static_cast<int64_t>(
      std::min<size_t>(options.batch, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
  for (int32_t p = 0; p < count; ++p) {
    const PartitionPlan& plan = plans[static_cast<size_t>(p)];
    int64_t next = plan.target_end;
    if (next == plan.source_end) continue;
    Result<std::unique_ptr<LogReader>> reader = from.OpenReader(p, next);
    if (!reader.ok()) return reader.status().WithContext(SourceAt(p, next));
    while (next < plan.source_end) {
      const int64_t n = std::min(batch, plan.source_end - next);
      LEDGER_ASSIGN_OR_RETURN(std::vector<Run> runs, ReadBatch(**reader, p, count, next, n));
      LEDGER_RETURN_IF_ERROR(AppendBatch(to, p, runs));
      next += n;
      summary.copied += n;
      if (progress) progress(summary.already_present + summary.copied, total);
    }
  }
  return summary;
}

}  // namespace ledger
