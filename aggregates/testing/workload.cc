#include "aggregates/testing/workload.h"

#include <algorithm>
#include <random>

#include "events/identifiers.h"

namespace ledger::testing {
namespace {

struct School {
  const char* uai;
  Level level;
};

// Real public establishments (annuaire de l'éducation, departments 035 and 094).
constexpr School kSchools[] = {
    {"0350122T", Level::kEcole},   {"0350165P", Level::kEcole},   {"0350192U", Level::kEcole},
    {"0350196Y", Level::kEcole},   {"0350210N", Level::kEcole},   {"0350255M", Level::kEcole},
    {"0940176F", Level::kEcole},   {"0940198E", Level::kEcole},   {"0940204L", Level::kEcole},
    {"0940209S", Level::kEcole},   {"0940389M", Level::kEcole},   {"0352958A", Level::kCollege},
    {"0350003N", Level::kCollege}, {"0351795L", Level::kCollege}, {"0350033W", Level::kCollege},
    {"0350027P", Level::kCollege}, {"0351847T", Level::kCollege}, {"0350053T", Level::kLycee},
    {"0350031U", Level::kLycee},   {"0350062C", Level::kLycee},   {"0352867B", Level::kLycee},
    {"0352304P", Level::kLycee},   {"0352533N", Level::kLycee},
};

constexpr int64_t kMinute = 60 * 1000000LL;
constexpr int64_t kDay = 24 * 60 * kMinute;

class Generator {
 public:
  explicit Generator(const WorkloadOptions& o) : o_(o), rng_(o.seed) {}

  std::vector<Command> Run() {
    start_ = *ParseRfc3339("2026-09-01T06:00:00Z");
    for (const School& s : kSchools) {
      Uai uai(s.uai);
      Emit(start_.micros, Head(uai),
           DelegateRights{uai, Staff(uai), Module::kAccountsAdmin, EndOfSchoolYear(start_), "rentrée"});
    }
    for (size_t f = 0; f < o_.families; ++f) Family(f);
    std::stable_sort(out_.begin(), out_.end(),
                     [](const Command& a, const Command& b) { return a.at < b.at; });
    return std::move(out_);
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int64_t Between(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

  static StaffId Staff(const Uai& uai) { return StaffId("staff-admin-" + uai.str()); }
  static Actor Head(const Uai& uai) { return Actor{ActorKind::kEstablishmentHead, "head-" + uai.str(), uai, {}, true}; }
  static Actor StaffOf(const Uai& uai) {
    return Actor{ActorKind::kStaff, Staff(uai).str(), uai, Module::kAccountsAdmin, true};
  }
  static Actor Import() { return Actor{ActorKind::kSystem, "siecle", {}, {}, false}; }
  static Actor Support() { return Actor{ActorKind::kAcademySupport, "support-1", {}, {}, true}; }
  static Actor Owner(ActorKind k, const AccountId& id) { return Actor{k, id.str(), {}, {}, false}; }

  void Emit(int64_t at, Actor actor, CommandBody body) {
    out_.push_back(Command{CommandId(o_.id_prefix + "-c" + std::to_string(out_.size())), Timestamp{at},
                           std::move(actor), std::move(body)});
  }

  Placement Place(const School& s) {
    static const char* kEcole[] = {"CP", "CE1", "CE2", "CM1", "CM2"};
    static const char* kCollege[] = {"6E", "5E", "4E", "3E"};
    static const char* kLycee[] = {"2ND", "1ERE", "TLE"};
    std::string cls;
    if (s.level == Level::kEcole) cls = kEcole[Between(0, 4)];
    else if (s.level == Level::kCollege) cls = std::string(kCollege[Between(0, 3)]) + std::to_string(Between(1, 4));
    else cls = std::string(kLycee[Between(0, 2)]) + std::to_string(Between(1, 3));
    Uai uai(s.uai);
    std::string dept(DepartmentOfUai(uai));
    return Placement{uai, dept, dept == "094" ? "creteil" : "rennes", s.level, cls};
  }

  const School& PickSchool() {
    int64_t r = Between(0, 99);
    auto pick = [&](Level l) -> const School& {
      std::vector<const School*> v;
      for (const School& s : kSchools)
        if (s.level == l) v.push_back(&s);
      return *v[Between(0, static_cast<int64_t>(v.size()) - 1)];
    };
    return pick(r < 50 ? Level::kEcole : r < 80 ? Level::kCollege : Level::kLycee);
  }

  void Family(size_t f) {
    const std::string base = o_.id_prefix + "-f" + std::to_string(f);
    int64_t t0 = start_.micros + Between(0, 20) * kDay + Between(60, 600) * kMinute;
    struct Child {
      AccountId id;
      Placement place;
      Date birth;
    };
    std::vector<Child> kids;
    int nkids = Chance(0.7) ? 1 : Chance(0.83) ? 2 : 3;
    for (int k = 0; k < nkids; ++k) {
      Child c{AccountId(base + "-p" + std::to_string(k)), Place(PickSchool()),
              Date{static_cast<int32_t>(Between(2008, 2020)), static_cast<uint8_t>(Between(1, 12)),
                   static_cast<uint8_t>(Between(1, 28))}};
      char ine[12];
      std::snprintf(ine, sizeof ine, "%09llu%c%c", static_cast<unsigned long long>(f * 3 + k) % 1000000000ULL,
                    'A' + static_cast<char>(k), 'Z');
      Emit(t0, Import(),
           CreateAccount{c.id, AccountCreated{AccountKind::kPupil, "e." + base + "-" + std::to_string(k),
                                              SourceSystem::kSiecle, base + "-" + std::to_string(k),
                                              "ElevesSansAdresses.xml", c.place, Ine(ine), c.birth, "",
                                              "", false, Chance(0.3), {}}});
      kids.push_back(std::move(c));
    }
    int nguard = Chance(0.6) ? 2 : 1;
    for (int g = 0; g < nguard; ++g) {
      AccountId gid(base + "-g" + std::to_string(g));
      bool mobile = Chance(0.8), email = Chance(0.7);
      Emit(t0, Import(),
           CreateAccount{gid, AccountCreated{AccountKind::kGuardian, "r." + base + "-" + std::to_string(g),
                                             SourceSystem::kSiecle, base + "-r" + std::to_string(g),
                                             "ResponsablesAvecAdresses.xml", {}, {}, {}, "", "",
                                             mobile, email, {}}});
      for (const Child& c : kids)
        Emit(t0 + kMinute, Import(),
             LinkGuardian{gid, c.id, g == 0 ? LinkRank::kLegal1 : LinkRank::kLegal2, g == 0 ? "mother" : "father",
                          SourceSystem::kSiecle, "ELEVE_ID=" + c.id.str() + ";PERSONNE_ID=" + gid.str(),
                          "ResponsablesAvecAdresses.xml"});
      Guardian(gid, kids.front().place.uai, mobile, email, t0 + 2 * kMinute, kids.front().id);
    }
    for (const Child& c : kids) Pupil(c.id, c.place, c.birth, t0 + 2 * kMinute, base, nguard);
  }

  void Guardian(const AccountId& g, const Uai& uai, bool mobile, bool email, int64_t t, const AccountId& kid) {
    const Actor self = Owner(ActorKind::kGuardian, g);
    if (Chance(0.1)) Emit(t + Between(1, 5) * kDay, self, ConfirmLink{g, kid});
    if (mobile && Chance(0.35)) {
      ActivationMethod m = Chance(0.5) ? ActivationMethod::kFranceConnect : ActivationMethod::kSelfRegistration;
      Emit(t + Between(6, 40) * kDay, self, ActivateAccount{g, m, {}});
      if (m == ActivationMethod::kSelfRegistration && Chance(0.2)) {
        int64_t tr = t + Between(41, 200) * kDay;
        Emit(tr, self, ResetPassword{g, ResetChannel::kSms});
      }
      return;
    }
    int64_t tn = t + Between(1, 30) * kDay;
    Emit(tn, StaffOf(uai), NotifyAccount{g, email && Chance(0.5) ? NotifyChannel::kEmail : NotifyChannel::kLetter, {}, false});
    if (Chance(0.6)) {
      Emit(tn + Between(1, 80) * kDay, self, ActivateAccount{g, ActivationMethod::kProvisionalPassword, {}});
      if (email && Chance(0.15)) {
        int64_t tr = tn + Between(81, 200) * kDay;
        Emit(tr, self, ResetPassword{g, ResetChannel::kEmail});
      }
    } else if (!mobile && Chance(0.3)) {
      Emit(tn + Between(1, 60) * kDay, Import(), UpdateContact{g, true, email, {}});
    }
  }

  void Pupil(const AccountId& p, const Placement& place, Date birth, int64_t t, const std::string& base,
             int nguard) {
    int64_t tn = t + Between(1, 30) * kDay;
    Emit(tn, StaffOf(place.uai), NotifyAccount{p, NotifyChannel::kLetter, {}, false});
    if (Chance(0.75)) {
      int64_t ta = tn + Between(1, 85) * kDay;
      Emit(ta, Owner(ActorKind::kPupil, p), ActivateAccount{p, ActivationMethod::kProvisionalPassword, birth});
      if (Chance(0.08)) {  // forgotten password: the school resets it, the pupil sets a new one
        Emit(ta + Between(1, 10) * kDay, StaffOf(place.uai), ResetPassword{p, ResetChannel::kStaff});
        Emit(ta + 11 * kDay, Owner(ActorKind::kPupil, p), CompletePasswordReset{p});
      }
    }
    int64_t later = t + Between(130, 250) * kDay;  // after any reset by the first school
    if (Chance(0.05)) {
      Emit(later, Import(), ChangeClass{p, place.class_name + "B"});
    } else if (Chance(0.05)) {
      Placement to = place;
      for (int tries = 0; tries < 10 && to.uai == place.uai; ++tries) {
        const School& s = PickSchool();
        if (s.level == place.level) to = Place(s);
      }
      if (to.uai != place.uai) {
        Emit(later, Import(), TransferPupil{p, to});
        for (int g = 0; g < nguard; ++g)
          Emit(later + kMinute, Import(), UpdateGuardianLink{AccountId(base + "-g" + std::to_string(g)), p});
      }
    } else if (Chance(0.03) && nguard == 2) {
      AccountId g(base + "-g1");
      Emit(later, Owner(ActorKind::kGuardian, g), DisputeLink{g, p});
      if (Chance(0.7)) Emit(later + Between(1, 10) * kDay, Support(), UnlinkGuardian{g, p, UnlinkReason::kErroneousLinkFixed});
    } else if (Chance(0.03)) {
      Emit(later, Import(), CloseAccount{p, CloseReason::kLeft, {}});
    }
  }

  WorkloadOptions o_;
  std::mt19937_64 rng_;
  Timestamp start_;
  std::vector<Command> out_;
};

}  // namespace

std::vector<Command> GenerateWorkload(const WorkloadOptions& options) { return Generator(options).Run(); }

}  // namespace ledger::testing
