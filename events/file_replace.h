// ReplaceFile: writes a small file whole, so that a crash leaves the old
// contents or the new, never part of either: PATH.tmp written and fsynced,
// renamed over PATH, the folder fsynced. For the ledger's side files (token
// store, establishment directory, profile.json). Unavailable "PATH: cannot
// write (reason)" on an I/O error (the temporary file removed).
// Concurrent replaces of one path are not supported (callers lock).
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

#include "events/status.h"

namespace ledger {

Status ReplaceFile(const std::string& path, std::string_view contents, mode_t mode = 0644);

}  // namespace ledger
