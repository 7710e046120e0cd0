#include "ops/cli/checkpoint_command.h"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "events/checkpoint/log_checkpoint.h"
#include "events/file_replace.h"
#include "ops/cli/checkpoint_keys.h"
#include "ops/console/progress.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using checkpoint::Statement;

// A checkpoint of the largest log (1024 partitions) is about 250 KiB.
constexpr std::uintmax_t kMaxCheckpointBytes = 16u << 20;

checkpoint::ScanProgress BarProgress(std::unique_ptr<ProgressBar>& bar, const char* label) {
  return [&bar, label](int64_t done, int64_t total) {
    if (!bar) bar = std::make_unique<ProgressBar>(label, total);
    bar->Update(done);
  };
}

Result<std::string> ReadCheckpointFile(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return NotFound("checkpoint " + path + ": cannot read it (" + ec.message() + ")");
  if (size > kMaxCheckpointBytes)
    return InvalidArgument("checkpoint " + path + ": too large to be a checkpoint");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return Unavailable("checkpoint " + path + ": cannot read it");
  return ss.str();
}

}  // namespace

Status RunCheckpoint(const LogFlags& flags, const CheckpointRequest& req, Timestamp now,
                     std::FILE* out) {
  if (req.output.empty())
    return InvalidArgument("-o FILE: where to write the checkpoint ('-' for stdout)");
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenLog(flags, LogAccess::kRead));
  fs::path key_path = req.key;
  if (key_path.empty()) {
    std::error_code ec;
    fs::create_directories(flags.data, ec);  // a Kafka log's --data may not exist yet
    key_path = DefaultCheckpointKeyPath(flags);
  }
  const fs::path pub_path = CheckpointPublicKeyPath(key_path);
  LEDGER_ASSIGN_OR_RETURN(CheckpointKey key, LoadOrCreateCheckpointKey(key_path));
  if (key.created)
    fmt::print(
        stderr,
        "ledger checkpoint: created the signing key {} (mode 0600: keep it secret and back it up); "
        "its public half is {}: give a copy of that file to auditors (ledger verify "
        "--public-key)\n",
        key_path.string(), pub_path.string());

  std::unique_ptr<ProgressBar> bar;
  Result<Statement> statement =
      checkpoint::TakeStatement(*log, now, BarProgress(bar, "checkpoint"));
  if (bar) bar->Finish();
  if (!statement.ok())
    return statement.status().WithContext("no checkpoint written: the log does not verify");
  const std::string file = checkpoint::SignStatement(*statement, key.key);
  if (req.output == "-") {
    std::fwrite(file.data(), 1, file.size(), out);
    std::fflush(out);
  } else {
    LEDGER_RETURN_IF_ERROR(ReplaceFile(req.output, file, 0644));
  }
  int64_t records = 0, streams = 0;
  for (const checkpoint::PartitionMark& m : statement->partitions) {
    records += m.records;
    streams += m.streams;
  }
  fmt::print(
      req.output == "-" ? stderr : out,
      "checkpoint {}: {} partitions, {} records, {} streams, every chain verified; Merkle root {}; "
      "signed with {} (public key {})\n",
      req.output == "-" ? "written to stdout" : req.output, statement->partitions.size(), records,
      streams, HexOf(statement->root), key_path.string(), pub_path.string());
  return OkStatus();
}

Status RunVerifyCheckpoint(const LogFlags& flags, const VerifyCheckpointRequest& req,
                           std::FILE* out) {
  const std::string& path = req.checkpoint;
  LEDGER_ASSIGN_OR_RETURN(std::string text, ReadCheckpointFile(path));
  Result<checkpoint::SignedCheckpoint> parsed = checkpoint::ParseCheckpoint(text);
  if (!parsed.ok())
    return parsed.status().WithContext("checkpoint " + path + " is not a valid checkpoint");
  const fs::path pub_path = req.public_key.empty()
                                ? CheckpointPublicKeyPath(DefaultCheckpointKeyPath(flags))
                                : fs::path(req.public_key);
  LEDGER_ASSIGN_OR_RETURN(checkpoint::PublicKey trusted, LoadCheckpointPublicKey(pub_path));
  if (Status s = checkpoint::VerifyStatementSignature(*parsed, trusted); !s.ok())
    return s.WithContext("checkpoint " + path + " refused (trusted key " + pub_path.string() + ")");

  const std::string no = "the log does not extend checkpoint " + path;
  Result<std::unique_ptr<EventLog>> log = OpenLog(flags, LogAccess::kRead);
  if (!log.ok())
    return log.status().WithContext(
        log.status().code() == StatusCode::kDataLoss ? no : "cannot read the log");
  std::unique_ptr<ProgressBar> bar;
  Result<checkpoint::Extension> ext =
      checkpoint::VerifyExtends(**log, parsed->statement, BarProgress(bar, "verifying"));
  if (bar) bar->Finish();
  if (!ext.ok()) return ext.status().WithContext(no);
  fmt::print(out,
             "checkpoint {} verified: the log extends it — {} partitions, {} records up to its end "
             "offsets and {} "
             "appended since, every chain of {} streams verified from its first event; signed {} "
             "by key {}… "
             "(trusted: {})\n",
             path, ext->partitions, ext->records_stated, ext->records_since, ext->streams,
             FormatRfc3339(parsed->statement.created_at), checkpoint::ToHex(trusted).substr(0, 16),
             pub_path.string());
  return OkStatus();
}

}  // namespace ledger
