// `ledger token add|list|revoke`: the bearer tokens of ledgerd (ARCHITECTURE.md
// §9), stored as hashes in DATA/tokens (ops/auth/token_store.h). `add` prints
// the new token alone on stdout, once; `list` never shows a token (it cannot:
// only hashes are kept) but a fingerprint, the first 8 hex digits of the hash.
// A running ledgerd sees changes on its next request.
#pragma once

#include <cstdio>
#include <string>

#include "events/status.h"
#include "ops/cli/queries.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

struct TokenAddRequest {
  std::string name;
  std::string role;
  std::string scope = "national";
};
Status RunTokenAdd(const LogFlags& flags, const TokenAddRequest& req, Timestamp now, std::FILE* out);
Status RunTokenList(const LogFlags& flags, OutputFormat format, std::FILE* out);
Status RunTokenRevoke(const LogFlags& flags, const std::string& name, Timestamp now, std::FILE* out);

}  // namespace ledger
