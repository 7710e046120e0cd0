// LedgerIndex: what an import needs to know of the ledger to compute a diff —
// every account's view (state, placement, links), pupils by INE, guardians by
// matching key and by the ids their establishment's exports gave them, and
// the logins in use. Built by folding events (Add), typically the whole log
// (Load); nothing is kept between runs, so it can never disagree with the log.
// Lookups without clear text (ARCHITECTURE §9): with a keyer (the
// deployment's, events/privacy/lookup_key.h) logins and INEs are held and
// compared as keyed hashes — schema 2 events carry them, schema 1 ones are
// hashed as they are folded — so the index needs no key store and no
// decryption. Without one (tests), the values themselves.
// Pure once built; not thread-safe while being built.
#pragma once

#include <map>
#include <set>
#include <string>

#include "events/event.h"
#include "events/event_log.h"
#include "events/privacy/lookup_key.h"
#include "projections/account_view.h"

namespace ledger::import {

class LedgerIndex {
 public:
  // Folds every event of `log` (partition by partition; streams stay in order).
  static Result<LedgerIndex> Load(EventLog& log, const privacy::LookupKeyer* keyer = nullptr);
  explicit LedgerIndex(const privacy::LookupKeyer* keyer = nullptr) : keyer_(keyer) {}

  // Folds one event; events of a stream arrive in seq order.
  void Add(const Event& e);

  // The account's view, or nullptr.
  const AccountView* Find(const std::string& account) const;
  // The pupil account holding `ine` (closed ones included), or "".
  std::string PupilByIne(const std::string& ine) const;
  // The open guardian accounts holding `key` (several: an ambiguity).
  std::set<std::string> GuardiansByKey(const std::string& key) const;
  // The guardian linked (now or before) to a pupil of `uai` under
  // PERSONNE_ID `person` by that establishment's SIECLE exports, or "".
  std::string GuardianBySourceId(const std::string& uai, const std::string& person) const;
  // The guardian's current matching keys.
  std::vector<std::string> KeysOf(const std::string& guardian) const;
  bool LoginTaken(const std::string& login) const { return logins_.count(LoginLookup(login)) > 0; }
  // The forms logins and INEs are held in (keyed hashes with a keyer).
  std::string LoginLookup(std::string_view login) const;
  std::string IneLookup(std::string_view ine) const;
  const privacy::LookupKeyer* keyer() const { return keyer_; }

  // Open pupil accounts schooled at each of `uais` (one pass over the index).
  std::map<std::string, std::vector<std::string>> PupilsAt(const std::set<std::string>& uais) const;
  // Pupil accounts closed as leavers ("left") last schooled at one of `uais`.
  std::vector<std::string> LeaversFrom(const std::set<std::string>& uais) const;
  // Guardians with a link (active or not) to `pupil`: guardian id → link.
  std::map<std::string, const LinkView*> LinksOf(const std::string& pupil) const;

  size_t accounts() const { return views_.size(); }

 private:
  std::map<std::string, AccountView> views_;
  std::map<std::string, std::string> pupil_by_ine_;
  std::map<std::string, std::vector<std::string>> keys_of_;  // guardian → its current keys
  std::map<std::string, std::set<std::string>> by_key_;
  std::map<std::pair<std::string, std::string>, std::string> by_source_id_;
  std::map<std::string, std::set<std::string>> guardians_of_;  // pupil → guardians linked once
  std::set<std::string> logins_;
  const privacy::LookupKeyer* keyer_ = nullptr;
};

}  // namespace ledger::import
