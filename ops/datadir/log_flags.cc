#include "ops/datadir/log_flags.h"

#include <cctype>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "events/embedded/embedded_event_log.h"
#include "events/kafka/kafka_event_log.h"
#include "events/kafka/kafka_writer_election.h"
#include "ops/datadir/server_lock.h"

namespace ledger {

void AddLogFlags(CLI::App& app, LogFlags& flags) {
  app.add_option("--data", flags.data, "Directory of the ledger's files (log and projections)")
      ->capture_default_str();
  app.add_option("--log", flags.log,
                 "The event log: 'embedded' (files under --data) or kafka://host:port[,host:port]")
      ->capture_default_str();
  app.add_option("--master-key-file", flags.master_key_file,
                 "The master key that wraps every person's data key (default DATA/master.key, created "
                 "0600 by the first write; keep a backup apart from the data: PRIVACY.md)");
}

namespace {

// DATA/<what> for the embedded log, DATA/<what>-<log identity> for a Kafka topic.
std::filesystem::path PerLogDir(const LogFlags& flags, const EventLog& log, const std::string& what) {
  std::filesystem::path base = std::filesystem::path(flags.data);
  const std::string identity = log.Identity();
  if (identity.empty()) return base / what;
  std::string name = what + "-";
  for (char c : identity)
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_');
  return base / name;
}

}  // namespace

std::filesystem::path ProjectionDir(const LogFlags& flags, const EventLog& log) {
  return PerLogDir(flags, log, "projections");
}

std::filesystem::path WriteStateDir(const LogFlags& flags, const EventLog& log) {
  return PerLogDir(flags, log, "write-state");
}

Result<OpenedWriteState> OpenWriteState(const LogFlags& flags, const EventLog& log) {
  OpenedWriteState state;
  LEDGER_ASSIGN_OR_RETURN(state.db, StateDb::Open(WriteStateDir(flags, log)));
  return state;
}

std::filesystem::path ImportIndexDir(const LogFlags& flags, const EventLog& log) {
  return PerLogDir(flags, log, "import-index");
}

std::filesystem::path ImportSpillDir(const LogFlags& flags, const EventLog& log) {
  return PerLogDir(flags, log, "import.spill");
}

Result<std::unique_ptr<StateDb>> OpenImportIndex(const LogFlags& flags, const EventLog& log) {
  return StateDb::Open(ImportIndexDir(flags, log));
}

std::filesystem::path RebuildDir(const LogFlags& f, const EventLog& log) {
  return ProjectionDir(f, log).string() + ".rebuild";
}
std::filesystem::path OldProjectionDir(const LogFlags& f, const EventLog& log) {
  return ProjectionDir(f, log).string() + ".old";
}

void RecoverProjectionSwap(const LogFlags& f, const EventLog& log) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path live = ProjectionDir(f, log), old = OldProjectionDir(f, log),
                 rebuild = RebuildDir(f, log);
  if (!fs::exists(live) && fs::exists(old) && fs::exists(rebuild)) fs::rename(rebuild, live, ec);
  if (fs::exists(live) && fs::exists(old)) fs::remove_all(old, ec);
}

std::filesystem::path EmbeddedLogDir(const LogFlags& flags) {
  return std::filesystem::path(flags.data) / "log";
}

bool IsKafka(const LogFlags& flags) { return flags.log.rfind("kafka://", 0) == 0; }

Result<std::unique_ptr<EventLog>> OpenKeyStoreLog(const LogFlags& flags, bool write) {
  LEDGER_ASSIGN_OR_RETURN(KafkaLogOptions options, ParseKafkaUri(flags.log));
  options.purpose = TopicPurpose::kKeyStore;
  options.topic += ".keys";
  if (!options.partitions_given) options.partitions = 6;
  options.on_warning = [](const std::string& w) { std::fprintf(stderr, "ledger: warning: %s\n", w.c_str()); };
  options.read_only = !write;
  options.create_topic_if_missing = write;
  LEDGER_ASSIGN_OR_RETURN(auto log, KafkaEventLog::Open(options));
  return std::unique_ptr<EventLog>(std::move(log));
}

Result<std::unique_ptr<EventLog>> OpenLog(const LogFlags& flags, LogAccess access,
                                          std::optional<int32_t> partitions) {
  if (access == LogAccess::kWrite) LEDGER_RETURN_IF_ERROR(RefuseWhileServed(flags, "append to the log"));
  const bool write = access != LogAccess::kRead;
  if (flags.log.rfind("kafka://", 0) == 0) {
    LEDGER_ASSIGN_OR_RETURN(KafkaLogOptions options, ParseKafkaUri(flags.log));
    if (partitions && !options.partitions_given) options.partitions = *partitions;
    // Topic settings worth a look (kafka_topic_settings.h) go to stderr.
    options.on_warning = [](const std::string& w) { std::fprintf(stderr, "ledger: warning: %s\n", w.c_str()); };
    options.read_only = !write;
    options.create_topic_if_missing = write;
    if (access == LogAccess::kServeWriter) options.transactional_id = KafkaWriterElection::TransactionalId(options.topic);
    LEDGER_ASSIGN_OR_RETURN(auto log, KafkaEventLog::Open(options));
    return std::unique_ptr<EventLog>(std::move(log));
  }
  if (flags.log != "embedded")
    return InvalidArgument("--log " + flags.log +
                           ": expected 'embedded' or " + kKafkaUriShape);
  if (access == LogAccess::kRead && !std::filesystem::is_directory(flags.data))
    return NotFound("no ledger at " + flags.data +
                    " (directory missing): pass --data pointing at a ledger directory, or run "
                    "`ledger demo` to create one");
  EmbeddedLogOptions options;
  options.read_only = !write;
  options.create_if_missing = write;
  if (partitions) options.partitions = *partitions;
  LEDGER_ASSIGN_OR_RETURN(auto log, EmbeddedEventLog::Open(EmbeddedLogDir(flags), options));
  return std::unique_ptr<EventLog>(std::move(log));
}

}  // namespace ledger
