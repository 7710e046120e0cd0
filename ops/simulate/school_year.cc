#include "ops/simulate/school_year.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include <fmt/core.h>

#include "ops/simulate/rng.h"

namespace ledger::sim {
namespace {

constexpr int64_t kMinute = 60LL * 1000000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kLetterLife = 85 * kDay;  // re-notify before the 3-month letter expires

struct Group {
  std::string dept;
  Level level;
  friend auto operator<=>(const Group&, const Group&) = default;
};

class Year {
 public:
  Year(const Profile& p, const Population& pop, uint64_t seed, YearFacts* facts,
       std::function<void(Command)> sink)
      : p_(p), pop_(pop), seed_(seed), rng_(seed ^ 0x5C0017EA5ULL), facts_(facts), sink_(std::move(sink)) {
    t0_ = StartOfDay(p.rentree).micros;
    first_end_ = StartOfDay(p.first_date).micros + kDay - kMinute;
    second_end_ = StartOfDay(p.second_date).micros + kDay - kMinute;
    year_end_ = StartOfDay(p.year_end).micros + 18 * kHour;
    staff_from_ = StartOfDay(Date{p.rentree.year, 9, 1}).micros + 7 * kHour;
    move_day_min_ = t0_ + 65 * kDay;  // transfers and departures from November
    for (const Department& d : p.departments) dept_[d.code] = &d;
  }

  // Emits the year's commands in the order they are drawn (not yet by time).
  void Run() {
    Delegations();
    DecideMoves();
    Import();
    Pupils();
    Guardians();
    Moves();
  }

 private:
  // ---- actors and output ----
  static std::string StaffId(const Uai& u) { return "staff-admin-" + u.str(); }
  static Actor Staff(const Uai& u) {
    return Actor{ActorKind::kStaff, StaffId(u), u, Module::kAccountsAdmin, true};
  }
  static Actor Head(const Uai& u) { return Actor{ActorKind::kEstablishmentHead, "head-" + u.str(), u, {}, true}; }
  static Actor Owner(ActorKind k, const AccountId& id) { return Actor{k, id.str(), {}, {}, false}; }
  Actor Import(int school) const {
    const bool onde = pop_.schools[school].level == Level::kEcole;
    return Actor{ActorKind::kSystem, onde ? "onde" : "siecle", {}, {}, false};
  }
  Actor Support() const {
    return Actor{ActorKind::kAcademySupport, "support-" + p_.academy + "-1", {}, {}, true};
  }
  void Emit(int64_t at, Actor actor, CommandBody body) {
    sink_(Command{CommandId(fmt::format("{}-s{}-c{}", p_.id_prefix, seed_, emitted_++)), Timestamp{at},
                  std::move(actor), std::move(body)});
  }
  int64_t Day(int64_t from, int64_t to) { return from + rng_.Between(0, (to - from) / kDay) * kDay; }
  int64_t Clock(int64_t day) { return day - day % kDay + 7 * kHour + rng_.Between(0, 12 * 60) * kMinute; }
  // A day in [from, to], more often early (activations come in waves after the rentrée).
  int64_t EarlyDay(int64_t from, int64_t to) {
    const double u = rng_.Uniform();
    return from + static_cast<int64_t>(u * u * static_cast<double>((to - from) / kDay)) * kDay;
  }
  Placement PlaceOf(int school, const std::string& cls) const {
    const School& s = pop_.schools[school];
    return Placement{s.uai, s.department, s.academy, s.level, cls};
  }

  // ---- delegations ----
  void Delegations() {
    // The school year starts on 1 September: delegations run from then to 31 August.
    const Timestamp end = EndOfSchoolYear(Timestamp{staff_from_});
    for (const School& s : pop_.schools) {
      Emit(staff_from_ - 2 * kHour, Head(s.uai),
           DelegateRights{s.uai, ledger::StaffId(StaffId(s.uai)), Module::kAccountsAdmin, end, "rentrée"});
      if (!rng_.Chance(0.3)) continue;
      const ledger::StaffId cpe("staff-cpe-" + s.uai.str());
      Emit(staff_from_ + 2 * kHour, Head(s.uai),
           DelegateRights{s.uai, cpe, Module::kPupilSupport, end, "accompagnement des élèves"});
      if (rng_.Chance(0.5)) {
        Emit(Clock(Day(t0_ + 130 * kDay, t0_ + 200 * kDay)), Head(s.uai),
             RevokeDelegation{s.uai, cpe, Module::kPupilSupport, "changement de fonctions"});
        ++facts_->delegations_revoked;
      }
    }
  }

  // ---- who moves, who leaves, which links are wrong ----
  void DecideMoves() {
    moved_to_.assign(pop_.pupils.size(), -1);
    move_at_.assign(pop_.pupils.size(), 0);
    leaves_.assign(pop_.pupils.size(), false);
    stays_.assign(pop_.pupils.size(), true);
    std::map<std::pair<std::string, Level>, std::vector<int>> by_group;
    for (size_t s = 0; s < pop_.schools.size(); ++s)
      by_group[{pop_.schools[s].department, pop_.schools[s].level}].push_back(static_cast<int>(s));
    for (const Family& f : pop_.families) {
      if (f.children.size() != 1) continue;
      const int p = f.children[0];
      const School& from = pop_.schools[pop_.pupils[p].school];
      if (from.level == Level::kEcole) continue;
      const double r = rng_.Uniform();
      if (r < 0.02) {
        std::string dept = from.department;
        if (dept_.size() > 1 && rng_.Chance(0.15)) {
          auto it = dept_.begin();
          std::advance(it, static_cast<long>(rng_.Next() % dept_.size()));
          dept = it->first;
        }
        auto g = by_group.find({dept, from.level});
        if (g == by_group.end()) continue;
        const int to = g->second[rng_.Next() % g->second.size()];
        if (pop_.schools[to].uai == from.uai) continue;
        moved_to_[p] = to;
        move_at_[p] = Clock(Day(move_day_min_, t0_ + 270 * kDay));
        stays_[p] = false;
      } else if (r < 0.035) {
        leaves_[p] = true;
        stays_[p] = false;
      }
    }
  }

  // ---- the rentrée import ----
  void Import() {
    std::map<int, std::vector<int>> pupils_of_school;
    for (size_t i = 0; i < pop_.pupils.size(); ++i) pupils_of_school[pop_.pupils[i].school].push_back(static_cast<int>(i));
    const int64_t create = t0_ + 6 * kHour, link = t0_ + 7 * kHour;
    for (size_t i = 0; i < pop_.pupils.size(); ++i) {
      const Pupil& p = pop_.pupils[i];
      const School& s = pop_.schools[p.school];
      const bool onde = s.level == Level::kEcole;
      Emit(create, Import(p.school),
           CreateAccount{p.id(), AccountCreated{AccountKind::kPupil, p.login(),
                                              onde ? SourceSystem::kOnde : SourceSystem::kSiecle,
                                              fmt::format("{}", i), onde ? "onde_eleves.csv" : "ElevesSansAdresses.xml",
                                              PlaceOf(p.school, p.class_name), Ine(p.ine()), p.birth,
                                              p.last_name(), p.first_name(), false, p.email, {}}});
    }
    for (size_t fi = 0; fi < pop_.families.size(); ++fi) {
      const Family& f = pop_.families[fi];
      const int school = pop_.pupils[f.children[0]].school;
      const bool onde = pop_.schools[school].level == Level::kEcole;
      for (size_t k = 0; k < f.guardians.size(); ++k) {
        const Guardian& g = pop_.guardians[f.guardians[k]];
        Emit(create, Import(school),
             CreateAccount{g.id(), AccountCreated{AccountKind::kGuardian, g.login(),
                                                onde ? SourceSystem::kOnde : SourceSystem::kSiecle,
                                                fmt::format("{}", f.guardians[k]),
                                                onde ? "onde_responsables.csv" : "ResponsablesAvecAdresses.xml",
                                                {}, {}, {}, g.last_name(), g.first_name(), g.mobile, g.email, {}}});
        for (int c : f.children)
          Emit(link, Import(pop_.pupils[c].school),
               LinkGuardian{g.id(), pop_.pupils[c].id(), k == 0 ? LinkRank::kLegal1 : LinkRank::kLegal2,
                            k == 0 ? "20" : "10", onde ? SourceSystem::kOnde : SourceSystem::kSiecle,
                            fmt::format("ELEVE_ID={};PERSONNE_ID={}", c, f.guardians[k]),
                            onde ? "onde_responsables.csv" : "ResponsablesAvecAdresses.xml"});
      }
      // An erroneous link: the first guardian is also attached to another family's child
      // of the same school (a typing error in the export), disputed, then fixed by support.
      const std::vector<int>& mates = pupils_of_school[school];
      if (onde || mates.size() < 2 || !rng_.Chance(0.01)) continue;
      const int wrong = mates[rng_.Next() % mates.size()];
      if (pop_.pupils[wrong].family == static_cast<int>(fi) || !stays_[wrong] || !stays_[f.children[0]]) continue;
      const Guardian& g = pop_.guardians[f.guardians[0]];
      Emit(link, Import(school),
           LinkGuardian{g.id(), pop_.pupils[wrong].id(), LinkRank::kLegal2, "10", SourceSystem::kSiecle,
                        fmt::format("ELEVE_ID={};PERSONNE_ID={}", wrong, f.guardians[0]),
                        "ResponsablesAvecAdresses.xml"});
      const int64_t disputed = Clock(Day(t0_ + 12 * kDay, t0_ + 60 * kDay));
      Emit(disputed, Owner(ActorKind::kGuardian, g.id()), DisputeLink{g.id(), pop_.pupils[wrong].id()});
      ++facts_->erroneous_links;
      if (rng_.Chance(0.8) || !facts_->disputed_guardian.str().empty()) {
        Emit(disputed + rng_.Between(2, 20) * kDay, Support(),
             UnlinkGuardian{g.id(), pop_.pupils[wrong].id(), UnlinkReason::kErroneousLinkFixed});
      } else {
        facts_->disputed_guardian = g.id();
      }
    }
  }

  // ---- pupils: notification, activation by quota, resets ----
  int64_t Notify(const AccountId& id, int school, int64_t at, NotifyChannel ch) {
    Emit(at, Staff(pop_.schools[school].uai), NotifyAccount{id, ch, {}, false});
    return at;
  }

  // Picks round(rate% × members) of `members` (shuffled), minus those already in `have`.
  std::vector<int> Quota(std::vector<int> members, double rate, const std::vector<bool>& have) {
    const int64_t want = std::llround(rate / 100.0 * static_cast<double>(members.size()));
    int64_t already = 0;
    std::vector<int> pool;
    for (int m : members) (have[m] ? ++already : (pool.push_back(m), 0));
    rng_.Shuffle(pool);
    const int64_t more = std::clamp<int64_t>(want - already, 0, static_cast<int64_t>(pool.size()));
    pool.resize(static_cast<size_t>(more));
    return pool;
  }

  void Pupils() {
    const size_t n = pop_.pupils.size();
    std::map<Group, std::vector<int>> at_first, at_second;
    for (size_t i = 0; i < n; ++i) {
      const School& s = pop_.schools[pop_.pupils[i].school];
      if (s.level == Level::kEcole) continue;
      at_first[{s.department, s.level}].push_back(static_cast<int>(i));
      if (leaves_[i]) continue;
      const School& now = pop_.schools[moved_to_[i] >= 0 ? moved_to_[i] : pop_.pupils[i].school];
      at_second[{now.department, now.level}].push_back(static_cast<int>(i));
    }
    activated_at_.assign(n, 0);
    std::vector<bool> early(n, false), any(n, false);
    for (auto& [g, members] : at_first)
      for (int i : Quota(members, dept_.at(g.dept)->first_date_rate, early)) early[i] = any[i] = true;
    std::vector<bool> late(n, false);
    for (auto& [g, members] : at_second) {
      const Department& d = *dept_.at(g.dept);
      for (int i : Quota(members, g.level == Level::kCollege ? d.college_rate : d.lycee_rate, any))
        late[i] = any[i] = true;
    }
    const int64_t early_from = staff_from_ + kDay;
    for (size_t i = 0; i < n; ++i) {
      const Pupil& p = pop_.pupils[i];
      if (pop_.schools[p.school].level == Level::kEcole) continue;
      // Letters on 1 September (Day() still draws once: existing seeds keep their ledgers).
      int64_t notified = Notify(p.id(), p.school, Clock(Day(staff_from_, staff_from_)), NotifyChannel::kLetter);
      int64_t act = 0;
      if (early[i]) {
        act = Clock(Day(early_from, first_end_ - 8 * kHour));
      } else if (late[i]) {
        act = Clock(EarlyDay(first_end_ + kMinute, second_end_ - 8 * kHour));
      } else if (stays_[i] && rng_.Chance(0.05)) {
        act = Clock(Day(second_end_ + kMinute, year_end_ - kDay));  // after the measure
      }
      if (act == 0) continue;
      if (act - notified > kLetterLife) {  // the first letter expired: a new one
        const int64_t at = act - rng_.Between(2, 30) * kDay;
        notified = Notify(p.id(), SchoolAt(static_cast<int>(i), at), at, NotifyChannel::kLetter);
      }
      activated_at_[i] = act;
      Emit(act, Owner(ActorKind::kPupil, p.id()), ActivateAccount{p.id(), ActivationMethod::kProvisionalPassword, p.birth});
      if (!stays_[i]) continue;
      const int64_t reset = act + rng_.Between(5, 60) * kDay;
      if (reset >= year_end_) continue;
      if (rng_.Chance(0.06)) {
        Emit(reset, Staff(pop_.schools[p.school].uai), ResetPassword{p.id(), ResetChannel::kStaff});
        Emit(reset + rng_.Between(1, 3) * kDay, Owner(ActorKind::kPupil, p.id()), CompletePasswordReset{p.id()});
        if (facts_->audited_pupil.str().empty()) facts_->audited_pupil = p.id();
      } else if (p.email && rng_.Chance(0.15)) {
        // Self-service: the e-mailed link sets the new password; nothing to complete.
        Emit(reset, Owner(ActorKind::kPupil, p.id()), ResetPassword{p.id(), ResetChannel::kEmail});
      }
    }
  }

  // The school pupil `i` is in at time `t`.
  int SchoolAt(int i, int64_t t) const {
    return moved_to_[i] >= 0 && t >= move_at_[i] + kMinute ? moved_to_[i] : pop_.pupils[i].school;
  }
  // The school whose staff administer the guardians of pupil `i` at time `t`.
  // Their links move a minute after the pupil (UpdateGuardianLink at the
  // move's time + 1 min), and a guardian's command drawn for that very minute
  // is submitted before it (guardians are drawn before the moves; equal times
  // keep the order drawn): the old school then. (Scale 20 met that minute
  // once: a refused NotifyAccount stopped the run at command 33,346,353.)
  int LinkSchoolAt(int i, int64_t t) const {
    return moved_to_[i] >= 0 && t > move_at_[i] + kMinute ? moved_to_[i] : pop_.pupils[i].school;
  }

  // ---- guardians ----
  void Guardians() {
    const size_t n = pop_.guardians.size();
    std::map<std::string, std::vector<int>> by_dept;
    for (const Family& f : pop_.families) {
      const int c = f.children[0];
      if (leaves_[c]) continue;
      const std::string& dept = pop_.schools[moved_to_[c] >= 0 ? moved_to_[c] : pop_.pupils[c].school].department;
      for (int g : f.guardians) by_dept[dept].push_back(g);
    }
    std::vector<bool> chosen(n, false);
    for (auto& [dept, members] : by_dept)
      for (int g : Quota(members, dept_.at(dept)->guardian_rate, chosen)) chosen[g] = true;
    for (size_t i = 0; i < n; ++i) {
      const Guardian& g = pop_.guardians[i];
      const Family& f = pop_.families[g.family];
      const int first = f.children[0];
      const bool gone = leaves_[first];
      const Actor self = Owner(ActorKind::kGuardian, g.id());
      const bool activate = chosen[i] || (gone && rng_.Chance(0.5)) || rng_.Chance(0.03);
      if (!activate) {
        if (rng_.Chance(0.6))
          Notify(g.id(), pop_.pupils[first].school, Clock(Day(staff_from_, staff_from_ + 14 * kDay)),
                 g.email && rng_.Chance(0.4) ? NotifyChannel::kEmail : NotifyChannel::kLetter);
        continue;
      }
      // Before a leaver's departure (Moves closes it from October on); the quota's
      // activations before the second measure, the 3 % extra after it.
      int64_t act = chosen[i] ? Clock(EarlyDay(t0_ + kDay, second_end_ - 8 * kHour))
                              : gone ? Clock(Day(t0_ + kDay, t0_ + 30 * kDay))
                                     : Clock(Day(second_end_ + kMinute, year_end_ - kDay));
      const double r = rng_.Uniform();
      // FranceConnect and self-registration need a mobile number on file: without one,
      // a provisional password, or the school records the number first.
      bool mobile = g.mobile;
      if (!mobile && rng_.Chance(0.3)) {
        Emit(std::max(t0_ + 8 * kHour, act - rng_.Between(1, 5) * kDay), Import(pop_.pupils[first].school),
             UpdateContact{g.id(), true, g.email, {}});
        mobile = true;
      }
      ActivationMethod m = !mobile  ? ActivationMethod::kProvisionalPassword
                           : r < 0.35 ? ActivationMethod::kFranceConnect
                           : r < 0.80 ? ActivationMethod::kSelfRegistration
                                      : ActivationMethod::kProvisionalPassword;
      if (m == ActivationMethod::kProvisionalPassword) {
        const int64_t notified = std::max(Clock(staff_from_), act - rng_.Between(1, 20) * kDay);
        Notify(g.id(), LinkSchoolAt(first, notified), notified, g.email && rng_.Chance(0.5) ? NotifyChannel::kEmail : NotifyChannel::kLetter);
        if (act <= notified) act = notified + kHour;
      }
      Emit(act, self, ActivateAccount{g.id(), m, {}});
      if (!gone && rng_.Chance(0.15))
        Emit(act + rng_.Between(1, 10) * kDay, self, ConfirmLink{g.id(), pop_.pupils[first].id()});
      const int64_t reset = act + rng_.Between(10, 150) * kDay;
      if (reset >= year_end_) continue;
      if (m == ActivationMethod::kSelfRegistration && rng_.Chance(0.1)) {  // mobile on file
        Emit(reset, self, ResetPassword{g.id(), ResetChannel::kSms});
      } else if (m == ActivationMethod::kProvisionalPassword && g.email && rng_.Chance(0.1)) {
        Emit(reset, self, ResetPassword{g.id(), ResetChannel::kEmail});
      }
    }
  }

  // ---- transfers, leavers, class changes ----
  void Moves() {
    for (size_t i = 0; i < pop_.pupils.size(); ++i) {
      const Pupil& p = pop_.pupils[i];
      const Family& f = pop_.families[p.family];
      if (moved_to_[i] >= 0) {
        const int64_t at = move_at_[i];
        Emit(at, Import(moved_to_[i]), TransferPupil{p.id(), PlaceOf(moved_to_[i], p.class_name)});
        for (int g : f.guardians)
          Emit(at + kMinute, Import(moved_to_[i]), UpdateGuardianLink{pop_.guardians[g].id(), p.id()});
        ++facts_->transfers;
        // Not activated yet and the first letter long expired: the new school sends one.
        if (activated_at_[i] == 0 && rng_.Chance(0.5))
          Notify(p.id(), moved_to_[i], at + kDay, NotifyChannel::kLetter);
      } else if (leaves_[i]) {
        const int64_t at = std::max(Clock(Day(t0_ + 35 * kDay, t0_ + 270 * kDay)), activated_at_[i] + kDay);
        Emit(at, Import(p.school), CloseAccount{p.id(), CloseReason::kLeft, {}});
        for (int g : f.guardians)
          Emit(at + kMinute, Import(p.school), UnlinkGuardian{pop_.guardians[g].id(), p.id(), UnlinkReason::kPupilLeft});
        ++facts_->leavers;
      } else if (pop_.schools[p.school].level != Level::kEcole && rng_.Chance(0.03)) {
        Emit(Clock(Day(t0_ + 35 * kDay, t0_ + 210 * kDay)), Import(p.school),
             ChangeClass{p.id(), p.class_name + "-B"});
      }
    }
  }

  const Profile& p_;
  const Population& pop_;
  uint64_t seed_;
  Rng rng_;
  YearFacts* facts_;
  std::map<std::string, const Department*> dept_;
  int64_t t0_ = 0, first_end_ = 0, second_end_ = 0, year_end_ = 0;
  int64_t staff_from_ = 0;  // 1 September, 07:00: staff act from then on
  int64_t move_day_min_ = 0;
  std::vector<int> moved_to_;
  std::vector<int64_t> move_at_;
  std::vector<bool> leaves_, stays_;
  std::vector<int64_t> activated_at_;
  std::function<void(Command)> sink_;
  size_t emitted_ = 0;
};

}  // namespace

std::vector<Command> SchoolYear(const Profile& profile, const Population& pop, uint64_t seed,
                                YearFacts* facts) {
  YearFacts ignored;
  std::vector<Command> out;
  Year(profile, pop, seed, facts ? facts : &ignored, [&](Command c) { out.push_back(std::move(c)); }).Run();
  std::stable_sort(out.begin(), out.end(), [](const Command& a, const Command& b) { return a.at < b.at; });
  return out;
}

Status SchoolYearInto(const Profile& profile, const Population& pop, uint64_t seed, YearFacts* facts,
                      CommandSpill& spill) {
  YearFacts ignored;
  Status first;
  Year(profile, pop, seed, facts ? facts : &ignored, [&](Command c) {
    if (first.ok()) first = spill.Add(std::move(c));
  }).Run();
  LEDGER_RETURN_IF_ERROR(first);
  return spill.Finish();
}

}  // namespace ledger::sim
