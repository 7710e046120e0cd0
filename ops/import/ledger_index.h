// LedgerIndex: what an import needs to know of the ledger to compute a diff —
// every account's view (state, placement, links), pupils by INE, guardians by
// matching key and by the ids their establishment's exports gave them, the
// open pupils and the leavers of each establishment, and the logins in use.
//
// Bounded memory (ARCHITECTURE §10): the index lives in a StateStore — on the
// command line DATA/import-index (RocksDB, ops/datadir), kept between runs —
// and Open folds into it only what the log holds beyond what it folded
// before; memory holds the events of one commit of the fold (`flush_every`
// accounts and entries at most), never the ledger. Like the write path's
// state (aggregates/write_state.h) the store is derived: its meta records, per
// partition, the offset folded and the hash of the last event folded; a store
// that is not the fold of a prefix of this log (another log, one restored from
// a backup, ahead of it) or was built with another lookup secret is cleared
// and folded again from the start. A crash mid-fold leaves whole commits (the
// meta is in each): the next Open goes on from there.
//
// Lookups without clear text (ARCHITECTURE §9): with a keyer (the
// deployment's, events/privacy/lookup_key.h) logins and INEs are held and
// compared as keyed hashes — schema 2 events carry them, schema 1 ones are
// hashed as they are folded — so the index needs no key store and no
// decryption. Views are kept without their sealed fields and login: no
// name, INE, birth date, login or contact; the exports' own ids (ELEVE_ID,
// PERSONNE_ID) are kept, as the log's link events hold them. Without a
// keyer (tests), logins and INEs are held as they are.
//
// Store keys (one byte of kind; L(x) = x's length on two bytes, then x):
//   m                      meta (folded offsets, tails, the keyer's fingerprint)
//   v<account>             the account's view (view_codec.h), without `sealed`
//   i<ine>                 → the pupil account holding the INE
//   l<login>               a login in use
//   g<guardian>            → its current matching keys
//   k L(key) <guardian>    an open guardian holding `key`
//   s L(uai) <PERSONNE_ID> → the guardian that establishment's exports named so
//   o L(pupil) <guardian>  a guardian linked (now or before) to the pupil
//   p L(uai) <pupil>       an open pupil schooled there
//   x L(uai) <pupil>       a pupil closed as a leaver ("left") last schooled there
//
// Errors: a store that fails to read while the planner asks is sticky — the
// query answers as if nothing were found and status() returns the error;
// PlanImport checks it and refuses the plan. Open returns fold and store
// errors (a record that does not decode names its partition and offset).
// Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "aggregates/write_state.h"
#include "events/event.h"
#include "events/event_log.h"
#include "events/privacy/lookup_key.h"
#include "projections/account_view.h"

namespace ledger::import {

class LedgerIndex {
 public:
  static constexpr size_t kFlushEvery = 20000;  // accounts and entries per commit of the fold

  // The index of `log` in `store`, folded up to the log's end.
  static Result<std::unique_ptr<LedgerIndex>> Open(EventLog& log, StateStore& store,
                                                   const privacy::LookupKeyer* keyer,
                                                   size_t flush_every = kFlushEvery);
  // The same in memory, folded from the whole log (tests, small ledgers).
  static Result<std::unique_ptr<LedgerIndex>> Load(EventLog& log,
                                                   const privacy::LookupKeyer* keyer = nullptr);

  // The account's view, or nullopt.
  std::optional<AccountView> Find(const std::string& account) const;
  // The pupil account holding `ine` (closed ones included), or "".
  std::string PupilByIne(const std::string& ine) const;
  // The open guardian accounts holding `key` (several: an ambiguity).
  std::set<std::string> GuardiansByKey(const std::string& key) const;
  // The guardian linked (now or before) to a pupil of `uai` under
  // PERSONNE_ID `person` by that establishment's SIECLE exports, if still open, or "".
  std::string GuardianBySourceId(const std::string& uai, const std::string& person) const;
  // The guardian's current matching keys.
  std::vector<std::string> KeysOf(const std::string& guardian) const;
  bool LoginTaken(const std::string& login) const;
  // The forms logins and INEs are held in (keyed hashes with a keyer).
  std::string LoginLookup(std::string_view login) const;
  std::string IneLookup(std::string_view ine) const;
  const privacy::LookupKeyer* keyer() const { return keyer_; }

  // Open pupil accounts schooled at each of `uais`.
  std::map<std::string, std::vector<std::string>> PupilsAt(const std::set<std::string>& uais) const;
  // Pupil accounts closed as leavers ("left") last schooled at one of `uais`.
  std::vector<std::string> LeaversFrom(const std::set<std::string>& uais) const;
  // Guardians with a link (active or not) to `pupil`: guardian id → link.
  std::map<std::string, LinkView> LinksOf(const std::string& pupil) const;

  // The first store error a query met (OK when none).
  const Status& status() const { return status_; }
  // Records this Open folded, and whether it started the store again.
  uint64_t folded_now() const { return folded_now_; }
  bool refolded() const { return refolded_; }
  // The largest number of accounts and entries held in memory by a commit of the fold.
  size_t peak_pending() const { return peak_pending_; }

 private:
  LedgerIndex(StateStore& store, const privacy::LookupKeyer* keyer, size_t flush_every)
      : store_(store), keyer_(keyer), flush_every_(flush_every) {}
  Status CatchUp(EventLog& log);
  Status Add(const Event& e);
  Status Flush();
  Result<AccountView*> ViewToWrite(const std::string& account);
  Result<std::vector<std::string>> KeysToWrite(const std::string& guardian);
  Status SetKeys(const std::string& guardian, const std::vector<std::string>& keys);
  void Put(std::string key, std::string value) { pending_[std::move(key)] = std::move(value); }
  void Delete(std::string key) { pending_[std::move(key)] = std::nullopt; }
  std::string Fingerprint() const;
  std::optional<std::string> Get(const std::string& key) const;   // sticky errors
  // The rest of every key under `prefix`, in key order (sticky errors).
  std::vector<std::string> Suffixes(const std::string& prefix) const;

  std::unique_ptr<StateStore> owned_;  // Load's in-memory store
  StateStore& store_;
  const privacy::LookupKeyer* keyer_ = nullptr;
  size_t flush_every_;
  std::vector<int64_t> folded_;
  std::vector<Hash> tails_;
  std::unordered_map<std::string, AccountView> views_;              // changed since the last commit
  std::map<std::string, std::optional<std::string>> pending_;      // other entries: value or delete
  mutable Status status_;
  uint64_t folded_now_ = 0;
  bool refolded_ = false;
  size_t peak_pending_ = 0;
};

}  // namespace ledger::import
