// The personal-data vault of a ledger directory (events/privacy): the master
// key file (--master-key-file, default DATA/master.key) and the key store —
// DATA/keys (RocksDB) on the embedded log, the compacted topic
// "<topic>.keys" on Kafka (shared by every ledgerd of the deployment, which
// must all be given the same master key) — assembled into a KeyVault.
//
//  kWrite  for the log's writer (ledgerd, or a `ledger` write command holding
//          the writer's lock): the master key is created on first use (a
//          note goes to `notes`: where, mode 0600, keep a backup apart) and
//          the key store opened read-write (one process at a time).
//  kRead   for readers: the master key must exist and the key store is
//          opened read-only, as it stands now; a ledger whose events were
//          never sealed has no key store: the vault is then empty (every
//          schema 1 event reads in clear without it). NotFound without the
//          master key file, saying what to give.
// Errors name the file and what to do, never a key or a personal value.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "events/privacy/key_vault.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

struct OpenedVault {
  std::unique_ptr<privacy::KeyStore> store;
  std::unique_ptr<privacy::KeyVault> vault;
};

enum class VaultAccess { kRead, kWrite };

std::string MasterKeyPath(const LogFlags& flags);
std::filesystem::path KeyStoreDir(const LogFlags& flags);

Result<OpenedVault> OpenVault(const LogFlags& flags, VaultAccess access, std::FILE* notes = stderr);

}  // namespace ledger
