// `ledger demo --serve`: after the demo, starts ledgerd on the demo ledger and
// prints the dashboard's URL and a fresh dashboard token, so a newcomer sees
// the académie's tables in a browser. The token is named "demo-tableau"
// (role dashboard, national scope); an earlier one of that name is revoked
// first. ledgerd is the `ledgerd` binary beside `ledger`; this process waits
// for it (Ctrl-C stops both: ledgerd exits cleanly) and returns its exit code.
#pragma once

#include <string>

#include "events/status.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

// `listen`: HOST:PORT for ledgerd (port 0: any free port). Returns ledgerd's
// exit status; Unavailable when it cannot be started or prints no URL.
Result<int> ServeDemo(const LogFlags& flags, const std::string& listen, std::FILE* out);

}  // namespace ledger
