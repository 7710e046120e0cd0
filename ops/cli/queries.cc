#include "ops/cli/queries.h"

#include <chrono>
#include <filesystem>
#include <map>

#include <fmt/core.h>

#include "consumers/projector.h"
#include "events/codec.h"
#include "events/hash_chain.h"
#include "events/json.h"
#include "ops/console/progress.h"
#include "ops/console/table.h"
#include "projections/view_codec.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;

// A rebuild commits bigger batches (fewer writes per stream; a crash
// mid-rebuild discards the whole rebuild anyway) on two threads.
constexpr size_t kRebuildBatch = 32768;

fs::path RebuildDir(const LogFlags& f) { return ProjectionDir(f).string() + ".rebuild"; }
fs::path OldDir(const LogFlags& f) { return ProjectionDir(f).string() + ".old"; }

// Finishes a rebuild swap a crash interrupted (see RunRebuild).
void RecoverSwap(const LogFlags& f) {
  std::error_code ec;
  if (!fs::exists(ProjectionDir(f)) && fs::exists(OldDir(f)) && fs::exists(RebuildDir(f)))
    fs::rename(RebuildDir(f), ProjectionDir(f), ec);
  if (fs::exists(ProjectionDir(f)) && fs::exists(OldDir(f))) fs::remove_all(OldDir(f), ec);
}

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

struct Opened {
  std::unique_ptr<EventLog> log;
  std::unique_ptr<ProjectionDb> db;
};

// The log (read-only) and the projections, brought up to date.
Result<Opened> OpenUpToDate(const LogFlags& flags) {
  Opened o;
  LEDGER_ASSIGN_OR_RETURN(o.log, OpenLog(flags, LogAccess::kRead));
  RecoverSwap(flags);
  std::error_code ec;
  fs::create_directories(flags.data, ec);
  LEDGER_ASSIGN_OR_RETURN(o.db, ProjectionDb::Open(ProjectionDir(flags), {}));
  LEDGER_RETURN_IF_ERROR(CatchUp(*o.log, *o.db, "projecting").status());
  return o;
}

std::string When(Timestamp t) {
  if (t.micros == 0) return "";
  std::string s = FormatRfc3339(t);
  return s.substr(0, 10) + " " + s.substr(11, 8);
}

// Payload fields for people: names, birth dates and INEs left out.
Json RedactedData(const Payload& p) {
  Json j = PayloadToJson(p);
  for (const char* k : {"last_name", "first_name", "birth_date", "ine"}) j.erase(k);
  return j;
}

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

// "accounts_admin delegation granted by head-0350033W on 2026-09-01, valid until 2027-08-31"
std::string DelegationUsed(const ProjectionDb& db, const Event& e,
                           std::map<std::string, std::vector<Event>>& cache) {
  if (e.actor.kind != ActorKind::kStaff || !e.actor.module || e.actor.uai.empty()) return "";
  const std::string stream = EstablishmentStream(e.actor.uai).str();
  if (!cache.count(stream)) {
    auto& events = cache[stream];
    if (auto recs = db.History(stream); recs.ok())
      for (const std::string& r : *recs)
        if (auto d = DecodeRecord(r); d.ok()) events.push_back(d->event);
  }
  const RightsDelegated* found = nullptr;
  Timestamp granted;
  for (const Event& est : cache[stream]) {
    if (est.occurred_at > e.occurred_at) break;
    if (auto* g = std::get_if<RightsDelegated>(&est.payload);
        g && g->delegate.str() == e.actor.id && g->module == *e.actor.module) {
      found = g;
      granted = est.occurred_at;
    }
  }
  if (!found) return "no matching delegation found in " + stream;
  return fmt::format("{} delegation granted by {} on {}, valid until {}", Name(found->module),
                     found->granted_by.str(), FormatIsoDate(DateOf(granted)),
                     FormatIsoDate(DateOf(found->valid_until)));
}

std::string Rate(const StatCounts& c) {
  return c.accounts == 0 ? "-" : fmt::format("{:.1f}%", 100.0 * static_cast<double>(c.activated) /
                                                            static_cast<double>(c.accounts));
}

Status NoSuchAccount(const std::string& account) {
  return NotFound("no account '" + account + "' in the ledger (ids are opaque, e.g. pup-0001): "
                  "check the id, or `ledger export | grep` for it");
}

}  // namespace

Status RunHistory(const LogFlags& flags, const HistoryRequest& req, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(Opened o, OpenUpToDate(flags));
  LEDGER_ASSIGN_OR_RETURN(std::vector<std::string> records, o.db->History(req.account));
  if (records.empty()) return NoSuchAccount(req.account);
  const Timestamp cut = req.as_of ? EndOfDay(*req.as_of) : Timestamp{INT64_MAX};
  std::vector<Event> events;
  ChainHead head;
  for (const std::string& r : records) {
    LEDGER_ASSIGN_OR_RETURN(DecodedRecord d, DecodeRecord(r));
    if (req.verify) {
      Status s = VerifyAndAdvance(head, d);
      if (!s.ok()) return s.WithContext("history of " + req.account + " does not verify");
    }
    if (d.event.occurred_at <= cut) events.push_back(std::move(d.event));
  }
  std::map<std::string, std::vector<Event>> establishments;
  if (req.format == OutputFormat::kJson) {
    Json arr = Json::array();
    for (const Event& e : events) {
      Json j = EventToJson(e, 0, 0);
      j.erase("partition");
      j.erase("offset");
      j["data"] = RedactedData(e.payload);
      if (std::string d = DelegationUsed(*o.db, e, establishments); !d.empty()) j["delegation_used"] = d;
      arr.push_back(std::move(j));
    }
    Json doc{{"account", req.account}, {"events", arr}};
    if (req.as_of) doc["as_of"] = FormatIsoDate(*req.as_of);
    if (req.verify) doc["chain_verified"] = true, doc["head_hash"] = HexOf(head.hash);
    fmt::print(out, "{}\n", doc.dump(2));
    return OkStatus();
  }
  LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> view, o.db->View(req.account));
  fmt::print(out, "History of {}{}: {} of {} events{}\n", req.account,
             view ? fmt::format(" ({} account, {} now)", Name(view->kind), Name(view->state)) : "",
             events.size(), records.size(),
             req.as_of ? " up to the end of " + FormatIsoDate(*req.as_of) + " (UTC)" : "");
  TextTable t({"seq", "when (UTC)", "event", "by", "details"}, {true});
  for (const Event& e : events) {
    std::string by = DescribeActor(e.actor);
    if (std::string d = DelegationUsed(*o.db, e, establishments); !d.empty()) by += " via " + d;
    t.Add({std::to_string(e.seq), When(e.occurred_at), std::string(EventTypeName(e.payload)), by,
           Flatten(RedactedData(e.payload))});
  }
  t.Print(out);
  if (req.verify)
    fmt::print(out, "Hash chain verified over all {} events (BLAKE2b-256); head {}\n", records.size(),
               HexOf(head.hash));
  return OkStatus();
}

Status RunLinksDiagnose(const LogFlags& flags, const std::string& account, OutputFormat format,
                        std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(Opened o, OpenUpToDate(flags));
  LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> view, o.db->View(account));
  if (!view) return NoSuchAccount(account);
  std::vector<LinkView> links;
  if (view->kind == AccountKind::kGuardian) {
    for (const auto& [_, l] : view->links) links.push_back(l);
  } else {
    LEDGER_ASSIGN_OR_RETURN(links, o.db->LinksOfPupil(account));
  }
  // What an assistance agent should look at, link by link.
  std::vector<std::string> findings;
  std::map<std::string, int> rank_count;
  for (const LinkView& l : links) {
    const std::string name = l.guardian + " → " + l.pupil;
    if (l.status == LinkViewStatus::kDisputed)
      findings.push_back(name + ": disputed by the guardian on " + When(l.changed_at) +
                         "; if it is wrong, academy support removes it (reason erroneous_link_fixed)"
                         " and corrects the source file " + l.source_file);
    if (l.status == LinkViewStatus::kRemoved)
      findings.push_back(name + ": removed on " + When(l.changed_at) + " by " + l.changed_by +
                         " (" + l.removed_reason + ")");
    if (l.active()) {
      ++rank_count[l.pupil + "/" + std::string(Name(l.rank))];
      if (view->kind == AccountKind::kPupil && l.placement.uai != view->placement.uai)
        findings.push_back(name + ": the link still places the pupil in " + l.placement.uai.str() +
                           " but the pupil is now in " + view->placement.uai.str() +
                           " (the link update after the transfer is missing)");
    }
  }
  for (const auto& [k, n] : rank_count)
    if (n > 1 && k.find("/en_charge") == std::string::npos)
      findings.push_back(fmt::format("{} guardians hold the same rank for {}: one link is probably "
                                     "erroneous; check the source ids",
                                     n, k));
  if (format == OutputFormat::kJson) {
    Json arr = Json::array();
    for (const LinkView& l : links) arr.push_back(LinkToJson(l));
    Json doc{{"account", account}, {"kind", Name(view->kind)}, {"links", arr}, {"findings", findings}};
    fmt::print(out, "{}\n", doc.dump(2));
    return OkStatus();
  }
  fmt::print(out, "Links of {} ({} account, {}): {}\n", account, Name(view->kind), Name(view->state),
             links.empty() ? "none" : std::to_string(links.size()));
  if (!links.empty()) {
    TextTable t({"guardian", "pupil", "rank", "status", "pupil's school", "source", "linked", "last change"});
    for (const LinkView& l : links)
      t.Add({l.guardian, l.pupil, std::string(Name(l.rank)), std::string(Name(l.status)),
             l.placement.uai.str() + " " + std::string(Name(l.placement.level)),
             fmt::format("{} {} [{}]", Name(l.source_system), l.source_file, l.source_ids),
             When(l.linked_at) + " by " + l.linked_by,
             l.last_change + " " + When(l.changed_at) + " by " + l.changed_by});
    t.Print(out);
  }
  fmt::print(out, "\n{}\n", findings.empty() ? "Nothing looks wrong with these links." : "Findings:");
  for (const std::string& f : findings) fmt::print(out, "  - {}\n", f);
  return OkStatus();
}

Status RunStats(const LogFlags& flags, const StatsRequest& req, std::FILE* out) {
  std::optional<Scope> scope = ParseScope(req.by);
  if (!scope)
    return InvalidArgument("--by " + req.by + ": expected national, academy, department, establishment or class");
  LEDGER_ASSIGN_OR_RETURN(Opened o, OpenUpToDate(flags));
  LEDGER_ASSIGN_OR_RETURN(StatTable table, o.db->Stats(*scope, req.as_of));
  if (req.format == OutputFormat::kCsv) {
    fmt::print(out, "scope,scope_id,profile,level,accounts,notified,activated\n");
    for (const auto& [cell, c] : table)
      fmt::print(out, "{},{},{},{},{},{},{}\n", Name(cell.scope), cell.scope_id, Name(cell.profile),
                 Name(cell.level), c.accounts, c.notified, c.activated);
    return OkStatus();
  }
  if (req.format == OutputFormat::kJson) {
    Json arr = Json::array();
    for (const auto& [cell, c] : table)
      arr.push_back(Json{{"scope", Name(cell.scope)}, {"scope_id", cell.scope_id},
                         {"profile", Name(cell.profile)}, {"level", Name(cell.level)},
                         {"accounts", c.accounts}, {"notified", c.notified}, {"activated", c.activated}});
    fmt::print(out, "{}\n", arr.dump(2));
    return OkStatus();
  }
  fmt::print(out, "Activation by {}{}\n", req.by,
             req.as_of ? " as of the end of " + FormatIsoDate(*req.as_of) + " (UTC)" : ", now");
  TextTable t({req.by, "profile", "level", "accounts", "notified", "activated", "rate"},
              {false, false, false, true, true, true, true});
  for (const auto& [cell, c] : table)
    t.Add({cell.scope_id, std::string(Name(cell.profile)), std::string(Name(cell.level)),
           std::to_string(c.accounts), std::to_string(c.notified), std::to_string(c.activated), Rate(c)});
  t.Print(out);
  if (table.empty()) fmt::print(out, "(no accounts yet: run `ledger demo` or an import)\n");
  return OkStatus();
}

Result<StatTable> QueryStats(const LogFlags& flags, Scope scope, std::optional<Date> as_of) {
  LEDGER_ASSIGN_OR_RETURN(Opened o, OpenUpToDate(flags));
  return o.db->Stats(scope, as_of);
}

Status RunQuarantineList(const LogFlags& flags, OutputFormat format, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(Opened o, OpenUpToDate(flags));
  LEDGER_ASSIGN_OR_RETURN(std::vector<QuarantineEntry> q, o.db->Quarantine());
  if (format == OutputFormat::kJson) {
    Json arr = Json::array();
    for (const auto& e : q)
      arr.push_back(Json{{"partition", e.partition}, {"offset", e.offset}, {"key", e.key},
                         {"bytes", e.bytes}, {"reason", e.reason}});
    fmt::print(out, "{}\n", arr.dump(2, ' ', false, Json::error_handler_t::replace));
    return OkStatus();
  }
  fmt::print(out, "{} quarantined record{}\n", q.size(), q.size() == 1 ? "" : "s");
  if (q.empty()) return OkStatus();
  TextTable t({"partition", "offset", "key", "bytes", "reason"}, {true, true, false, true});
  for (const auto& e : q) {
    Json key = e.key;
    t.Add({std::to_string(e.partition), std::to_string(e.offset),
           key.dump(-1, ' ', true, Json::error_handler_t::replace), std::to_string(e.bytes), e.reason});
  }
  t.Print(out);
  return OkStatus();
}

Status RunRebuild(const LogFlags& flags, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenLog(flags, LogAccess::kRead));
  RecoverSwap(flags);
  std::error_code ec;
  fs::remove_all(RebuildDir(flags), ec);
  auto start = std::chrono::steady_clock::now();
  ProjectionProgress p;
  {
    LEDGER_ASSIGN_OR_RETURN(auto db, ProjectionDb::Open(RebuildDir(flags), {.bulk_load = true}));
    LEDGER_ASSIGN_OR_RETURN(p, CatchUp(*log, *db, "rebuilding", ProjectorOptions{kRebuildBatch, 2}));
    LEDGER_RETURN_IF_ERROR(db->Close());
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The swap: live -> old, rebuild -> live, drop old. RecoverSwap finishes it after a crash.
  if (fs::exists(ProjectionDir(flags))) {
    fs::rename(ProjectionDir(flags), OldDir(flags), ec);
    if (ec) return Unavailable("cannot move " + ProjectionDir(flags).string() + " aside: " + ec.message());
  }
  fs::rename(RebuildDir(flags), ProjectionDir(flags), ec);
  if (ec) return Unavailable("cannot move the rebuilt projections into place: " + ec.message());
  fs::remove_all(OldDir(flags), ec);
  fmt::print(out, "rebuilt {} from offset 0: {} events applied, {} quarantined, in {:.2f} s ({:.0f} events/s)\n",
             ProjectionDir(flags).string(), p.applied, p.quarantined, secs,
             secs > 0 ? static_cast<double>(p.done) / secs : 0.0);
  return OkStatus();
}

}  // namespace ledger
