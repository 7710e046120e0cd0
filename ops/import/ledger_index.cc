#include "ops/import/ledger_index.h"

#include <algorithm>

#include "aggregates/memory_state_store.h"
#include "events/byte_io.h"
#include "events/log_scan.h"
#include "events/overloaded.h"
#include "events/privacy/key_vault.h"
#include "projections/view_codec.h"

namespace ledger::import {

namespace {

constexpr uint8_t kMetaFormat = 1;

// "ELEVE_ID=1042;PERSONNE_ID=88" → "88" ("" if absent).
std::string PersonId(const std::string& source_ids) {
  const std::string tag = "PERSONNE_ID=";
  const size_t at = source_ids.find(tag);
  if (at == std::string::npos) return "";
  const size_t end = source_ids.find(';', at);
  return source_ids.substr(at + tag.size(),
                           end == std::string::npos ? std::string::npos : end - at - tag.size());
}

// kind, then `first` behind its length on two bytes (so that no first part is
// a prefix of another's key), then `second`.
std::string Pair(char kind, std::string_view first, std::string_view second = {}) {
  std::string k(1, kind);
  const size_t n = std::min<size_t>(first.size(), 0xffff);
  k.push_back(static_cast<char>(n >> 8));
  k.push_back(static_cast<char>(n & 0xff));
  k.append(first.substr(0, n));
  k.append(second);
  return k;
}

std::string EncodeKeys(const std::vector<std::string>& keys) {
  std::string out;
  ByteWriter w(out, 1);
  w.Field(keys);
  return out;
}

Result<std::vector<std::string>> DecodeKeys(std::string_view bytes) {
  std::vector<std::string> keys;
  ByteReader r(bytes, 1, "a guardian's keys in the import index");
  r.Field(keys);
  LEDGER_RETURN_IF_ERROR(r.Done());
  return keys;
}

// The pupil's entry among an establishment's open pupils or leavers, or "".
std::string PlaceEntry(const AccountView& v, const std::string& id) {
  if (v.kind != AccountKind::kPupil) return "";
  if (v.state != ViewState::kClosed) return Pair('p', v.placement.uai.str(), id);
  if (v.closed_reason == "left") return Pair('x', v.placement.uai.str(), id);
  return "";
}

}  // namespace

Result<std::unique_ptr<LedgerIndex>> LedgerIndex::Open(EventLog& log, StateStore& store,
                                                       const privacy::LookupKeyer* keyer,
                                                       size_t flush_every) {
  std::unique_ptr<LedgerIndex> index(new LedgerIndex(store, keyer, std::max<size_t>(flush_every, 1)));
  LEDGER_RETURN_IF_ERROR(index->CatchUp(log));
  return index;
}

Result<std::unique_ptr<LedgerIndex>> LedgerIndex::Load(EventLog& log, const privacy::LookupKeyer* keyer) {
  auto store = std::make_unique<MemoryStateStore>();
  std::unique_ptr<LedgerIndex> index(new LedgerIndex(*store, keyer, SIZE_MAX));
  index->owned_ = std::move(store);
  LEDGER_RETURN_IF_ERROR(index->CatchUp(log));
  return index;
}

std::string LedgerIndex::Fingerprint() const {
  return keyer_ ? keyer_->Key("import-index", "fingerprint") : "no keyer";
}

Status LedgerIndex::CatchUp(EventLog& log) {
  LEDGER_ASSIGN_OR_RETURN(std::vector<int64_t> ends, log.EndOffsets());
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> bytes, store_.Get("m"));
  bool follows = false;
  if (bytes) {
    ByteReader r(*bytes, kMetaFormat, "the import index's meta");
    std::string fingerprint;
    r.Field(fingerprint);
    const uint64_t n = r.U64();
    for (uint64_t p = 0; p < n && r.ok(); ++p) {
      folded_.push_back(r.I64());
      r.Bytes(tails_.emplace_back());
    }
    // Unreadable meta: the store is derived, fold it again.
    if (r.Done().ok() && fingerprint == Fingerprint()) {
      LEDGER_ASSIGN_OR_RETURN(follows, FoldFollowsLog(log, folded_, tails_, ends));
    }
  }
  if (!follows) {
    if (bytes) LEDGER_RETURN_IF_ERROR(store_.Clear());
    refolded_ = bytes.has_value();
    folded_.assign(ends.size(), 0);
    tails_.assign(ends.size(), Hash{});
  }
  LEDGER_RETURN_IF_ERROR(ScanLog(log, folded_, [&](const LogRecord& rec, const DecodedRecord& d) {
    LEDGER_RETURN_IF_ERROR(Add(d.event));
    folded_[rec.partition] = rec.offset + 1;
    tails_[rec.partition] = d.event.hash;
    ++folded_now_;
    return views_.size() + pending_.size() >= flush_every_ ? Flush() : OkStatus();
  }));
  return Flush();
}

Status LedgerIndex::Flush() {
  peak_pending_ = std::max(peak_pending_, views_.size() + pending_.size());
  std::vector<std::pair<std::string, std::string>> puts;
  std::vector<std::string> deletes;
  puts.reserve(views_.size() + pending_.size() + 1);
  for (auto& [id, v] : views_) puts.emplace_back("v" + id, EncodeView(v));
  for (auto& [k, v] : pending_) {
    if (v) {
      puts.emplace_back(k, std::move(*v));
    } else {
      deletes.push_back(k);
    }
  }
  std::string meta;
  ByteWriter w(meta, kMetaFormat);
  w.Str(Fingerprint());
  w.U64(folded_.size());
  for (size_t p = 0; p < folded_.size(); ++p) {
    w.I64(folded_[p]);
    w.Bytes(tails_[p]);
  }
  puts.emplace_back("m", std::move(meta));
  LEDGER_RETURN_IF_ERROR(store_.Apply(puts, deletes).WithContext("import index"));
  views_.clear();
  pending_.clear();
  return OkStatus();
}

Result<AccountView*> LedgerIndex::ViewToWrite(const std::string& account) {
  if (auto it = views_.find(account); it != views_.end()) return &it->second;
  AccountView v;
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> bytes, store_.Get("v" + account));
  if (bytes) {
    LEDGER_ASSIGN_OR_RETURN(v, DecodeView(*bytes));
  }
  return &views_.emplace(account, std::move(v)).first->second;
}

Result<std::vector<std::string>> LedgerIndex::KeysToWrite(const std::string& guardian) {
  std::optional<std::string> bytes;
  if (auto it = pending_.find("g" + guardian); it != pending_.end()) {
    bytes = it->second;
  } else {
    LEDGER_ASSIGN_OR_RETURN(bytes, store_.Get("g" + guardian));
  }
  if (!bytes) return std::vector<std::string>();
  return DecodeKeys(*bytes);
}

Status LedgerIndex::SetKeys(const std::string& guardian, const std::vector<std::string>& keys) {
  LEDGER_ASSIGN_OR_RETURN(std::vector<std::string> before, KeysToWrite(guardian));
  if (before.empty() && keys.empty()) return OkStatus();  // a pupil's creation, most often
  for (const std::string& k : before) Delete(Pair('k', k, guardian));
  if (keys.empty()) {
    Delete("g" + guardian);
  } else {
    Put("g" + guardian, EncodeKeys(keys));
  }
  for (const std::string& k : keys) Put(Pair('k', k, guardian), "");
  return OkStatus();
}

Status LedgerIndex::Add(const Event& e) {
  const std::string id = e.stream.str();
  if (id.rfind("uai:", 0) == 0) return OkStatus();  // an establishment's stream
  LEDGER_ASSIGN_OR_RETURN(AccountView * v, ViewToWrite(id));
  const std::string place_before = v->exists() ? PlaceEntry(*v, id) : "";
  ApplyToView(*v, e);
  // The planner needs no personal field; the index keeps none (a schema-1
  // view holds the login in clear: logins are looked up through "l" entries).
  v->sealed.clear();
  v->login.clear();
  if (const std::string place = PlaceEntry(*v, id); place != place_before) {
    if (!place_before.empty()) Delete(place_before);
    if (!place.empty()) Put(place, "");
  }
  const AccountKind kind = v->kind;
  return std::visit(
      Overloaded{
          [&](const AccountCreated& p) {
            Put("l" + (p.sealed.empty() ? LoginLookup(p.login) : p.login_key), "");
            const std::string ine =
                p.sealed.empty() ? (p.ine.empty() ? "" : IneLookup(p.ine.str())) : p.ine_key;
            if (p.kind == AccountKind::kPupil && !ine.empty()) Put("i" + ine, id);
            return SetKeys(id, p.match_keys);
          },
          [&](const ContactUpdated& p) {
            return kind == AccountKind::kGuardian ? SetKeys(id, p.match_keys) : OkStatus();
          },
          [&](const GuardianLinked& p) {
            Put(Pair('o', p.pupil.str(), id), "");
            if (p.source_system == SourceSystem::kSiecle) {
              const std::string person = PersonId(p.source_ids);
              if (!person.empty()) Put(Pair('s', p.pupil_placement.uai.str(), person), id);
            }
            return OkStatus();
          },
          [&](const AccountClosed&) { return SetKeys(id, {}); },
          [](const auto&) { return OkStatus(); },
      },
      e.payload);
}

std::optional<std::string> LedgerIndex::Get(const std::string& key) const {
  Result<std::optional<std::string>> r = store_.Get(key);
  if (r.ok()) return *r;
  if (status_.ok()) status_ = r.status().WithContext("import index");
  return std::nullopt;
}

std::vector<std::string> LedgerIndex::Suffixes(const std::string& prefix) const {
  std::vector<std::string> out;
  const Status s = store_.Scan(prefix, [&](std::string_view k, std::string_view) {
    out.emplace_back(k.substr(prefix.size()));
    return true;
  });
  if (!s.ok() && status_.ok()) status_ = s.WithContext("import index");
  return out;
}

std::string LedgerIndex::LoginLookup(std::string_view login) const {
  return keyer_ ? privacy::LoginKey(*keyer_, login) : std::string(login);
}

std::string LedgerIndex::IneLookup(std::string_view ine) const {
  return keyer_ ? privacy::IneKey(*keyer_, ine) : std::string(ine);
}

bool LedgerIndex::LoginTaken(const std::string& login) const {
  return Get("l" + LoginLookup(login)).has_value();
}

std::optional<AccountView> LedgerIndex::Find(const std::string& account) const {
  std::optional<std::string> bytes = Get("v" + account);
  if (!bytes) return std::nullopt;
  Result<AccountView> v = DecodeView(*bytes);
  if (v.ok()) return std::move(*v);
  if (status_.ok()) status_ = v.status().WithContext("import index: account " + account);
  return std::nullopt;
}

std::string LedgerIndex::PupilByIne(const std::string& ine) const {
  return Get("i" + IneLookup(ine)).value_or("");
}

std::set<std::string> LedgerIndex::GuardiansByKey(const std::string& key) const {
  const std::vector<std::string> guardians = Suffixes(Pair('k', key));
  return std::set<std::string>(guardians.begin(), guardians.end());
}

std::vector<std::string> LedgerIndex::KeysOf(const std::string& guardian) const {
  std::optional<std::string> bytes = Get("g" + guardian);
  if (!bytes) return {};
  Result<std::vector<std::string>> keys = DecodeKeys(*bytes);
  if (!keys.ok()) {
    if (status_.ok()) status_ = keys.status().WithContext("import index: account " + guardian);
    return {};
  }
  return std::move(*keys);
}

std::string LedgerIndex::GuardianBySourceId(const std::string& uai, const std::string& person) const {
  const std::string id = Get(Pair('s', uai, person)).value_or("");
  if (id.empty()) return "";
  const std::optional<AccountView> v = Find(id);
  return v && v->state != ViewState::kClosed ? id : "";
}

std::map<std::string, std::vector<std::string>> LedgerIndex::PupilsAt(
    const std::set<std::string>& uais) const {
  std::map<std::string, std::vector<std::string>> out;
  for (const std::string& uai : uais) {
    std::vector<std::string> pupils = Suffixes(Pair('p', uai));
    if (!pupils.empty()) out[uai] = std::move(pupils);
  }
  return out;
}

std::vector<std::string> LedgerIndex::LeaversFrom(const std::set<std::string>& uais) const {
  std::vector<std::string> out;
  for (const std::string& uai : uais) {
    std::vector<std::string> left = Suffixes(Pair('x', uai));
    out.insert(out.end(), std::make_move_iterator(left.begin()), std::make_move_iterator(left.end()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, LinkView> LedgerIndex::LinksOf(const std::string& pupil) const {
  std::map<std::string, LinkView> out;
  for (const std::string& g : Suffixes(Pair('o', pupil))) {
    const std::optional<AccountView> v = Find(g);
    if (!v) continue;
    if (auto l = v->links.find(pupil); l != v->links.end()) out.emplace(g, l->second);
  }
  return out;
}

}  // namespace ledger::import
