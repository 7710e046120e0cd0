// The flags every `ledger` command shares (ARCHITECTURE.md §7) and the one
// place that turns them into an EventLog.
//
//   --data DIR    where the ledger keeps its files (default ./ledger-data);
//                 the embedded log lives in DIR/log.
//   --log URI     `embedded` (default) or `kafka://host:port[,host:port]`.
//   --master-key-file FILE   the key that wraps every person's data key
//                 (default DATA/master.key; ops/datadir/personal_vault.h).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "aggregates/command_handler.h"
#include "aggregates/rocksdb/state_db.h"
#include "events/event_log.h"

namespace CLI {
class App;
}

namespace ledger {

struct LogFlags {
  std::string data = "./ledger-data";
  std::string log = "embedded";
  // The master key (events/privacy/master_key.h); empty: DATA/master.key.
  std::string master_key_file;
};

// Registers --data and --log on `app` (inherited by its subcommands).
void AddLogFlags(CLI::App& app, LogFlags& flags);

enum class LogAccess {
  kRead,   // the log must exist; nothing is modified
  kWrite,  // created if missing; takes the single-writer lock; refused while
           // ledgerd serves the directory (RefuseWhileServed names its pid)
  kServe,  // kWrite for ledgerd itself, which holds DATA/ledgerd.pid
  // kServe for the writer of a Kafka topic that several ledgerd follow: a
  // transactional producer (KafkaWriterElection::TransactionalId) that fences
  // every earlier writer of the topic. The same as kServe for the embedded log.
  kServeWriter,
};

std::filesystem::path EmbeddedLogDir(const LogFlags& flags);
// Where the projections of `log` live: DATA/projections for the embedded log,
// DATA/projections-kafka-<cluster id>-<topic> for a Kafka topic (its
// Identity(): offsets belong to one log, and every URI naming the same topic
// of the same cluster — another broker order, other query parameters —
// shares its store).
std::filesystem::path ProjectionDir(const LogFlags& flags, const EventLog& log);
// `ledger rebuild` builds into ProjectionDir + ".rebuild", then swaps: live →
// ".old", rebuild → live, drop ".old". RecoverProjectionSwap finishes a swap a
// crash interrupted; every opener of the projections calls it first.
std::filesystem::path RebuildDir(const LogFlags& flags, const EventLog& log);
std::filesystem::path OldProjectionDir(const LogFlags& flags, const EventLog& log);
void RecoverProjectionSwap(const LogFlags& flags, const EventLog& log);

// The write path's state (aggregates/write_state.h) of `log`: DATA/write-state
// for the embedded log, DATA/write-state-kafka-<cluster id>-<topic> for a
// topic. Derived from the log alone: deleting it costs one fold of the log at
// the next write. Every writer of the directory (ledgerd, `ledger import`,
// `submit`, `simulate`, `demo`) opens it, after the log's writer lock.
std::filesystem::path WriteStateDir(const LogFlags& flags, const EventLog& log);
struct OpenedWriteState {
  std::unique_ptr<StateDb> db;
  // For CommandHandler::Open: the store, a cache of the default size.
  WriteStateOptions options() const { return WriteStateOptions{db.get()}; }
};
Result<OpenedWriteState> OpenWriteState(const LogFlags& flags, const EventLog& log);

// The importer's index of `log` (ops/import/ledger_index.h): DATA/import-index,
// or DATA/import-index-kafka-<cluster id>-<topic>. Derived from the log alone
// like the write state; opened by `ledger import` after the log's writer lock.
std::filesystem::path ImportIndexDir(const LogFlags& flags, const EventLog& log);
// Where an import of `log` spills its plan: DATA/import.spill (or
// import.spill-kafka-…), one per log like the index, whose lock guards it.
std::filesystem::path ImportSpillDir(const LogFlags& flags, const EventLog& log);
Result<std::unique_ptr<StateDb>> OpenImportIndex(const LogFlags& flags, const EventLog& log);

// NotFound naming the directory when reading a ledger that does not exist;
// InvalidArgument for an unknown --log. A log created by kWrite gets
// `partitions` partitions when given (a kafka:// URI's own ?partitions=
// wins), else its adapter's default (12).
Result<std::unique_ptr<EventLog>> OpenLog(const LogFlags& flags, LogAccess access,
                                          std::optional<int32_t> partitions = std::nullopt);

// On Kafka: the deployment's key store topic, "<events topic>.keys" on the
// same cluster (compacted, TopicPurpose::kKeyStore), created by a writer when
// missing. NotFound for a reader when it does not exist.
Result<std::unique_ptr<EventLog>> OpenKeyStoreLog(const LogFlags& flags, bool write);
bool IsKafka(const LogFlags& flags);

}  // namespace ledger
