// The master key file: the deployment's one secret (events/privacy/README.md).
//
// It wraps every person's data key (so the key store alone reveals nothing)
// and, through a key derivation, keys the lookups (lookup_key.h). Format: one
// line "ledger-master-key-v1 <64 hex digits>". LoadOrCreateMasterKey creates
// the file when it is absent — mode 0600, written and fsynced before use —
// and says so in *created_note, for the operator; it refuses a file that
// group or others may read (the fix named), and a malformed one (the path and
// what is wrong; never the key). Thread-safe.
#pragma once

#include <string>

#include "events/privacy/secret.h"
#include "events/status.h"

namespace ledger::privacy {

Result<Secret32> LoadOrCreateMasterKey(const std::string& path, std::string* created_note);

// Reads an existing master key file only (NotFound, with what to do, if absent).
Result<Secret32> LoadMasterKey(const std::string& path);

}  // namespace ledger::privacy
