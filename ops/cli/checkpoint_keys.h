// The files of the checkpoint signing key (docs/CHECKPOINTS.md, "Keys").
//
//   DATA/checkpoint.key  the Ed25519 private key, PEM PKCS#8, mode 0600;
//                        created by the first `ledger checkpoint`
//   DATA/checkpoint.pub  its public half, PEM: what auditors are given and
//                        what `ledger verify --checkpoint` trusts by default
//
// A key given elsewhere (--key K) has its public half next to it: K with
// ".key" replaced by ".pub" (or ".pub" appended). Formats: events/checkpoint/
// signing_key.h. Error messages name files and modes, never key bytes.
// Not thread-safe; two processes creating the same key at once agree on one
// (the file is linked into place only if absent).
#pragma once

#include <filesystem>

#include "events/checkpoint/signing_key.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

std::filesystem::path DefaultCheckpointKeyPath(const LogFlags& flags);  // DATA/checkpoint.key
std::filesystem::path CheckpointPublicKeyPath(
    const std::filesystem::path& key);  // …/checkpoint.pub

struct CheckpointKey {
  checkpoint::SigningKey key;
  bool created = false;  // this call created the key file (and its public half)
};

// The key at `key_path`, created with its public half when the file does not
// exist. PermissionDenied when the file is readable or writable by group or
// others ("chmod 600"); InvalidArgument when it is not an Ed25519 PEM key;
// FailedPrecondition when the public file exists but is not this key's half.
// A missing public file is written again.
Result<CheckpointKey> LoadOrCreateCheckpointKey(const std::filesystem::path& key_path);

// The public key in `path` (PEM). NotFound saying how to give one.
Result<checkpoint::PublicKey> LoadCheckpointPublicKey(const std::filesystem::path& path);

}  // namespace ledger
