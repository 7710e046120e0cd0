// The access journal on `ledger`'s side (ARCHITECTURE.md §9, docs/ACCESS_JOURNAL.md):
// every read of a person's data a `ledger` process answers is appended to
// DATA/access-journal.jsonl (ops/journal) before the answer is printed.
//
// Who reads: --who NAME, else the OS user running `ledger` (the login name of
// the real uid; "uid-N" when it has none the journal can hold); role
// "operator" (a person with shell access to the ledger's files); via "cli";
// the reason from --reason TEXT ("" when none). The journal is synced before
// the call returns; when it cannot be written the read must not be answered:
// the error says so (exit 1).
// Not thread-safe to share an AccessContext being edited; otherwise stateless.
#pragma once

#include <string>
#include <vector>

#include "events/status.h"
#include "ops/datadir/log_flags.h"
#include "ops/journal/entry.h"

namespace CLI {
class App;
}

namespace ledger {

// Registers --who and --reason on a read command (their values checked as the
// journal will: a usage error, exit 2, never repeating the value).
void AddAccessFlags(CLI::App& app, journal::AccessContext& access);

// The OS user running this process, as a journal `who`.
std::string OsUserName();

// The demos' own reads (`ledger demo`): the OS user, reason "ledger demo".
journal::AccessContext DemoAccess();

// Journals one read: one entry per account of `accounts` (none: nothing),
// `access` completed as the header says. Call it after the answer is computed
// and before any of it is printed. Unavailable / DataLoss / InvalidArgument
// saying that the read is refused and why.
Status JournalRead(const LogFlags& flags, journal::AccessContext access, journal::What what,
                   const std::vector<std::string>& accounts);

// For `ledger export --with-personal-data`: call once before the first
// personal field is written. `accounts` empty (a whole export) records ONE
// entry, what "export", account "*" (every account: `ledger access-log
// --account ID` lists it for every ID); else one entry per exported account.
Status JournalPersonalDataExport(const LogFlags& flags, const journal::AccessContext& access,
                                 const std::vector<std::string>& accounts = {});

}  // namespace ledger
