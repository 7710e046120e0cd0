#include "ops/cli/access_log_command.h"

#include <map>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "ops/console/table.h"
#include "ops/journal/journal_file.h"
#include "ops/query/render.h"

namespace ledger {
namespace {

bool Matches(const AccessLogRequest& req, const journal::AccessEntry& e) {
  return (req.account.empty() || e.account == req.account || e.account == journal::kEveryAccount) &&
         (req.who.empty() || e.who == req.who);
}

Json EntryJson(const journal::AccessEntry& e) {
  return Json{
      {"seq", e.seq},         {"at", FormatRfc3339(e.at)}, {"who", e.who},
      {"role", e.role},       {"via", Name(e.via)},        {"what", Name(e.what)},
      {"account", e.account}, {"reason", e.reason},        {"prev_hash", HexOf(e.prev_hash)},
      {"hash", HexOf(e.hash)}};
}

std::string Filters(const AccessLogRequest& req) {
  std::string s;
  if (!req.account.empty()) s += "account " + req.account;
  if (!req.who.empty()) s += (s.empty() ? "" : ", ") + std::string("read by ") + req.who;
  return s.empty() ? "" : " (" + s + ")";
}

constexpr const char* kTornNote =
    "(an unfinished last line — a write in progress, or one a crash cut short before its read was\n"
    " answered — was left out)\n";

}  // namespace

Status RunAccessLog(const LogFlags& flags, const AccessLogRequest& req, std::FILE* out) {
  const journal::AccessJournal file(req.journal.empty() ? journal::JournalPath(flags.data)
                                                        : std::filesystem::path(req.journal));
  std::vector<journal::AccessEntry> listed;
  Result<journal::JournalHead> head = file.Read([&](const journal::AccessEntry& e) {
    if (Matches(req, e)) listed.push_back(e);
  });
  if (!head.ok())
    return head.status().code() == StatusCode::kDataLoss
               ? DataLoss(head.status().message() +
                          " — the chain is broken: entries were edited, removed or reordered "
                          "(docs/ACCESS_JOURNAL.md)")
               : head.status();
  if (req.format == OutputFormat::kJson) {
    Json entries = Json::array();
    for (const journal::AccessEntry& e : listed) entries.push_back(EntryJson(e));
    Json j{{"journal", file.file().string()},
           {"verified", true},
           {"entries_total", head->entries},
           {"head", {{"seq", head->entries}, {"hash", HexOf(head->hash)}}},
           {"torn_tail", head->torn_tail},
           {"entries", entries}};
    fmt::print(out, "{}", query::JsonText(j));
    return OkStatus();
  }
  fmt::print(out, "Access journal {}: {} of {} entries{}\n", file.file().string(), listed.size(),
             head->entries, Filters(req));
  if (!listed.empty()) {
    TextTable t({"seq", "when (UTC)", "who", "role", "via", "what", "account", "reason"}, {true});
    t.SetElastic({6, 7});
    for (const journal::AccessEntry& e : listed)
      t.Add({std::to_string(e.seq), FormatRfc3339(e.at), e.who, e.role, std::string(Name(e.via)),
             std::string(Name(e.what)), e.account, e.reason});
    if (t.Print(out))
      fmt::print(out, "(cells cut to fit {} columns: --format json shows everything)\n",
                 kTerminalWidth);
  }
  if (head->torn_tail) fmt::print(out, kTornNote);
  if (head->entries == 0) {
    fmt::print(out, "The journal is empty: no read of a person's data has been recorded yet.\n");
  } else {
    fmt::print(out, "Hash chain verified over all {} entries (BLAKE2b-256); head, seq {}:\n  {}\n",
               head->entries, head->entries, HexOf(head->hash));
  }
  return OkStatus();
}

CLI::App* AddAccessLogCommand(CLI::App& app, LogFlags& flags, AccessLogRequest& req) {
  CLI::App* sub = app.add_subcommand(
      "access-log",
      "The access journal: who read which account's data (views, histories, links, search hits, "
      "personal-data exports, by ledger and ledgerd), when, with which role and reason; verifies "
      "its "
      "whole hash chain every time (exit 1 naming the first line that breaks it)");
  AddLogFlags(*sub, flags);
  sub->add_option("--account", req.account,
                  "Only reads of this account (whole exports, account *, included)");
  sub->add_option("--who", req.who, "Only reads by this token name or operator");
  sub->add_option(
      "--journal", req.journal,
      "Read this journal file instead of DATA/access-journal.jsonl (e.g. an archived one)");
  sub->add_option("--format", req.format, "text or json")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, OutputFormat>{{"text", OutputFormat::kText},
                                              {"json", OutputFormat::kJson}},
          CLI::ignore_case));
  return sub;
}

}  // namespace ledger
