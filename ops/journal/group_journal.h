// GroupJournal: the access journal for a server answering many reads at once
// (ledgerd) — reads arriving while an append is in flight are journalled
// together in the next one: one flock, one write, one fdatasync per group
// instead of one per read (group commit, as the service's command writer).
//
// Record() returns once its entries are durable (the group holding them was
// synced), or with the error of that group's append, which every read of the
// group must then refuse. No thread of its own: the first caller to find no
// append in flight writes the group (leader), the others wait for it.
//
// Thread-safety: Record from any number of threads. The probe is called from
// the writing thread; it must outlive the GroupJournal.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ops/journal/journal_file.h"

namespace ledger::journal {

// What the journal tells metrics (ops/server/metrics.h implements it).
class JournalProbe {
 public:
  virtual ~JournalProbe() = default;
  // A group of `entries` entries made durable in `seconds` (lock, write, sync).
  virtual void JournalCommitted(size_t entries, double seconds) = 0;
  // A group of `entries` entries that could not be written: their reads were refused.
  virtual void JournalFailed(size_t entries) = 0;
};

class GroupJournal {
 public:
  // `probe` may be null.
  explicit GroupJournal(std::filesystem::path file, JournalProbe* probe = nullptr)
      : journal_(std::move(file)), probe_(probe) {}
  const std::filesystem::path& file() const { return journal_.file(); }

  // One entry per account of `accounts` (none: OK at once), made durable with
  // whatever else is waiting. Errors: AccessJournal::Append's.
  Status Record(const AccessContext& who, What what, const std::vector<std::string>& accounts,
                Timestamp at);

  // Entries waiting for the next append (for tests and metrics).
  size_t waiting();

 private:
  struct Group {
    std::vector<AccessEntry> entries;
    bool done = false;
    Status result;
  };

  AccessJournal journal_;
  JournalProbe* probe_;
  std::mutex mu_;
  std::condition_variable written_;
  bool writing_ = false;
  std::shared_ptr<Group> open_;  // collecting entries for the next append
};

}  // namespace ledger::journal
