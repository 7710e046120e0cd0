#include "ops/query/history.h"

#include <map>

#include <fmt/core.h>

#include "events/codec.h"
#include "events/hash_chain.h"
#include "ops/query/accounts.h"

namespace ledger::query {
namespace {

// Looks the delegation up in the establishment stream's history (cached per
// stream for one history).
class DelegationFinder {
 public:
  explicit DelegationFinder(const ProjectionDb& db) : db_(db) {}

  std::optional<DelegationUsed> Find(const Event& e) {
    if (e.actor.kind != ActorKind::kStaff || !e.actor.module || e.actor.uai.empty()) return std::nullopt;
    const std::string stream = EstablishmentStream(e.actor.uai).str();
    auto [it, fresh] = cache_.try_emplace(stream);
    if (fresh)
      if (auto recs = db_.History(stream); recs.ok())
        for (const std::string& r : *recs)
          if (auto d = DecodeRecord(r); d.ok()) it->second.push_back(std::move(d->event));
    DelegationUsed used;
    used.stream = stream;
    for (const Event& est : it->second) {
      if (est.occurred_at > e.occurred_at) break;
      if (auto* g = std::get_if<RightsDelegated>(&est.payload);
          g && g->delegate.str() == e.actor.id && g->module == *e.actor.module) {
        used.found = true;
        used.module = g->module;
        used.granted_by = g->granted_by.str();
        used.granted_on = DateOf(est.occurred_at);
        used.valid_until = DateOf(g->valid_until);
      }
    }
    return used;
  }

 private:
  const ProjectionDb& db_;
  std::map<std::string, std::vector<Event>> cache_;
};

}  // namespace

std::string DelegationUsed::Describe() const {
  if (!found) return "no matching delegation found in " + stream;
  return fmt::format("{} delegation granted by {} on {}, valid until {}", Name(module), granted_by,
                     FormatIsoDate(granted_on), FormatIsoDate(valid_until));
}

Status NoSuchAccount(const std::string& account) {
  return NotFound("no account '" + account + "' in the ledger (ids are opaque, e.g. pup-0001): "
                  "check the id, or search by login");
}

Result<AccountHistory> ReadHistory(const ProjectionDb& db, const HistoryQuery& q) {
  LEDGER_ASSIGN_OR_RETURN(std::vector<std::string> records, db.History(q.account));
  if (records.empty()) return NoSuchAccount(q.account);
  AccountHistory h;
  h.account = q.account;
  h.as_of = q.as_of;
  h.total_events = records.size();
  LEDGER_ASSIGN_OR_RETURN(h.view, db.View(q.account));
  if (h.view) LEDGER_RETURN_IF_ERROR(OpenView(*h.view, q.vault));
  const Timestamp cut = q.as_of ? EndOfDay(*q.as_of) : Timestamp{INT64_MAX};
  ChainHead head;
  DelegationFinder delegations(db);
  for (const std::string& r : records) {
    LEDGER_ASSIGN_OR_RETURN(DecodedRecord d, DecodeRecord(r));
    if (q.verify) {
      Status s = VerifyAndAdvance(head, d);
      if (!s.ok()) return s.WithContext("history of " + q.account + " does not verify");
    }
    if (d.event.occurred_at > cut) continue;
    if (auto* created = std::get_if<AccountCreated>(&d.event.payload); created && q.vault)
      LEDGER_RETURN_IF_ERROR(q.vault->Open(d.event.stream, *created));
    std::optional<DelegationUsed> used = delegations.Find(d.event);
    h.entries.push_back(HistoryEntry{std::move(d.event), std::move(used)});
  }
  h.verified = q.verify;
  h.head = head.hash;
  return h;
}

Json HistoryToJson(const AccountHistory& h) {
  Json arr = Json::array();
  for (const HistoryEntry& entry : h.entries) {
    Json j = EventToJson(entry.event, 0, 0);
    j.erase("partition");
    j.erase("offset");
    if (entry.delegation) j["delegation_used"] = entry.delegation->Describe();
    arr.push_back(std::move(j));
  }
  Json doc{{"account", h.account}, {"events", arr}};
  if (h.as_of) doc["as_of"] = FormatIsoDate(*h.as_of);
  if (h.verified) doc["chain_verified"] = true, doc["head_hash"] = HexOf(h.head);
  return doc;
}

}  // namespace ledger::query
