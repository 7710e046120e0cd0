#include "ops/journal/group_journal.h"

#include <chrono>

namespace ledger::journal {

Status GroupJournal::Record(const AccessContext& who, What what,
                            const std::vector<std::string>& accounts, Timestamp at) {
  std::vector<AccessEntry> mine = EntriesOf(who, what, accounts, at);
  if (mine.empty()) return OkStatus();
  // A bad entry must not fail the group it would join: refuse it alone, now.
  for (const AccessEntry& e : mine) LEDGER_RETURN_IF_ERROR(Validate(e));
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) open_ = std::make_shared<Group>();
  std::shared_ptr<Group> group = open_;
  group->entries.insert(group->entries.end(), std::make_move_iterator(mine.begin()),
                        std::make_move_iterator(mine.end()));
  // Wait while another group is being written; then either ours was written
  // by a leader that took it, or it is still open_ and this thread leads.
  written_.wait(lock, [&] { return group->done || !writing_; });
  if (group->done) return group->result;
  writing_ = true;
  open_.reset();
  lock.unlock();
  const size_t count = group->entries.size();
  const auto start = std::chrono::steady_clock::now();
  Result<std::vector<AccessEntry>> appended = journal_.Append(std::move(group->entries));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (probe_ != nullptr) {
    if (appended.ok())
      probe_->JournalCommitted(count, seconds);
    else
      probe_->JournalFailed(count);
  }
  lock.lock();
  group->result = appended.status();
  group->done = true;
  group->entries.clear();
  writing_ = false;
  written_.notify_all();
  return group->result;
}

size_t GroupJournal::waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return open_ ? open_->entries.size() : 0;
}

}  // namespace ledger::journal
