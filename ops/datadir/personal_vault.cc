#include "ops/datadir/personal_vault.h"

#include <fmt/core.h>

#include "events/privacy/master_key.h"
#include "events/privacy/log_key_store.h"
#include "events/privacy/rocksdb/rocksdb_key_store.h"

namespace ledger {

std::string MasterKeyPath(const LogFlags& flags) {
  return flags.master_key_file.empty() ? (std::filesystem::path(flags.data) / "master.key").string()
                                       : flags.master_key_file;
}

std::filesystem::path KeyStoreDir(const LogFlags& flags) { return std::filesystem::path(flags.data) / "keys"; }

Result<OpenedVault> OpenVault(const LogFlags& flags, VaultAccess access, std::FILE* notes) {
  const std::string path = MasterKeyPath(flags);
  OpenedVault out;
  if (access == VaultAccess::kWrite) {
    std::error_code ec;
    std::filesystem::create_directories(flags.data, ec);
    std::string note;
    LEDGER_ASSIGN_OR_RETURN(privacy::Secret32 master, privacy::LoadOrCreateMasterKey(path, &note));
    if (!note.empty() && notes != nullptr) fmt::print(notes, "ledger: {}\n", note);
    if (IsKafka(flags)) {
      LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenKeyStoreLog(flags, /*write=*/true));
      LEDGER_ASSIGN_OR_RETURN(out.store, privacy::LogKeyStore::Open(std::move(log)));
    } else {
      LEDGER_ASSIGN_OR_RETURN(out.store, privacy::RocksDbKeyStore::Open(KeyStoreDir(flags), /*read_only=*/false));
    }
    out.vault = std::make_unique<privacy::KeyVault>(*out.store, master);
    return out;
  }
  LEDGER_ASSIGN_OR_RETURN(privacy::Secret32 master, privacy::LoadMasterKey(path));
  Result<std::unique_ptr<privacy::KeyStore>> store = [&]() -> Result<std::unique_ptr<privacy::KeyStore>> {
    if (IsKafka(flags)) {
      LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenKeyStoreLog(flags, /*write=*/false));
      LEDGER_ASSIGN_OR_RETURN(auto s, privacy::LogKeyStore::Open(std::move(log)));
      return std::unique_ptr<privacy::KeyStore>(std::move(s));
    }
    LEDGER_ASSIGN_OR_RETURN(auto s, privacy::RocksDbKeyStore::Open(KeyStoreDir(flags), /*read_only=*/true));
    return std::unique_ptr<privacy::KeyStore>(std::move(s));
  }();
  if (store.ok()) {
    out.store = std::move(*store);
  } else if (store.status().code() == StatusCode::kNotFound) {
    out.store = std::make_unique<privacy::MemoryKeyStore>();  // nothing was ever sealed
  } else {
    return store.status();
  }
  out.vault = std::make_unique<privacy::KeyVault>(*out.store, master);
  return out;
}

}  // namespace ledger
