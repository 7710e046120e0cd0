// The checkpoint statement and its signed file (docs/CHECKPOINTS.md).
//
// A checkpoint file is UTF-8 text, one field per line, LF line ends:
//
//   ledger-checkpoint 1
//   created_at 2026-12-01T15:04:05Z
//   partitions 12
//   partition 0 end_offset 1834 records 1834 streams 611 heads_root <64 hex> log_digest <64 hex>
//   … one line per partition, 0 to N-1 …
//   root <64 hex>
//   public_key ed25519 <64 hex>
//   signature ed25519 <128 hex>
//
// The signature is Ed25519 over the bytes of every line before it, each with
// its "\n" (the statement). There is exactly one way to write a statement
// (decimal without leading zeros, lowercase hex, single spaces): a file is
// accepted only if it is byte for byte the rendering of what it parses to,
// so no two texts carry the same statement. `root` must be
// RootOverPartitions of the heads roots (merkle.h).
//
// Pure functions; value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/checkpoint/signing_key.h"
#include "events/event.h"
#include "events/status.h"
#include "events/types.h"

namespace ledger::checkpoint {

// What a checkpoint says about one partition, as of its end offset.
struct PartitionMark {
  int32_t partition = 0;
  int64_t end_offset = 0;  // EndOffset(partition) when the checkpoint was taken
  int64_t records = 0;     // records at offsets below end_offset
  int64_t streams = 0;     // streams with at least one of those records
  Hash heads_root{};  // tree over those streams' heads (stream, last seq, last hash), by stream id
  Hash log_digest{};  // LogDigestStep over those records, in offset order
  friend bool operator==(const PartitionMark&, const PartitionMark&) = default;
};

struct Statement {
  Timestamp created_at;
  std::vector<PartitionMark> partitions;  // partition i at index i
  Hash root{};                            // RootOverPartitions of the heads roots
  friend bool operator==(const Statement&, const Statement&) = default;
};

// The canonical bytes that are signed: every line up to and including
// "public_key …". `s.root` is written as given.
std::string StatementText(const Statement& s, const PublicKey& signer);

// The whole file: StatementText then the signature line.
std::string SignStatement(const Statement& s, const SigningKey& key);

struct SignedCheckpoint {
  Statement statement;
  PublicKey signer{};  // the key the file names: proves nothing by itself
  Signature signature{};
  std::string signed_text;  // the bytes the signature covers
};

// Parses a checkpoint file. InvalidArgument "line N: …" when it is not one
// (unknown or missing line, a number or hash that does not read, partitions
// out of order, a non-canonical spelling, bytes after the signature line),
// or when `root` does not match the partitions' heads roots. Checks no
// signature: see VerifyStatementSignature.
Result<SignedCheckpoint> ParseCheckpoint(std::string_view file);

// OK when `c` names `trusted` as its signer and its signature verifies with
// it. PermissionDenied otherwise, saying which: another key (both named in
// hex), or a signature that does not verify (statement altered after signing).
Status VerifyStatementSignature(const SignedCheckpoint& c, const PublicKey& trusted);

}  // namespace ledger::checkpoint
