#include "ops/import/import_plan.h"

#include <sodium.h>

#include <algorithm>
#include <set>

#include "events/identifiers.h"
#include "ops/import/normalize.h"

namespace ledger::import {

namespace {

std::string Digest(std::string_view input, size_t bytes) {
  unsigned char d[32];
  crypto_generichash(d, bytes, reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                     nullptr, 0);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 15];
  }
  return out;
}

std::string Where(const std::string& file, int line) {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

// A pupil of the run that keeps (or gets) an account.
struct Active {
  size_t set = 0;
  const PupilRecord* rec = nullptr;
  std::string account;  // existing or new
};

// A guardian of one export, once resolved.
struct Adult {
  std::string account;   // "" when left out (ambiguous, or no link)
  std::vector<std::string> keys;
  bool is_new = false;
};

class Planner {
 public:
  Planner(const std::vector<ExportSet>& sets, const Directory& dir, const LedgerIndex& index,
          const PlanOptions& o, const CommandSink& sink)
      : sets_(sets), dir_(dir), index_(index), o_(o), sink_(sink) {}

  // A new account's opaque id: from its login, keyed with the deployment's
  // lookup secret when there is one (an unkeyed digest of a guessable login
  // would let anyone holding the log find whose account an id is).
  std::string AccountIdFor(const std::string& login) const {
    if (const privacy::LookupKeyer* k = index_.keyer()) return "acc-" + k->Key("account", login).substr(0, 20);
    return "acc-" + Digest("account|" + login, 10);
  }

  Result<ImportPlan> Run() {
    LEDGER_RETURN_IF_ERROR(CheckEstablishments());
    CollectPupils();
    PlanPupils();
    for (size_t s = 0; s < sets_.size(); ++s) PlanGuardians(s);
    PlanLinks();
    PlanLeavers();
    LEDGER_RETURN_IF_ERROR(sink_status_);
    ImportPlan plan;
    plan.command_count = made_;
    plan.findings = std::move(findings_);
    plan.summary = summary_;
    return plan;
  }

 private:
  void Report(std::string kind, const std::string& file, int line, std::string source_id,
              std::string detail) {
    findings_.push_back(Finding{std::move(kind), file, line, std::move(source_id), std::move(detail)});
  }

  // Ids from the run and the command's content (`detail` tells apart two
  // commands of one kind on one stream: the pupil of a link): a rerun of the
  // same files replays what an interrupted run appended, never collides.
  // The phases make their commands in submission order — pupils, guardians
  // and their contacts, links, leavers — so each goes to the sink at once.
  void Make(CommandBody body, const std::string& detail) {
    if (!sink_status_.ok()) return;
    const std::string key = o_.run_id + "|" + std::string(CommandName(body)) + "|" +
                            TargetStream(body).str() + "|" + detail;
    sink_status_ = sink_(Command{CommandId("imp-" + Digest(key, 16)), at_, actor_, std::move(body)});
    ++made_;
  }

  Placement PlacementAt(const std::string& uai, const std::string& class_name) const {
    const Establishment& e = dir_.at(uai);
    return Placement{e.uai, e.department, e.academy, e.level, class_name};
  }

  // Logins are only ever added, in the ledger as in the run: every number
  // below the one a base last got is still taken, so the search for the
  // base's next login starts there (without it, the n-th "c.durand" of a
  // run would try n - 1 taken logins first).
  std::string NewLogin(const std::string& first, const std::string& last) {
    int& next = next_number_[LoginBase(first, last)];
    std::string login = MakeLogin(first, last, [&](const std::string& l) {
      return index_.LoginTaken(l) || new_logins_.count(l) > 0;
    }, std::max(next, 1), &next);
    ++next;
    new_logins_.insert(login);
    return login;
  }

  Status CheckEstablishments() {
    if (sets_.empty()) return InvalidArgument("nothing to import");
    const SourceSystem system = sets_[0].system;
    actor_ = Actor{ActorKind::kSystem, std::string(Name(system)), Uai(), std::nullopt, false};
    at_ = StartOfDay(o_.date);
    at_.micros += 8LL * 3600 * 1000000;  // 08:00 UTC on the exports' day
    for (const ExportSet& s : sets_) {
      const std::string where = Where(s.pupils_file, s.uai_line);
      if (Status v = ValidateUai(s.uai); !v.ok())
        return InvalidArgument(where + ": the export's establishment: " + v.message() +
                               " (is this export damaged?)");
      if (o_.expected_uai && *o_.expected_uai != s.uai) {
        Report("uai_mismatch", s.pupils_file, s.uai_line, s.uai, "expected " + *o_.expected_uai);
        return InvalidArgument(where + ": export of establishment " + s.uai + ", expected " +
                               *o_.expected_uai + " (--uai): wrong file?");
      }
      if (dir_.count(s.uai) == 0)
        return NotFound(where + ": establishment " + s.uai +
                        " is not in the directory: run `ledger import annuaire` with the "
                        "annuaire file of department " + s.uai.substr(0, 3) + " first");
      if (!imported_uais_.insert(s.uai).second)
        return InvalidArgument(where + ": establishment " + s.uai +
                               " appears twice in this run: give each export once");
    }
    return OkStatus();
  }

  // Validates every pupil record; picks, per INE, the record that places it.
  void CollectPupils() {
    std::map<std::string, std::vector<std::pair<size_t, const PupilRecord*>>> active, leaving;
    for (size_t s = 0; s < sets_.size(); ++s) {
      const ExportSet& set = sets_[s];
      std::map<std::string, int> seen;  // INE → first line in this file
      std::map<std::string, std::vector<const PupilRecord*>> by_name;
      for (const PupilRecord& p : set.pupils) {
        ++summary_.pupils_read;
        by_name[NormalizeName(p.last_name) + "|" + NormalizeName(p.first_name)].push_back(&p);
        if (p.ine.empty()) {
          Report("pupil_without_ine", set.pupils_file, p.line, p.source_id, "no account");
          continue;
        }
        if (Status v = ValidateIne(p.ine); !v.ok()) {
          Report("invalid_ine", set.pupils_file, p.line, p.source_id, v.message() + "; no account");
          continue;
        }
        if (auto [it, fresh] = seen.emplace(p.ine, p.line); !fresh) {
          Report("duplicate_in_file", set.pupils_file, p.line, p.source_id,
                 "same INE as the pupil at line " + std::to_string(it->second) + "; ignored");
          continue;
        }
        if (!p.birth_date) {
          Report("pupil_without_birth_date", set.pupils_file, p.line, p.source_id, "no account");
          continue;
        }
        const bool left = p.left_on && *p.left_on <= o_.date;
        (left ? leaving : active)[p.ine].push_back({s, &p});
      }
      for (const auto& [name, same] : by_name) {
        if (same.size() < 2) continue;
        for (const PupilRecord* p : same)
          Report("homonym", set.pupils_file, p->line, p->source_id,
                 std::to_string(same.size()) + " pupils share this name in the file");
      }
    }
    for (auto& [ine, recs] : active) {
      if (recs.size() > 1) {
        for (auto [s, p] : recs)
          Report("pupil_in_two_exports", sets_[s].pupils_file, p->line, p->source_id,
                 "the same INE is schooled in " + std::to_string(recs.size()) +
                     " exports of this run; left unchanged");
        continue;
      }
      active_[ine] = Active{recs[0].first, recs[0].second, ""};
    }
    for (auto& [ine, recs] : leaving)
      if (active_.count(ine) == 0) leaving_[ine] = recs[0];
  }

  void PlanPupils() {
    for (auto& [ine, a] : active_) {
      const ExportSet& set = sets_[a.set];
      const PupilRecord& p = *a.rec;
      const Placement here = PlacementAt(set.uai, p.class_name);
      const std::string existing = index_.PupilByIne(ine);
      if (existing.empty()) {
        const std::string login = NewLogin(p.first_name, p.last_name);
        a.account = AccountIdFor(login);
        AccountCreated d;
        d.kind = AccountKind::kPupil;
        d.login = login;
        d.source_system = set.system;
        d.source_id = p.source_id;
        d.source_file = set.pupils_file;
        d.placement = here;
        d.ine = Ine(ine);
        d.birth_date = p.birth_date;
        d.last_name = p.last_name;
        d.first_name = p.first_name;
        d.has_mobile = !NormalizeMobile(p.mobile).empty();
        d.has_email = !NormalizeEmail(p.email).empty();
        Make(CreateAccount{AccountId(a.account), d}, "");
        ++summary_.pupils_created;
        continue;
      }
      a.account = existing;
      const AccountView v = index_.Find(existing).value_or(AccountView{});
      if (v.state == ViewState::kClosed) {
        Report("closed_account_reappears", set.pupils_file, p.line, p.source_id,
               "the pupil's account " + existing + " is closed (" + v.closed_reason +
                   "); not reopened: ask academy support");
        a.account.clear();
        continue;
      }
      if (v.placement.uai.str() != set.uai) {
        Make(TransferPupil{AccountId(existing), here}, set.uai);
        transferred_.insert(existing);
        ++summary_.transfers;
      } else if (v.placement.class_name != p.class_name) {
        Make(ChangeClass{AccountId(existing), p.class_name}, p.class_name);
        ++summary_.class_changes;
      }
    }
    for (const auto& [ine, a] : active_)
      if (!a.account.empty()) pupil_of_[{a.set, a.rec->source_id}] = a.account;
  }

  // Resolves each adult of set `s` to an account (existing, new, or none).
  void PlanGuardians(size_t s) {
    const ExportSet& set = sets_[s];
    std::set<std::string> linked;  // PERSONNE_IDs with at least one account-making link
    for (const LinkRecord& l : set.links)
      if (RankOf(l) && pupil_of_.count({s, l.pupil_source_id})) linked.insert(l.guardian_source_id);
    std::map<std::string, std::string> key_owner;  // key → PERSONNE_ID, within this file
    for (const GuardianRecord& g : set.guardians) {
      ++summary_.guardians_read;
      Adult adult;
      adult.keys = GuardianMatchKeys(g.last_name, g.first_name, g.mobile, g.email, index_.keyer());
      if (linked.count(g.source_id) == 0) continue;  // a contact only, or no pupil with an account
      if (NormalizeMobile(g.mobile).empty())
        Report("guardian_without_mobile", set.guardians_file, g.line, g.source_id,
               "self-registration and SMS reset impossible");
      std::string dup;
      for (const std::string& k : adult.keys) {
        auto [it, fresh] = key_owner.emplace(k, g.source_id);
        if (!fresh && it->second != g.source_id) dup = it->second;
      }
      if (!dup.empty()) {
        Report("duplicate_in_file", set.guardians_file, g.line, g.source_id,
               "same person as PERSONNE_ID " + dup + "; one account for both");
        adults_[{s, g.source_id}] = adults_[{s, dup}];
        continue;
      }
      adult.account = Resolve(s, g, adult.keys);
      adults_[{s, g.source_id}] = adult;
    }
  }

  // The account of adult `g` of set `s`: "" when left out.
  std::string Resolve(size_t s, const GuardianRecord& g, const std::vector<std::string>& keys) {
    const ExportSet& set = sets_[s];
    std::string account;
    if (set.system == SourceSystem::kSiecle) account = index_.GuardianBySourceId(set.uai, g.source_id);
    if (account.empty()) {
      std::set<std::string> found;
      for (const std::string& k : keys) {
        for (const std::string& a : index_.GuardiansByKey(k)) found.insert(a);
        if (auto it = new_by_key_.find(k); it != new_by_key_.end()) found.insert(it->second);
      }
      if (found.size() > 1) {
        for (const LinkRecord& l : set.links)
          if (l.guardian_source_id == g.source_id)
            if (auto p = pupil_of_.find({s, l.pupil_source_id}); p != pupil_of_.end())
              uncertain_.insert(p->second);
        Report("ambiguous_guardian", set.guardians_file, g.line, g.source_id,
               std::to_string(found.size()) + " accounts match this adult; left out (no account, "
               "no link): merge the duplicates first");
        return "";
      }
      if (found.size() == 1) account = *found.begin();
    }
    if (account.empty()) return Create(s, g, keys);
    ++summary_.guardians_matched;
    // Contacts: the keys of every export that names this adult.
    std::vector<std::string> before = index_.KeysOf(account);
    std::vector<std::string>& merged = new_keys_[account];
    if (merged.empty()) merged = before;
    std::sort(before.begin(), before.end());
    for (const std::string& k : keys)
      if (std::find(merged.begin(), merged.end(), k) == merged.end()) merged.push_back(k);
    std::sort(merged.begin(), merged.end());
    if (merged != before && index_.Find(account)) contact_changed_.insert(account);
    for (const std::string& k : keys) new_by_key_.emplace(k, account);
    return account;
  }

  std::string Create(size_t s, const GuardianRecord& g, std::vector<std::string> keys) {
    const ExportSet& set = sets_[s];
    const std::string login = NewLogin(g.first_name, g.last_name);
    const std::string id = AccountIdFor(login);
    std::sort(keys.begin(), keys.end());
    AccountCreated d;
    d.kind = AccountKind::kGuardian;
    d.login = login;
    d.source_system = set.system;
    d.source_id = g.source_id;
    d.source_file = set.guardians_file;
    d.last_name = g.last_name;
    d.first_name = g.first_name;
    d.has_mobile = !NormalizeMobile(g.mobile).empty();
    d.has_email = !NormalizeEmail(g.email).empty();
    d.match_keys = keys;
    Make(CreateAccount{AccountId(id), d}, "");
    ++summary_.guardians_created;
    for (const std::string& k : keys) new_by_key_.emplace(k, id);
    return id;
  }

  static std::optional<LinkRank> RankOf(const LinkRecord& l) {
    if (l.resp_legal == 1) return LinkRank::kLegal1;
    if (l.resp_legal == 2) return LinkRank::kLegal2;
    if (l.responsibility == 2) return LinkRank::kEnCharge;
    return std::nullopt;
  }

  void PlanLinks() {
    for (const std::string& g : contact_changed_) {
      const std::vector<std::string>& keys = new_keys_[g];
      bool mobile = false, email = false;
      for (const std::string& k : keys) (k[0] == 'm' ? mobile : email) = true;
      Make(UpdateContact{AccountId(g), mobile, email, keys}, "");
      ++summary_.contacts_updated;
    }
    // Desired links of the run's pupils: (guardian, pupil) → the record.
    std::map<std::pair<std::string, std::string>, std::pair<size_t, const LinkRecord*>> desired;
    for (size_t s = 0; s < sets_.size(); ++s) {
      for (const LinkRecord& l : sets_[s].links) {
        ++summary_.links_read;
        const auto rank = RankOf(l);
        auto pupil = pupil_of_.find({s, l.pupil_source_id});
        auto adult = adults_.find({s, l.guardian_source_id});
        if (!rank || pupil == pupil_of_.end() || adult == adults_.end() || adult->second.account.empty())
          continue;
        if (*rank == LinkRank::kEnCharge && dir_.at(sets_[s].uai).level == Level::kEcole) {
          Report("en_charge_in_primary", sets_[s].guardians_file, l.line, l.guardian_source_id,
                 "a 'personne en charge' is recorded only in secondary school; no link");
          continue;
        }
        desired.emplace(std::pair{adult->second.account, pupil->second}, std::pair{s, &l});
      }
    }
    std::set<std::string> run_pupils;
    for (const auto& [key, id] : pupil_of_) run_pupils.insert(id);
    for (const std::string& pupil : run_pupils) {
      for (const auto& [g, link] : index_.LinksOf(pupil)) {
        if (!link.active()) continue;
        if (desired.count({g, pupil})) {
          // The link follows its pupil when the pupil moves in this run, and
          // also when it moved in an earlier run of these files that stopped
          // (a crash) before the links followed: the rerun must finish it.
          const std::optional<AccountView> v = index_.Find(pupil);
          const bool behind = v && link.placement.uai.str() != v->placement.uai.str();
          if (transferred_.count(pupil) || behind) {
            Make(UpdateGuardianLink{AccountId(g), AccountId(pupil)}, pupil);
            ++summary_.links_moved;
          }
          desired.erase({g, pupil});  // already there
        } else if (link.source_system != SourceSystem::kManual && uncertain_.count(pupil) == 0) {
          Make(UnlinkGuardian{AccountId(g), AccountId(pupil), UnlinkReason::kSourceUpdate},
               pupil);
          ++summary_.links_removed;
        }
      }
    }
    for (const auto& [gp, rec] : desired) {
      const auto& [s, l] = rec;
      LinkGuardian cmd{AccountId(gp.first), AccountId(gp.second), *RankOf(*l), l->relationship,
                       sets_[s].system,
                       "ELEVE_ID=" + l->pupil_source_id + ";PERSONNE_ID=" + l->guardian_source_id,
                       sets_[s].guardians_file};
      Make(std::move(cmd), gp.second);
      ++summary_.links_added;
    }
  }

  // Pupils leaving: a past DATE_SORTIE, or gone from their establishment's export.
  void PlanLeavers() {
    std::set<std::string> leavers;
    for (const auto& [ine, rec] : leaving_) {
      const std::string a = index_.PupilByIne(ine);
      const std::optional<AccountView> v = a.empty() ? std::nullopt : index_.Find(a);
      if (v && v->state != ViewState::kClosed && v->placement.uai.str() == sets_[rec.first].uai)
        leavers.insert(a);
    }
    std::set<std::string> placed;
    for (const auto& [key, id] : pupil_of_) placed.insert(id);
    for (const auto& [uai, pupils] : index_.PupilsAt(imported_uais_))
      for (const std::string& a : pupils)
        if (placed.count(a) == 0) leavers.insert(a);
    // A leaver closed by an interrupted import whose unlinks did not all reach
    // the log (a group commit spans partitions, each written on its own, and
    // a crash can land between them): its links still active go now, in the
    // place and under the ids the first run gave them, so the log ends as an
    // uninterrupted import's. After an uninterrupted import there are none.
    std::set<std::string> closed;
    for (const std::string& a : index_.LeaversFrom(imported_uais_))
      if (leavers.insert(a).second) closed.insert(a);
    for (const std::string& a : leavers) {
      for (const auto& [g, link] : index_.LinksOf(a))
        if (link.active())
          Make(UnlinkGuardian{AccountId(g), AccountId(a), UnlinkReason::kPupilLeft}, a);
      if (closed.count(a) > 0) continue;
      Make(CloseAccount{AccountId(a), CloseReason::kLeft, AccountId()}, "");
      ++summary_.leavers;
    }
  }

  const std::vector<ExportSet>& sets_;
  const Directory& dir_;
  const LedgerIndex& index_;
  const PlanOptions& o_;
  Actor actor_;
  Timestamp at_;
  std::set<std::string> imported_uais_;
  std::map<std::string, Active> active_;                               // by INE
  std::map<std::string, std::pair<size_t, const PupilRecord*>> leaving_;  // by INE
  std::map<std::pair<size_t, std::string>, std::string> pupil_of_;     // (set, ELEVE_ID) → account
  std::map<std::pair<size_t, std::string>, Adult> adults_;             // (set, PERSONNE_ID)
  std::map<std::string, std::string> new_by_key_;                      // key → account, this run
  std::map<std::string, std::vector<std::string>> new_keys_;           // account → merged keys
  std::set<std::string> contact_changed_, transferred_, new_logins_;
  std::map<std::string, int> next_number_;  // login base → the first number not known taken
  std::set<std::string> uncertain_;  // pupils of a left-out adult: their links are kept
  const CommandSink& sink_;
  Status sink_status_;
  size_t made_ = 0;
  std::vector<Finding> findings_;
  PlanSummary summary_;
};

}  // namespace

std::string LoginBase(std::string_view first_name, std::string_view last_name) {
  std::string base;
  const std::string first = NormalizeName(first_name), last = NormalizeName(last_name);
  const char initial = first.empty() ? 'X' : first[0];
  base += initial >= 'A' && initial <= 'Z' ? static_cast<char>(initial - 'A' + 'a') : 'x';
  base += '.';
  size_t letters = 0;
  for (char c : last) {
    if (c < 'A' || c > 'Z' || letters == 20) continue;
    base += static_cast<char>(c - 'A' + 'a');
    ++letters;
  }
  if (letters == 0) base += "eleve";
  return base;
}

std::string MakeLogin(std::string_view first_name, std::string_view last_name,
                      const std::function<bool(const std::string&)>& taken, int from, int* number) {
  const std::string base = LoginBase(first_name, last_name);
  for (int n = std::max(from, 1);; ++n) {
    std::string login = base + std::to_string(n);
    if (taken(login)) continue;
    if (number != nullptr) *number = n;
    return login;
  }
}

Result<ImportPlan> PlanImport(const std::vector<ExportSet>& sets, const Directory& directory,
                              const LedgerIndex& index, const PlanOptions& options) {
  std::vector<Command> commands;
  const CommandSink keep = [&](Command c) {
    commands.push_back(std::move(c));
    return OkStatus();
  };
  LEDGER_ASSIGN_OR_RETURN(ImportPlan plan, PlanImport(sets, directory, index, options, keep));
  plan.commands = std::move(commands);
  return plan;
}

Result<ImportPlan> PlanImport(const std::vector<ExportSet>& sets, const Directory& directory,
                              const LedgerIndex& index, const PlanOptions& options,
                              const CommandSink& sink) {
  Result<ImportPlan> plan = Planner(sets, directory, index, options, sink).Run();
  // A plan made while the index's store failed to answer is not the diff.
  if (!index.status().ok()) return index.status();
  return plan;
}

}  // namespace ledger::import
