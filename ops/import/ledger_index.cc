#include "ops/import/ledger_index.h"

#include "events/log_scan.h"
#include "events/overloaded.h"
#include "events/privacy/key_vault.h"

namespace ledger::import {

namespace {

// "ELEVE_ID=1042;PERSONNE_ID=88" → "88" ("" if absent).
std::string PersonId(const std::string& source_ids) {
  const std::string tag = "PERSONNE_ID=";
  const size_t at = source_ids.find(tag);
  if (at == std::string::npos) return "";
  const size_t end = source_ids.find(';', at);
  return source_ids.substr(at + tag.size(),
                           end == std::string::npos ? std::string::npos : end - at - tag.size());
}

}  // namespace

std::string LedgerIndex::LoginLookup(std::string_view login) const {
  return keyer_ ? privacy::LoginKey(*keyer_, login) : std::string(login);
}

std::string LedgerIndex::IneLookup(std::string_view ine) const {
  return keyer_ ? privacy::IneKey(*keyer_, ine) : std::string(ine);
}

Result<LedgerIndex> LedgerIndex::Load(EventLog& log, const privacy::LookupKeyer* keyer) {
  LedgerIndex index(keyer);
  LEDGER_RETURN_IF_ERROR(ScanLog(log, [&](const LogRecord&, const DecodedRecord& d) {
    index.Add(d.event);
    return OkStatus();
  }));
  return index;
}

void LedgerIndex::Add(const Event& e) {
  const std::string id = e.stream.str();
  if (id.rfind("uai:", 0) == 0) return;  // an establishment's stream
  AccountView& v = views_[id];
  ApplyToView(v, e);
  auto set_keys = [&](const std::vector<std::string>& keys) {
    for (const std::string& k : keys_of_[id]) by_key_[k].erase(id);
    keys_of_[id] = keys;
    for (const std::string& k : keys) by_key_[k].insert(id);
  };
  std::visit(Overloaded{
                 [&](const AccountCreated& p) {
                   logins_.insert(p.sealed.empty() ? LoginLookup(p.login) : p.login_key);
                   const std::string ine = p.sealed.empty() ? (p.ine.empty() ? "" : IneLookup(p.ine.str())) : p.ine_key;
                   if (p.kind == AccountKind::kPupil && !ine.empty()) pupil_by_ine_[ine] = id;
                   set_keys(p.match_keys);
                 },
                 [&](const ContactUpdated& p) {
                   if (v.kind == AccountKind::kGuardian) set_keys(p.match_keys);
                 },
                 [&](const GuardianLinked& p) {
                   guardians_of_[p.pupil.str()].insert(id);
                   if (p.source_system == SourceSystem::kSiecle) {
                     const std::string person = PersonId(p.source_ids);
                     if (!person.empty())
                       by_source_id_[{p.pupil_placement.uai.str(), person}] = id;
                   }
                 },
                 [&](const AccountClosed&) { set_keys({}); },
                 [](const auto&) {},
             },
             e.payload);
}

const AccountView* LedgerIndex::Find(const std::string& account) const {
  auto it = views_.find(account);
  return it == views_.end() ? nullptr : &it->second;
}

std::string LedgerIndex::PupilByIne(const std::string& ine) const {
  auto it = pupil_by_ine_.find(IneLookup(ine));
  return it == pupil_by_ine_.end() ? "" : it->second;
}

std::set<std::string> LedgerIndex::GuardiansByKey(const std::string& key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? std::set<std::string>{} : it->second;
}

std::vector<std::string> LedgerIndex::KeysOf(const std::string& guardian) const {
  auto it = keys_of_.find(guardian);
  return it == keys_of_.end() ? std::vector<std::string>{} : it->second;
}

std::string LedgerIndex::GuardianBySourceId(const std::string& uai, const std::string& person) const {
  auto it = by_source_id_.find({uai, person});
  if (it == by_source_id_.end()) return "";
  const AccountView* v = Find(it->second);
  return v != nullptr && v->state != ViewState::kClosed ? it->second : "";
}

std::map<std::string, std::vector<std::string>> LedgerIndex::PupilsAt(
    const std::set<std::string>& uais) const {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [id, v] : views_)
    if (v.kind == AccountKind::kPupil && v.state != ViewState::kClosed &&
        uais.count(v.placement.uai.str()) > 0)
      out[v.placement.uai.str()].push_back(id);
  return out;
}

std::vector<std::string> LedgerIndex::LeaversFrom(const std::set<std::string>& uais) const {
  std::vector<std::string> out;
  for (const auto& [id, v] : views_)
    if (v.kind == AccountKind::kPupil && v.state == ViewState::kClosed && v.closed_reason == "left" &&
        uais.count(v.placement.uai.str()) > 0)
      out.push_back(id);
  return out;
}

std::map<std::string, const LinkView*> LedgerIndex::LinksOf(const std::string& pupil) const {
  std::map<std::string, const LinkView*> out;
  auto it = guardians_of_.find(pupil);
  if (it == guardians_of_.end()) return out;
  for (const std::string& g : it->second) {
    const AccountView* v = Find(g);
    if (v == nullptr) continue;
    auto l = v->links.find(pupil);
    if (l != v->links.end()) out[g] = &l->second;
  }
  return out;
}

}  // namespace ledger::import
