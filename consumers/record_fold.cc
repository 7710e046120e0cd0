#include "consumers/record_fold.h"

#include <set>
#include <unordered_map>

#include "consumers/view_cache.h"
#include "events/log_scan.h"
#include "projections/search_key.h"
#include "projections/stat_accumulator.h"
#include "projections/view_codec.h"

namespace ledger {
namespace {


bool IsEstablishmentStream(const std::string& s) { return s.rfind("uai:", 0) == 0; }

// The events that change an account's state only (not its kind,
// placement or links): its cells stay, their counts change.
bool ChangesStateOnly(const Payload& p) {
  return std::holds_alternative<AccountNotified>(p) || std::holds_alternative<AccountActivated>(p);
}

// Events that can move an account's statistics contribution.
bool MovesStats(const Payload& p) {
  return std::holds_alternative<AccountCreated>(p) || std::holds_alternative<AccountNotified>(p) ||
         std::holds_alternative<AccountActivated>(p) || std::holds_alternative<GuardianLinked>(p) ||
         std::holds_alternative<GuardianLinkUpdated>(p) ||
         std::holds_alternative<GuardianUnlinked>(p) || std::holds_alternative<PupilTransferred>(p) ||
         std::holds_alternative<ClassChanged>(p) || std::holds_alternative<AccountClosed>(p);
}

const AccountId* LinkedPupil(const Payload& p) {
  if (auto* e = std::get_if<GuardianLinked>(&p)) return &e->pupil;
  if (auto* e = std::get_if<GuardianLinkUpdated>(&p)) return &e->pupil;
  if (auto* e = std::get_if<GuardianUnlinked>(&p)) return &e->pupil;
  if (auto* e = std::get_if<LinkConfirmed>(&p)) return &e->pupil;
  if (auto* e = std::get_if<LinkDisputed>(&p)) return &e->pupil;
  return nullptr;
}

// The search entries and establishment places an event adds (indexes of
// projection_db.h): logins and INEs at creation, placements wherever events carry them.
void Index(ProjectionDb::Batch& b, const Event& e) {
  const std::string& account = e.stream.str();
  if (const auto* c = std::get_if<AccountCreated>(&e.payload)) {
    if (c->sealed.empty()) {  // schema 1: the values themselves
      b.PutSearchEntry(SearchIndex::kLogin, SearchKey(SearchIndex::kLogin, c->login), account);
      b.PutSearchEntry(SearchIndex::kIne, SearchKey(SearchIndex::kIne, c->ine.str()), account);
    } else {  // schema 2: their keyed hashes, as the event carries them
      b.PutSearchEntry(SearchIndex::kLogin, KeyedSearchKey(c->login_key), account);
      b.PutSearchEntry(SearchIndex::kIne, KeyedSearchKey(c->ine_key), account);
    }
    b.PutPlace(c->placement);
  } else if (const auto* t = std::get_if<PupilTransferred>(&e.payload)) {
    b.PutPlace(t->to);
  } else if (const auto* l = std::get_if<GuardianLinked>(&e.payload)) {
    b.PutPlace(l->pupil_placement);
  } else if (const auto* u = std::get_if<GuardianLinkUpdated>(&e.payload)) {
    b.PutPlace(u->pupil_placement);
  }
}

// The establishments an account belongs to in the store's index
// (projection_db.h "e|"): none once closed.
std::set<std::string> Memberships(const AccountView& v) {
  std::set<std::string> out;
  if (!v.open()) return out;
  if (v.kind == AccountKind::kPupil) {
    if (!v.placement.uai.empty()) out.insert(v.placement.uai.str());
  } else {
    for (const auto& [_, l] : v.links)
      if (l.active() && !l.placement.uai.empty()) out.insert(l.placement.uai.str());
  }
  return out;
}

}  // namespace

// The state one batch reads and changes, loaded from the store on first use.
class BatchState {
 public:
  // With no store, every stream starts empty (a fresh store: nothing to read).
  // With `stats`, statistics deltas are added there rather than kept for WriteTo.
  BatchState(const ProjectionDb* db, StatAccumulator* stats, bool in_key_order, ViewCache* cache)
      : db_(db), in_key_order_(db != nullptr && in_key_order), cache_(cache),
        stats_(stats != nullptr ? *stats : own_stats_) {}

  Result<ChainHead*> Head(const std::string& stream) {
    auto it = heads_.find(stream);
    if (it != heads_.end()) return &it->second;
    std::optional<ChainHead> h;
    if (db_ != nullptr) {
      LEDGER_ASSIGN_OR_RETURN(h, db_->Head(stream));
    }
    return &heads_.emplace(stream, h.value_or(ChainHead{})).first->second;
  }
  Result<AccountView*> View(const std::string& account) {
    auto it = views_.find(account);
    if (it != views_.end()) return &it->second;
    std::optional<AccountView> v;
    ViewCache::Found found = ViewCache::Found::kUnknown;
    if (cache_ != nullptr) found = cache_->Find(account, cached_);
    if (found == ViewCache::Found::kView) {
      LEDGER_ASSIGN_OR_RETURN(AccountView cached, DecodeView(cached_));
      v = std::move(cached);
    } else if (found == ViewCache::Found::kUnknown && in_key_order_) {
      // Made at the first view the cache cannot give: none when it gives all.
      if (!views_cursor_) views_cursor_ = db_->NewViewCursor();
      LEDGER_ASSIGN_OR_RETURN(v, views_cursor_->View(account));
    } else if (found == ViewCache::Found::kUnknown && db_ != nullptr) {
      LEDGER_ASSIGN_OR_RETURN(v, db_->View(account, /*with_sealed=*/false));
    }
    AccountView& view = views_.emplace(account, v.value_or(AccountView{})).first->second;
    members_before_.emplace(account, Memberships(view));
    return &view;
  }
  ProjectionDb::ViewCursor::Reads CursorReads() const {
    return views_cursor_ ? views_cursor_->reads() : ProjectionDb::ViewCursor::Reads{};
  }
  // Where each record is decoded, its memory kept from one to the next.
  DecodedRecord& decoded() { return decoded_; }
  void Dirty(const std::string& stream) { dirty_streams_.insert(stream); }
  void DirtyLink(const std::string& guardian, const std::string& pupil) {
    dirty_links_.emplace(guardian, pupil);
  }
  // Applies `e` to `v`, adding the change of v's contribution to the
  // statistics. The contribution after one event is kept as the next one's
  // before (the key-order fold applies a stream's events one after another).
  void ApplyCounted(AccountView* v, const Event& e) {
    if (counted_ != v) {
      stats_.ContributionOf(*v, before_);
      counted_ = v;
    }
    ApplyToView(*v, e);
    if (ChangesStateOnly(e.payload)) stats_.StateChangeOf(*v, before_, after_);
    else stats_.ContributionOf(*v, after_);
    stats_.AddChange(before_, after_, e.occurred_at);
    std::swap(before_, after_);
  }
  // Applies an event that does not move `v`'s contribution.
  void ApplyUncounted(AccountView* v, const Event& e) {
    ApplyToView(*v, e);
    if (counted_ == v) counted_ = nullptr;  // as if it might have
  }

  void Clear() {
    heads_.clear();
    views_.clear();
    members_before_.clear();
    dirty_streams_.clear();
    dirty_links_.clear();
    counted_ = nullptr;
    own_stats_.DropSums();
  }

  void WriteTo(ProjectionDb::Batch& b) {
    for (const std::string& s : dirty_streams_) {
      if (auto it = views_.find(s); it != views_.end()) {
        const std::string& bytes = b.PutView(it->second);  // an account's chain head is part of its view
        if (cache_ != nullptr) cache_->Put(s, bytes);
        const std::set<std::string>& before = members_before_.at(s);
        const std::set<std::string> after = Memberships(it->second);
        for (const std::string& uai : before)
          if (!after.count(uai)) b.SetMember(uai, s, false);
        for (const std::string& uai : after)
          if (!before.count(uai)) b.SetMember(uai, s, true);
      } else {
        b.PutHead(s, heads_.at(s));
      }
    }
    for (const auto& [g, p] : dirty_links_) b.PutLink(views_.at(g).links.at(p));
    if (&stats_ != &own_stats_) return;  // the caller's
    b.AddStats(own_stats_);
  }

 private:
  const ProjectionDb* db_;
  const bool in_key_order_;
  ViewCache* const cache_;
  std::string cached_;  // the bytes of the last view found in the cache
  std::unique_ptr<ProjectionDb::ViewCursor> views_cursor_;
  std::unordered_map<std::string, ChainHead> heads_;
  std::unordered_map<std::string, AccountView> views_;
  std::unordered_map<std::string, std::set<std::string>> members_before_;
  std::set<std::string> dirty_streams_;
  std::set<std::pair<std::string, std::string>> dirty_links_;
  StatAccumulator own_stats_;
  StatAccumulator& stats_;
  const AccountView* counted_ = nullptr;  // the view whose contribution before_ is
  CellSet before_, after_;
  DecodedRecord decoded_;
};

namespace {

// Folds one decoded record; a chain failure is returned for quarantine.
Status ApplyRecord(BatchState& st, ProjectionDb::Batch& b, std::string_view record, const DecodedRecord& d) {
  const Event& e = d.event;
  const std::string& stream = e.stream.str();
  if (IsEstablishmentStream(stream)) {
    LEDGER_ASSIGN_OR_RETURN(ChainHead * head, st.Head(stream));
    ChainHead next = *head;
    LEDGER_RETURN_IF_ERROR(VerifyAndAdvance(next, d));
    *head = next;
    st.Dirty(stream);
    b.PutHistory(stream, e.seq, record);
    return OkStatus();
  }
  LEDGER_ASSIGN_OR_RETURN(AccountView * v, st.View(stream));
  ChainHead head{v->seq, v->last_hash, v->exists() ? v->updated_at : Timestamp{INT64_MIN}};
  LEDGER_RETURN_IF_ERROR(VerifyAndAdvance(head, d));
  st.Dirty(stream);
  b.PutHistory(stream, e.seq, record);
  if (MovesStats(e.payload)) st.ApplyCounted(v, e);
  else st.ApplyUncounted(v, e);
  if (const AccountId* pupil = LinkedPupil(e.payload)) st.DirtyLink(stream, pupil->str());
  Index(b, e);
  return OkStatus();
}

}  // namespace

RecordFold::RecordFold(const ProjectionDb* db, StatAccumulator* stats, bool in_key_order, ViewCache* views)
    : st_(std::make_unique<BatchState>(db, stats, in_key_order, views)) {}
RecordFold::~RecordFold() = default;

bool RecordFold::Add(ProjectionDb::Batch& b, int32_t partition, const LogRecord& rec) {
  return Add(b, partition, rec.offset, rec.key, rec.value);
}

bool RecordFold::Add(ProjectionDb::Batch& b, int32_t partition, int64_t offset, std::string_view key,
                     std::string_view value) {
  DecodedRecord& d = st_->decoded();
  Status s = DecodeLogRecordInto(key, value, d);
  if (s.ok()) s = ApplyRecord(*st_, b, value, d);
  if (s.ok()) return true;
  b.PutQuarantine(QuarantineEntry{partition, offset, std::string(key), s.message(), value.size()});
  return false;
}

void RecordFold::WriteTo(ProjectionDb::Batch& b) { st_->WriteTo(b); }
void RecordFold::Clear() { st_->Clear(); }
ProjectionDb::ViewCursor::Reads RecordFold::cursor_reads() const { return st_->CursorReads(); }

}  // namespace ledger
