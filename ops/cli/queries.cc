#include "ops/cli/queries.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include <fmt/core.h>

#include "consumers/bulk_rebuild.h"
#include "consumers/projector.h"
#include "ops/cli/access_journal.h"
#include "ops/console/progress.h"
#include "ops/console/table.h"
#include "ops/datadir/personal_vault.h"
#include "ops/datadir/server_lock.h"
#include "ops/query/accounts.h"
#include "ops/query/history.h"
#include "ops/query/links.h"
#include "ops/query/render.h"
#include "ops/query/stats.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;

// A rebuild commits bigger batches (fewer writes per stream; a crash
// mid-rebuild discards the whole rebuild anyway) on two threads.

Result<ProjectionProgress> CatchUp(EventLog& log, ProjectionDb& db, const char* label,
                                   ProjectorOptions options = {}) {
  Projector projector(log, db, options);
  std::unique_ptr<ProgressBar> bar;
  auto r = projector.CatchUp([&](const ProjectionProgress& p) {
    if (!bar) bar = std::make_unique<ProgressBar>(label, p.total);
    bar->Update(p.done);
  });
  if (bar) bar->Finish();
  return r;
}

// The projections for one read. Either this process brings them up to date
// with the log, or — while ledgerd writes them (RocksDB's lock is taken) —
// it reads them read-only, as ledgerd had committed them when it opened.
class ReadSide {
 public:
  static Result<std::unique_ptr<ReadSide>> Open(const LogFlags& flags) {
    auto r = std::unique_ptr<ReadSide>(new ReadSide);
    LEDGER_ASSIGN_OR_RETURN(r->log_, OpenLog(flags, LogAccess::kRead));
    RecoverProjectionSwap(flags, *r->log_);
    std::error_code ec;
    fs::create_directories(flags.data, ec);
    Result<std::unique_ptr<ProjectionDb>> db = ProjectionDb::Open(ProjectionDir(flags, *r->log_), {});
    if (db.ok()) {
      r->db_ = std::move(*db);
      LEDGER_RETURN_IF_ERROR(CatchUp(*r->log_, *r->db_, "projecting").status());
      return r;
    }
    if (db.status().code() != StatusCode::kFailedPrecondition) return db.status();
    // The writer's store: read it as it stands (read-only). Opening races the
    // writer's flushes and compactions (a file it names may just have been
    // replaced): try again on a failure.
    Status last;
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
      Result<std::unique_ptr<ProjectionDb>> reader =
          ProjectionDb::Open(ProjectionDir(flags, *r->log_), ProjectionDb::Options::Reader());
      if (reader.ok()) {
        r->db_ = std::move(*reader);
        return r;
      }
      if (reader.status().code() == StatusCode::kNotFound) return reader.status();
      last = reader.status();
    }
    return last.WithContext("reading the projections ledgerd is writing");
  }

  const ProjectionDb& db() const { return *db_; }

 private:
  ReadSide() = default;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<ProjectionDb> db_;
};

void PrintJson(const Json& j, std::FILE* out) { fmt::print(out, "{}", query::JsonText(j)); }

std::string Flatten(const Json& j, const std::string& prefix = "") {
  std::string s;
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string part = it->is_object() ? Flatten(*it, prefix + it.key() + ".")
                                       : prefix + it.key() + "=" +
                                             (it->is_string() ? it->get<std::string>() : it->dump());
    if (part.empty()) continue;
    s += (s.empty() ? "" : " ") + part;
  }
  return s;
}

std::string Rate(const StatCounts& c) {
  return c.accounts == 0 ? "-" : fmt::format("{:.1f}%", 100.0 * static_cast<double>(c.activated) /
                                                            static_cast<double>(c.accounts));
}

constexpr const char* kCutNote = "(cells cut to fit {} columns: --format json shows everything)\n";

// The history as a table: the delegation a staff actor used is a numbered
// note under the table, so rows stay within a terminal's width.
void PrintHistoryText(const query::AccountHistory& h, std::FILE* out) {
  fmt::print(out, "History of {}{}: {} of {} events{}\n", h.account,
             h.view ? fmt::format(" ({} account, {} now)", Name(h.view->kind), Name(h.view->state)) : "",
             h.entries.size(), h.total_events,
             h.as_of ? " up to the end of " + FormatIsoDate(*h.as_of) + " (UTC)" : "");
  TextTable t({"seq", "when (UTC)", "event", "by", "details"}, {true});
  t.SetElastic({3, 4});
  std::vector<std::string> notes;
  std::map<std::string, size_t> note_of;
  for (const query::HistoryEntry& entry : h.entries) {
    const Event& e = entry.event;
    std::string by = std::string(Name(e.actor.kind)) + ":" + e.actor.id;
    if (entry.delegation) {
      const query::DelegationUsed& d = *entry.delegation;
      const std::string note =
          d.found ? fmt::format("{} in {}, granted by {} on {}, valid until {}", Name(d.module),
                                e.actor.uai.str(), d.granted_by, FormatIsoDate(d.granted_on),
                                FormatIsoDate(d.valid_until))
                  : d.Describe();
      auto [it, fresh] = note_of.try_emplace(note, notes.size() + 1);
      if (fresh) notes.push_back(note);
      by += fmt::format(" [{}]", it->second);
    } else if (!e.actor.uai.empty() || e.actor.module) {
      by = DescribeActor(e.actor);
    }
    t.Add({std::to_string(e.seq), query::When(e.occurred_at), std::string(EventTypeName(e.payload)), by,
           Flatten(PayloadToJson(e.payload))});
  }
  const bool cut = t.Print(out);
  if (!notes.empty()) fmt::print(out, "Delegations used:\n");
  for (size_t i = 0; i < notes.size(); ++i)
    fmt::print(out, "  [{}] {}\n", i + 1, FitWidth(notes[i], kTerminalWidth - 6));
  if (cut) fmt::print(out, kCutNote, kTerminalWidth);
  if (h.verified)
    fmt::print(out, "Hash chain verified over all {} events (BLAKE2b-256); chain head:\n  {}\n",
               h.total_events, HexOf(h.head));
}

// One block per link: a table of eight columns would not fit a terminal.
void PrintLinksText(const query::AccountLinks& l, std::FILE* out) {
  fmt::print(out, "Links of {} ({} account, {}): {}\n", l.account, Name(l.view.kind), Name(l.view.state),
             l.links.empty() ? "none" : std::to_string(l.links.size()));
  auto row = [&](const char* label, const std::string& value) {
    fmt::print(out, "    {:<15}{}\n", label, FitWidth(value, kTerminalWidth - 19));
  };
  for (const LinkView& link : l.links) {
    fmt::print(out, "  {} → {}  {}, {}\n", link.guardian, link.pupil, Name(link.rank), Name(link.status));
    row("pupil's school", link.placement.uai.str() + " " + std::string(Name(link.placement.level)) + " (" +
                              link.placement.department + ", " + link.placement.academy + ")");
    row("source", fmt::format("{} {} [{}]", Name(link.source_system), link.source_file, link.source_ids));
    row("linked", query::When(link.linked_at) + " by " + link.linked_by);
    row("last change", link.last_change + " " + query::When(link.changed_at) + " by " + link.changed_by);
  }
  fmt::print(out, "\n{}\n", l.findings.empty() ? "Nothing looks wrong with these links." : "Findings:");
  for (const std::string& f : l.findings) fmt::print(out, "  - {}\n", f);
}

// What `ledger rebuild` makes of the store it replaces: a damaged one is
// said and discarded (it is derived data); one that has applied records the
// log no longer holds is refused (CheckProjectedWithinLog): rebuilding would
// quietly drop them from every answer.
Status CheckPreviousStore(EventLog& log, const fs::path& dir, std::FILE* out) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return OkStatus();
  // Every file read (not only those changed since verified): a damaged store
  // is discarded here, not met by a later read that would stop the rebuild.
  ProjectionDb::Options options = ProjectionDb::Options::Reader();
  options.verify_every_file = true;
  Result<std::unique_ptr<ProjectionDb>> previous = ProjectionDb::Open(dir, options);
  if (previous.ok()) return CheckProjectedWithinLog(log, **previous);
  if (previous.status().code() == StatusCode::kDataLoss)
    fmt::print(out, "the projection store {} is damaged: discarding it and projecting the log again\n",
               dir.string());
  return OkStatus();
}

// The vault a read opens personal fields with: without the master key file,
// none (they show "encrypted"; a note says why on stderr).
Result<OpenedVault> ReadVault(const LogFlags& flags) {
  Result<OpenedVault> v = OpenVault(flags, VaultAccess::kRead);
  if (v.ok() || v.status().code() != StatusCode::kNotFound) return v;
  fmt::print(stderr, "ledger: no master key at {}: personal fields are shown encrypted "
             "(give --master-key-file)\n", MasterKeyPath(flags));
  return OpenedVault{};
}

std::vector<std::string> IdsOf(const std::vector<AccountView>& views) {
  std::vector<std::string> ids;
  for (const AccountView& v : views) ids.push_back(v.id);
  return ids;
}

}  // namespace

Status RunHistory(const LogFlags& flags, const HistoryRequest& req, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(auto read, ReadSide::Open(flags));
  LEDGER_ASSIGN_OR_RETURN(OpenedVault vault, ReadVault(flags));
  LEDGER_ASSIGN_OR_RETURN(query::AccountHistory h,
                          query::ReadHistory(read->db(), {req.account, req.as_of, req.verify, vault.vault.get()}));
  LEDGER_RETURN_IF_ERROR(JournalRead(flags, req.access, journal::What::kHistory, {req.account}));
  if (req.format == OutputFormat::kJson) {
    PrintJson(query::HistoryToJson(h), out);
  } else {
    PrintHistoryText(h, out);
  }
  return OkStatus();
}

Status RunLinksDiagnose(const LogFlags& flags, const std::string& account, OutputFormat format,
                        std::FILE* out, const journal::AccessContext& access) {
  LEDGER_ASSIGN_OR_RETURN(auto read, ReadSide::Open(flags));
  LEDGER_ASSIGN_OR_RETURN(OpenedVault vault, ReadVault(flags));
  LEDGER_ASSIGN_OR_RETURN(query::AccountLinks l, query::ReadLinks(read->db(), account, vault.vault.get()));
  LEDGER_RETURN_IF_ERROR(JournalRead(flags, access, journal::What::kLinks, {account}));
  if (format == OutputFormat::kJson) {
    PrintJson(query::LinksToJson(l), out);
  } else {
    PrintLinksText(l, out);
  }
  return OkStatus();
}

Status RunStats(const LogFlags& flags, const StatsRequest& req, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(auto read, ReadSide::Open(flags));
  LEDGER_ASSIGN_OR_RETURN(StatTable table, read->db().Stats(req.by, req.as_of));
  if (req.format == OutputFormat::kCsv) {
    fmt::print(out, "{}", query::StatsCsv(table));
    return OkStatus();
  }
  if (req.format == OutputFormat::kJson) {
    PrintJson(query::StatsJson(table), out);
    return OkStatus();
  }
  const std::string by(Name(req.by));
  fmt::print(out, "Activation by {}{}\n", by,
             req.as_of ? " as of the end of " + FormatIsoDate(*req.as_of) + " (UTC)" : ", now");
  TextTable t({by, "profile", "level", "accounts", "notified", "activated", "rate"},
              {false, false, false, true, true, true, true});
  for (const auto& [cell, c] : table)
    t.Add({cell.scope_id, std::string(Name(cell.profile)), std::string(Name(cell.level)),
           std::to_string(c.accounts), std::to_string(c.notified), std::to_string(c.activated), Rate(c)});
  t.Print(out);
  if (table.empty()) fmt::print(out, "(no accounts yet: run `ledger demo` or an import)\n");
  return OkStatus();
}

Result<StatTable> QueryStats(const LogFlags& flags, Scope scope, std::optional<Date> as_of) {
  LEDGER_ASSIGN_OR_RETURN(auto read, ReadSide::Open(flags));
  return read->db().Stats(scope, as_of);
}

Status RunSearch(const LogFlags& flags, const SearchRequest& req, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(auto read, ReadSide::Open(flags));
  LEDGER_ASSIGN_OR_RETURN(OpenedVault vault, ReadVault(flags));
  LEDGER_ASSIGN_OR_RETURN(std::vector<AccountView> found,
                          query::SearchAccounts(read->db(), req.index, req.value, vault.vault.get()));
  LEDGER_RETURN_IF_ERROR(JournalRead(flags, req.access, journal::What::kSearch, IdsOf(found)));
  if (req.format == OutputFormat::kJson) {
    PrintJson(query::SearchToJson(found), out);
    return OkStatus();
  }
  fmt::print(out, "{} account{} with this {}\n", found.size(), found.size() == 1 ? "" : "s", Name(req.index));
  if (found.empty()) return OkStatus();
  TextTable t({"account", "kind", "state", "establishment", "events"}, {false, false, false, false, true});
  for (const AccountView& v : found)
    t.Add({v.id, std::string(Name(v.kind)), std::string(Name(v.state)),
           v.kind == AccountKind::kPupil ? v.placement.uai.str() + " " + v.placement.class_name
                                         : std::to_string(v.links.size()) + " link(s)",
           std::to_string(v.seq)});
  t.Print(out);
  return OkStatus();
}

Status RunQuarantineList(const LogFlags& flags, OutputFormat format, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(auto read, ReadSide::Open(flags));
  LEDGER_ASSIGN_OR_RETURN(std::vector<QuarantineEntry> q, read->db().Quarantine());
  if (format == OutputFormat::kJson) {
    PrintJson(query::QuarantineJson(q), out);
    return OkStatus();
  }
  fmt::print(out, "{} quarantined record{}\n", q.size(), q.size() == 1 ? "" : "s");
  if (q.empty()) return OkStatus();
  TextTable t({"partition", "offset", "key", "bytes", "reason"}, {true, true, false, true});
  t.SetElastic({2, 4});
  for (const auto& e : q) {
    Json key = e.key;
    t.Add({std::to_string(e.partition), std::to_string(e.offset),
           key.dump(-1, ' ', true, Json::error_handler_t::replace), std::to_string(e.bytes), e.reason});
  }
  if (t.Print(out)) fmt::print(out, kCutNote, kTerminalWidth);
  return OkStatus();
}

Status RunRebuild(const LogFlags& flags, const fs::path& runs_parent, std::FILE* out) {
  // Around the rebuild itself: opening the log (the embedded log's recovery
  // scan), checking the previous store (every checksum of every file, its
  // record of verified files ignored: a damaged one is said to be discarded) and clearing what a crashed rebuild
  // left; after it, removing the old store. Minutes at scale 10 on a cold
  // page cache: timed and printed apart.
  const auto begun = std::chrono::steady_clock::now();
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenLog(flags, LogAccess::kRead));
  LEDGER_RETURN_IF_ERROR(RefuseWhileServed(flags, "rebuild the projections"));
  LEDGER_ASSIGN_OR_RETURN(auto lock, ServerLock::Acquire(flags, "ledger rebuild"));
  RecoverProjectionSwap(flags, *log);
  LEDGER_RETURN_IF_ERROR(CheckPreviousStore(*log, ProjectionDir(flags, *log), out));
  std::error_code ec;
  // The sort's runs and table files, beside the new store (the files are moved into it).
  const fs::path sort_dir = RebuildDir(flags, *log).string() + ".sort";
  fs::remove_all(RebuildDir(flags, *log), ec);
  fs::remove_all(sort_dir, ec);
  // --sort-dir: the runs in a folder of this store's there, what a crash left emptied.
  fs::path runs_dir;
  if (!runs_parent.empty()) {
    Result<fs::path> made = MakeRunsFolder(runs_parent, RebuildDir(flags, *log));
    if (!made.ok())
      return InvalidArgument(fmt::format("--sort-dir {}: give a folder this user may write in",
                                         made.status().message()));
    runs_dir = *made;
  }
  const double before_secs = since(begun);
  auto start = std::chrono::steady_clock::now();
  ProjectionProgress p;
  double fold_secs = 0;
  std::string phases;
  {
    LEDGER_ASSIGN_OR_RETURN(auto db, ProjectionDb::Open(RebuildDir(flags, *log), ProjectionDb::Options::BulkLoad()));
    // Key order (consumers/bulk_rebuild.h): the log sorted by stream, each
    // stream folded once, the store written as table files.
    std::unique_ptr<ProgressBar> bar;
    std::string phase;
    BulkRebuildOptions options{sort_dir};
    options.runs_dir = runs_dir;
    auto r = BulkRebuild(*log, *db, options, [&](const char* now, int64_t done, int64_t total) {
      if (phase != now) {
        if (bar) bar->Finish();
        phase = now;
        bar = std::make_unique<ProgressBar>(now, total);
      }
      bar->Update(done);
    });
    if (bar) bar->Finish();
    fs::remove_all(sort_dir, ec);
    if (!runs_dir.empty()) fs::remove_all(runs_dir, ec);
    LEDGER_RETURN_IF_ERROR(r.status());
    p = r->progress;
    phases = fmt::format("read and sorted in {:.2f} s, folded in {:.2f} s, written in {:.2f} s; ", r->read_seconds,
                         r->fold_seconds, r->load_seconds);
    // Each batch left one merge operand per statistics key: fold them now, or
    // every table read would merge hundreds of them (the department table now
    // took 1.5 ms instead of 0.01 at scale 1.0, and grew with the log). In a
    // bulk load the fold makes the statistics family again from the folded
    // values alone: no operand is left under them for a scan to step over.
    const auto fold_start = std::chrono::steady_clock::now();
    LEDGER_RETURN_IF_ERROR(db->FoldStatistics());
    fold_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - fold_start).count();
    LEDGER_RETURN_IF_ERROR(db->Close());
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The swap: live -> old, rebuild -> live, drop old. RecoverProjectionSwap finishes it after a crash.
  if (fs::exists(ProjectionDir(flags, *log))) {
    fs::rename(ProjectionDir(flags, *log), OldProjectionDir(flags, *log), ec);
    if (ec) return Unavailable("cannot move " + ProjectionDir(flags, *log).string() + " aside: " + ec.message());
  }
  fs::rename(RebuildDir(flags, *log), ProjectionDir(flags, *log), ec);
  if (ec) return Unavailable("cannot move the rebuilt projections into place: " + ec.message());
  const auto swapped = std::chrono::steady_clock::now();
  fs::remove_all(OldProjectionDir(flags, *log), ec);
  fmt::print(out,
             "rebuilt {} from offset 0: {} events applied, {} quarantined, in {:.2f} s ({:.0f} events/s; "
             "{}statistics folded in {:.2f} s); before it, opening the log and checking the previous store took "
             "{:.2f} s; after it, removing the previous store {:.2f} s\n",
             ProjectionDir(flags, *log).string(), p.applied, p.quarantined, secs,
             secs > 0 ? static_cast<double>(p.done) / secs : 0.0, phases, fold_secs, before_secs, since(swapped));
  return OkStatus();
}

}  // namespace ledger
