// `ledger checkpoint -o FILE` and `ledger verify --checkpoint FILE`
// (ARCHITECTURE.md §9, "Proof that history was not rewritten";
// docs/CHECKPOINTS.md).
//
// checkpoint: reads the whole log (--data/--log, read-only: it may run beside
// ledgerd), verifies every chain, and writes FILE: the signed statement of
// every partition's end offset and the Merkle root over the stream heads
// (events/checkpoint/statement.h). The signing key is DATA/checkpoint.key
// (or --key), created on first use with a notice on stderr naming it and its
// public half (ops/cli/checkpoint_keys.h). A log whose chains do not verify
// is refused, and FILE is then not written.
//
// verify: checks FILE's signature against the trusted public key
// (DATA/checkpoint.pub, or --public-key), then that the log extends it
// (events/checkpoint/log_checkpoint.h). Prints one line on stdout when it
// does; otherwise returns the first break (PermissionDenied for the file,
// DataLoss naming partition / offset / stream / seq for the log).
//
// Both show a progress bar on a terminal. Not thread-safe.
#pragma once

#include <cstdio>
#include <string>

#include "events/status.h"
#include "events/types.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

struct CheckpointRequest {
  std::string output;  // FILE, or "-" for stdout
  std::string key;     // the private key file; "" = DATA/checkpoint.key
};
Status RunCheckpoint(const LogFlags& flags, const CheckpointRequest& req, Timestamp now,
                     std::FILE* out);

struct VerifyCheckpointRequest {
  std::string checkpoint;  // FILE
  std::string public_key;  // the trusted key file; "" = DATA/checkpoint.pub
};
Status RunVerifyCheckpoint(const LogFlags& flags, const VerifyCheckpointRequest& req,
                           std::FILE* out);

}  // namespace ledger
