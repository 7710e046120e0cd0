#include "ops/cli/submit_command.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/core.h>

#include "aggregates/command_json.h"
#include "ops/cli/http_client.h"
#include "ops/console/progress.h"
#include "ops/datadir/personal_vault.h"

namespace ledger {
namespace {

struct Totals {
  size_t appended = 0, replayed = 0, refused = 0, events = 0;
};

Result<std::vector<Command>> ReadCommands(const std::string& file, std::vector<std::string>* lines) {
  std::ifstream in(file);
  if (!in) return NotFound(file + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<Command> out;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file + ":" + std::to_string(n);
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return InvalidArgument(where + ": malformed JSON at " + JsonSyntaxError(line));
    LEDGER_ASSIGN_OR_RETURN(Command c, CommandFromJson(j, where));
    out.push_back(std::move(c));
    lines->push_back(line);
  }
  if (out.empty()) return InvalidArgument(file + ": no command in it (one JSON object per line)");
  return out;
}

void Count(const Json& result, Totals& t) {
  const std::string outcome = result.value("outcome", "");
  if (outcome == "appended") ++t.appended, t.events += result["events"].size();
  else if (outcome == "replayed") ++t.replayed;
  else ++t.refused;
}

Status SubmitLocally(const LogFlags& flags, const std::vector<Command>& cmds, size_t batch, const Clock& clock,
                     std::FILE* out, Totals& t) {
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenLog(flags, LogAccess::kWrite));
  LEDGER_ASSIGN_OR_RETURN(OpenedVault vault, OpenVault(flags, VaultAccess::kWrite));
  LEDGER_ASSIGN_OR_RETURN(OpenedWriteState state, OpenWriteState(flags, *log));
  LEDGER_ASSIGN_OR_RETURN(auto handler, CommandHandler::Open(*log, clock, vault.vault.get(), state.options()));
  ProgressBar bar("submitting", static_cast<int64_t>(cmds.size()));
  for (size_t i = 0; i < cmds.size(); i += batch) {
    std::span<const Command> group(cmds.data() + i, std::min(batch, cmds.size() - i));
    std::vector<Result<Outcome>> results = handler->HandleBatch(group);
    for (size_t k = 0; k < results.size(); ++k) {
      if (!results[k].ok() && !IsRefusal(results[k].status()))
        return results[k].status().WithContext(fmt::format("command {} of the file (nothing after it was "
                                                           "appended; resubmit the file: what is in is replayed)",
                                                           i + k + 1));
      Json r = OutcomeToJson(group[k].id, results[k]);
      Count(r, t);
      fmt::print(out, "{}\n", r.dump());
    }
    bar.Update(static_cast<int64_t>(i + group.size()));
  }
  bar.Finish();
  return OkStatus();
}

Status SubmitToServer(const SubmitRequest& req, const std::vector<std::string>& lines, std::FILE* out, Totals& t) {
  std::string token;
  if (!req.token_file.empty()) {
    std::ifstream in(req.token_file);
    if (!in || !std::getline(in, token)) return NotFound("--token-file " + req.token_file + ": cannot read a token");
  } else if (const char* env = std::getenv("LEDGER_TOKEN")) {
    token = env;
  }
  if (token.empty())
    return InvalidArgument("--server needs a service token: set LEDGER_TOKEN or pass --token-file "
                           "(`ledger token add --role service` makes one)");
  ProgressBar bar("submitting", static_cast<int64_t>(lines.size()));
  for (size_t i = 0; i < lines.size(); i += req.batch) {
    std::string body = "[";
    for (size_t k = i; k < std::min(lines.size(), i + req.batch); ++k) body += (k > i ? "," : "") + lines[k];
    body += "]";
    Result<HttpReply> reply = Unavailable("not sent");
    for (int attempt = 0; attempt < 8; ++attempt) {  // a 503 (loading, a writer restarting) is worth waiting for
      reply = HttpCall(req.server, "POST", "/v1/commands", body, token, std::chrono::seconds(120));
      if (reply.ok() && reply->status != 503) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
    }
    if (!reply.ok()) return reply.status();
    Json doc = Json::parse(reply->body, nullptr, false);
    if (reply->status != 200 || !doc.contains("results")) {
      std::string why = doc.is_object() && doc.contains("error") ? doc["error"].value("message", "") : reply->body;
      return Unavailable(fmt::format("ledgerd answered {} for commands {}..{}: {}", reply->status, i + 1,
                                     std::min(lines.size(), i + req.batch), why));
    }
    for (const Json& r : doc["results"]) {
      Count(r, t);
      fmt::print(out, "{}\n", r.dump());
    }
    bar.Update(static_cast<int64_t>(std::min(lines.size(), i + req.batch)));
  }
  bar.Finish();
  return OkStatus();
}

}  // namespace

Status RunSubmit(const LogFlags& flags, const SubmitRequest& req, const Clock& clock) {
  std::vector<std::string> lines;
  LEDGER_ASSIGN_OR_RETURN(std::vector<Command> cmds, ReadCommands(req.file, &lines));
  return SubmitCommands(flags, req, cmds, lines, clock);
}

Status SubmitCommands(const LogFlags& flags, const SubmitRequest& req, const std::vector<Command>& cmds,
                      const std::vector<std::string>& lines, const Clock& clock) {
  std::FILE* out = stdout;
  if (!req.output.empty() && req.output != "-") {
    out = std::fopen(req.output.c_str(), "w");
    if (out == nullptr) return Unavailable("cannot create " + req.output + ": " + std::strerror(errno));
  }
  Totals t;
  Status s = req.server.empty() ? SubmitLocally(flags, cmds, req.batch, clock, out, t)
                                : SubmitToServer(req, lines, out, t);
  if (out != stdout) std::fclose(out);
  if (t.appended + t.replayed + t.refused > 0 || s.ok())
    fmt::print(stderr, "submitted {} commands{}: {} appended ({} events), {} replayed, {} refused\n", cmds.size(),
             req.server.empty() ? "" : " to " + req.server, t.appended, t.events, t.replayed, t.refused);
  LEDGER_RETURN_IF_ERROR(s);
  if (t.refused > 0)
    return FailedPrecondition(std::to_string(t.refused) + " command(s) refused: their results say why");
  return OkStatus();
}

}  // namespace ledger
