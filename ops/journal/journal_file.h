// AccessJournal: the access journal's file, DATA/access-journal.jsonl (format:
// entry.h) — appended by ledgerd and by every `ledger` process that reads a
// person's data, read back by `ledger access-log` with its whole chain verified.
//
// Append, all under an exclusive flock(2) of the file itself (every appender,
// of any process or thread, opens its own descriptor and takes it):
//  - open the file (O_APPEND; created 0600, its folder then synced);
//  - read the last line's seq and hash (one read near the end, whatever the
//    file's size);
//  - drop an unterminated last line: a write cut short by a crash or a full
//    disk, never synced, so the read it recorded was never answered;
//  - write the new lines in one write(2), fdatasync, unlock.
// An entry is durable once Append returns OK; only then may its read be
// answered. On any failure nothing new stays in the file (what was written is
// truncated away) and the caller must refuse the read.
//
// Read verifies every line from the first: seq = line number, prev_hash = the
// previous line's hash (zeros on line 1), hash = EntryHash(prev_hash, entry).
// An edited line breaks its own hash; a deleted, inserted or moved line breaks
// the link of the line now in its place. Removing the last lines leaves a
// shorter valid chain: keep the head (seq and hash Read reports) elsewhere to
// detect that (docs/ACCESS_JOURNAL.md).
//
// Thread-safety: an AccessJournal is immutable; Append and Read may run from
// any number of threads and processes at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "events/status.h"
#include "ops/journal/entry.h"

namespace ledger::journal {

// DATA/access-journal.jsonl.
std::filesystem::path JournalPath(const std::filesystem::path& data_dir);

struct JournalHead {
  uint64_t entries = 0;  // verified entries (the last seq)
  Hash hash{};           // the last entry's hash; zeros when empty
  bool torn_tail =
      false;  // an unterminated last line (a write in progress or cut short) was left out
};

class AccessJournal {
 public:
  explicit AccessJournal(std::filesystem::path file) : file_(std::move(file)) {}
  const std::filesystem::path& file() const { return file_; }

  // Chains `entries` (their seq and hashes are set here) after the file's
  // last entry and makes them durable; returns them as written.
  // InvalidArgument (entry.h's Validate) before touching the file; Unavailable
  // "access journal PATH: cannot …: <errno text>" when the file cannot be
  // opened, locked, written or synced; DataLoss when its last complete line
  // is not an entry (nothing can be chained after it until it is repaired).
  Result<std::vector<AccessEntry>> Append(std::vector<AccessEntry> entries) const;

  // Reads every line in order, verifying the chain, and calls `visit` with
  // each verified entry. A missing file is an empty journal. DataLoss
  // "access journal PATH, line N: why" at the first line that breaks the
  // chain (entries before it have been visited); Unavailable when unreadable.
  Result<JournalHead> Read(const std::function<void(const AccessEntry&)>& visit) const;

 private:
  std::filesystem::path file_;
};

}  // namespace ledger::journal
