#include "ops/cli/migrate_command.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "events/privacy/log_key_store.h"
#include "events/privacy/rocksdb/rocksdb_key_store.h"
#include "ops/cli/migrate.h"
#include "ops/datadir/personal_vault.h"
#include "ops/console/progress.h"

namespace ledger {
namespace {

// The personal data keys follow the log: DATA/keys (wrapped, as stored) into
// the target's key store topic, those not there yet. Erased people have no
// key: they stay erased. The target deployment uses the same master key.
Status MigrateKeys(const LogFlags& flags, const LogFlags& target, std::FILE* out) {
  if (!std::filesystem::exists(KeyStoreDir(flags) / "CURRENT")) return OkStatus();  // nothing was sealed
  LEDGER_ASSIGN_OR_RETURN(auto keys, privacy::RocksDbKeyStore::Open(KeyStoreDir(flags), /*read_only=*/true));
  Result<std::unique_ptr<EventLog>> topic = OpenKeyStoreLog(target, /*write=*/true);
  if (!topic.ok()) return topic.status().WithContext("the key store topic of " + target.log);
  LEDGER_ASSIGN_OR_RETURN(auto into, privacy::LogKeyStore::Open(std::move(*topic)));
  int64_t copied = 0, present = 0;
  // Looked up a chunk at a time: a miss makes the topic's store catch up with
  // the topic (end offsets, readers), once per lookup; per key, that made a
  // scale-0.02 year's 14,000 keys take 100 s on a real cluster.
  constexpr size_t kChunk = 4096;
  std::vector<std::pair<std::string, std::string>> chunk;
  auto copy_chunk = [&]() -> Status {
    std::vector<std::string> persons;
    persons.reserve(chunk.size());
    for (const auto& [person, wrapped] : chunk) persons.push_back(person);
    LEDGER_ASSIGN_OR_RETURN(auto there, into->GetMany(persons));
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (there[i]) {
        ++present;
        continue;
      }
      ++copied;
      LEDGER_RETURN_IF_ERROR(into->Put(chunk[i].first, chunk[i].second));
    }
    chunk.clear();
    return OkStatus();
  };
  LEDGER_RETURN_IF_ERROR(keys->ForEach([&](const std::string& person, std::string_view wrapped) -> Status {
    chunk.emplace_back(person, std::string(wrapped));
    return chunk.size() == kChunk ? copy_chunk() : OkStatus();
  }));
  LEDGER_RETURN_IF_ERROR(copy_chunk());
  LEDGER_RETURN_IF_ERROR(into->Sync());
  fmt::print(out, "copied {} personal data keys to the key store topic ({} already there); run ledgerd with "
                  "the same --master-key-file\n", copied, present);
  return OkStatus();
}

}  // namespace

Status RunMigrate(const LogFlags& flags, const MigrateRequest& request, std::FILE* out) {
  if (request.to.rfind("kafka://", 0) != 0)
    return InvalidArgument("--to " + request.to +
                           ": expected kafka://host:port[,host:port] (the topic to copy the "
                           "log into)");
  if (request.to == flags.log)
    return InvalidArgument("--to " + request.to + " is the log being read (--log)");
  if (request.batch == 0) return InvalidArgument("--batch must be at least 1");
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> from, OpenLog(flags, LogAccess::kRead));
  LogFlags target = flags;
  target.log = request.to;
  Result<std::unique_ptr<EventLog>> to =
      OpenLog(target, LogAccess::kWrite, from->partition_count());
  if (!to.ok()) return to.status().WithContext("target " + request.to);

  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<ProgressBar> bar;
  Result<MigrateSummary> sum =
      MigrateLog(*from, **to, MigrateOptions{request.batch}, [&](int64_t done, int64_t total) {
        if (!bar) bar = std::make_unique<ProgressBar>("migrating", total);
        bar->Update(done);
      });
  if (bar) bar->Finish();
  if (!sum.ok())
    return sum.status().WithContext(
        "migration to " + request.to +
        " stopped (what reached the target is kept; run the same command again to resume)");
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(out,
             "migrated {} records to {} in {:.1f} s ({} already there, verified); the topic now "
             "holds the whole log: {} partitions, every record at its partition and offset\n",
             sum->copied, request.to, secs, sum->already_present, from->partition_count());
  return MigrateKeys(flags, target, out);
}

}  // namespace ledger
