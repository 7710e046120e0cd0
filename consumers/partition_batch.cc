#include "consumers/partition_batch.h"

#include "consumers/record_fold.h"

namespace ledger {

class PartitionBatch::State {
 public:
  State(const ProjectionDb& db, ViewCache* views) : fold(&db, nullptr, false, views) {}
  RecordFold fold;
  ProjectionDb::Batch batch;
};

PartitionBatch::PartitionBatch(ProjectionDb& db, int32_t partition, int64_t first_offset, ViewCache* views)
    : db_(db),
      partition_(partition),
      first_offset_(first_offset),
      next_offset_(first_offset),
      state_(std::make_unique<State>(db, views)) {}
PartitionBatch::~PartitionBatch() = default;

void PartitionBatch::Add(const LogRecord& rec) {
  if (state_->fold.Add(state_->batch, partition_, rec)) ++applied_;
  else ++quarantined_;
  next_offset_ = rec.offset + 1;
}

Status PartitionBatch::Commit(bool fenced) {
  state_->fold.WriteTo(state_->batch);
  state_->batch.SetNextOffset(partition_, next_offset_);
  std::optional<std::pair<int32_t, int64_t>> expect;
  if (fenced) expect = std::pair{partition_, first_offset_};
  return db_.Commit(state_->batch, expect);
}

}  // namespace ledger
