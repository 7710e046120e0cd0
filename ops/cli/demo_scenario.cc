#include "ops/cli/demo_scenario.h"

#include "events/identifiers.h"

namespace ledger {
namespace {

const Uai kOrmeaux("0350033W");     // Collège les Ormeaux, Rennes
const Uai kJeanJaures("0350031U");  // Lycée professionnel Jean Jaurès, Rennes
const Uai kLucioles("0350122T");    // École primaire publique les Lucioles, Baulon
const Uai kLesAntes("0940389M");    // École élémentaire Les Antes, Rungis

Placement At(const Uai& uai, Level level, std::string cls) {
  std::string academy = DepartmentOfUai(uai) == "094" ? "creteil" : "rennes";
  return Placement{uai, std::string(DepartmentOfUai(uai)), academy, level, std::move(cls)};
}

Actor Siecle() { return Actor{ActorKind::kSystem, "siecle", {}, {}, false}; }
Actor Onde() { return Actor{ActorKind::kSystem, "onde", {}, {}, false}; }
Actor Support() { return Actor{ActorKind::kAcademySupport, "support-rennes-1", {}, {}, true}; }
Actor Head(const Uai& uai) { return Actor{ActorKind::kEstablishmentHead, "head-" + uai.str(), uai, {}, true}; }
Actor Staff(std::string id, const Uai& uai, Module m, bool strong) {
  return Actor{ActorKind::kStaff, std::move(id), uai, m, strong};
}
Actor Owner(ActorKind kind, const char* id) { return Actor{kind, id, {}, {}, false}; }

AccountCreated Pupil(const char* login, const char* source_id, SourceSystem sys, Placement p,
                     const char* ine, Date birth, bool email) {
  const char* file = sys == SourceSystem::kOnde ? "onde-0350122T-2026.csv" : "ElevesSansAdresses.xml";
  return AccountCreated{AccountKind::kPupil, login, sys, source_id, file, std::move(p),
                        Ine(ine), birth, "Eleve", "Demo", false, email, {}};
}
AccountCreated Guardian(const char* login, const char* source_id, bool mobile, bool email) {
  return AccountCreated{AccountKind::kGuardian, login, SourceSystem::kSiecle, source_id,
                        "ResponsablesAvecAdresses.xml", {}, {}, {}, "Responsable", "Demo",
                        mobile, email, {}};
}

class Script {
 public:
  // Each step happens six hours after the previous one, from 1 September 2026.
  void Do(std::string what, Actor actor, CommandBody body, bool rejected = false) {
    Timestamp at{start_.micros + static_cast<int64_t>(steps_.size()) * 6 * 3600 * 1000000LL};
    char id[32];
    std::snprintf(id, sizeof id, "demo-%03zu", steps_.size() + 1);
    steps_.push_back(DemoStep{std::move(what), Command{CommandId(id), at, std::move(actor), std::move(body)},
                              rejected});
  }
  void Refused(std::string what, Actor actor, CommandBody body) {
    Do(std::move(what), std::move(actor), std::move(body), true);
  }
  Timestamp start() const { return start_; }
  std::vector<DemoStep> Take() { return std::move(steps_); }

 private:
  Timestamp start_ = *ParseRfc3339("2026-09-01T07:00:00Z");
  std::vector<DemoStep> steps_;
};

}  // namespace

std::vector<DemoStep> DemoScenario() {
  const AccountId p1("pup-0001"), p2("pup-0002"), p3("pup-0003"), p4("pup-0004");
  const AccountId g1("gua-0001"), g2("gua-0002"), g3("gua-0003"), g4("gua-0004");
  const StaffId cpe("staff-cpe-ormeaux"), teacher("staff-prof-ormeaux");
  const Actor cpe_admin = Staff(cpe.str(), kOrmeaux, Module::kAccountsAdmin, true);
  const Actor cpe_weak = Staff(cpe.str(), kOrmeaux, Module::kAccountsAdmin, false);
  const Actor teacher_support = Staff(teacher.str(), kOrmeaux, Module::kPupilSupport, false);

  Script s;
  const Timestamp year_end = EndOfSchoolYear(s.start());
  s.Do("the head of the collège delegates account administration to the CPE", Head(kOrmeaux),
       DelegateRights{kOrmeaux, cpe, Module::kAccountsAdmin, year_end, "rentrée 2026"});
  s.Do("the head of the collège delegates pupil support to a teacher", Head(kOrmeaux),
       DelegateRights{kOrmeaux, teacher, Module::kPupilSupport, year_end, "professeur principal 4E1"});
  s.Refused("the CPE tries to delegate rights in turn", cpe_admin,
            DelegateRights{kOrmeaux, StaffId("staff-x"), Module::kAccountsAdmin, year_end, ""});

  s.Do("SIECLE imports a collège pupil (4E1)", Siecle(),
       CreateAccount{p1, Pupil("e.demo1", "1001", SourceSystem::kSiecle, At(kOrmeaux, Level::kCollege, "4E1"),
                               "070123456AB", Date{2013, 2, 11}, true)});
  s.Do("SIECLE imports a second collège pupil (3E2)", Siecle(),
       CreateAccount{p2, Pupil("e.demo2", "1002", SourceSystem::kSiecle, At(kOrmeaux, Level::kCollege, "3E2"),
                               "070123457BC", Date{2012, 6, 30}, false)});
  s.Do("ONDE imports an école pupil (CM2)", Onde(),
       CreateAccount{p3, Pupil("e.demo3", "2001", SourceSystem::kOnde, At(kLucioles, Level::kEcole, "CM2"),
                               "070123458CD", Date{2015, 11, 2}, false)});
  s.Do("SIECLE imports a lycée pupil (2NDPRO)", Siecle(),
       CreateAccount{p4, Pupil("e.demo4", "3001", SourceSystem::kSiecle, At(kJeanJaures, Level::kLycee, "2NDPRO"),
                               "070123459DE", Date{2010, 4, 21}, true)});
  s.Refused("SIECLE imports a pupil without an INE", Siecle(),
            CreateAccount{AccountId("pup-0005"), Pupil("e.demo5", "1005", SourceSystem::kSiecle,
                                                       At(kOrmeaux, Level::kCollege, "6E1"), "", Date{2015, 1, 1}, false)});
  s.Do("SIECLE imports a guardian with mobile and e-mail", Siecle(), CreateAccount{g1, Guardian("r.demo1", "501", true, true)});
  s.Do("SIECLE imports a guardian with an e-mail only", Siecle(), CreateAccount{g2, Guardian("r.demo2", "502", false, true)});
  s.Do("SIECLE imports a guardian with a mobile only", Siecle(), CreateAccount{g3, Guardian("r.demo3", "503", true, false)});
  s.Do("SIECLE imports a duplicate of the first guardian", Siecle(), CreateAccount{g4, Guardian("r.demo1b", "504", true, true)});

  s.Do("gua-0001 is linked to pup-0001 as legal guardian 1", Siecle(),
       LinkGuardian{g1, p1, LinkRank::kLegal1, "mother", SourceSystem::kSiecle, "ELEVE_ID=1001;PERSONNE_ID=501",
                    "ResponsablesAvecAdresses.xml"});
  s.Do("gua-0002 is linked to pup-0001 as legal guardian 2", Siecle(),
       LinkGuardian{g2, p1, LinkRank::kLegal2, "father", SourceSystem::kSiecle, "ELEVE_ID=1001;PERSONNE_ID=502",
                    "ResponsablesAvecAdresses.xml"});
  s.Do("gua-0001 is linked to pup-0003 (école) as legal guardian 1", Onde(),
       LinkGuardian{g1, p3, LinkRank::kLegal1, "mother", SourceSystem::kOnde, "ELEVE_ID=2001;PERSONNE_ID=501",
                    "onde-0350122T-2026.csv"});
  s.Do("gua-0003 is linked to pup-0004 as 'personne en charge'", Siecle(),
       LinkGuardian{g3, p4, LinkRank::kEnCharge, "other", SourceSystem::kSiecle, "ELEVE_ID=3001;PERSONNE_ID=503",
                    "ResponsablesAvecAdresses.xml"});
  s.Refused("ONDE links a 'personne en charge' to an école pupil", Onde(),
            LinkGuardian{g3, p3, LinkRank::kEnCharge, "other", SourceSystem::kOnde, "ELEVE_ID=2001;PERSONNE_ID=503",
                         "onde-0350122T-2026.csv"});
  s.Do("gua-0004 (the duplicate) is linked to pup-0002", Siecle(),
       LinkGuardian{g4, p2, LinkRank::kLegal1, "mother", SourceSystem::kSiecle, "ELEVE_ID=1002;PERSONNE_ID=504",
                    "ResponsablesAvecAdresses.xml"});

  s.Do("the CPE notifies pup-0001 by letter", cpe_admin, NotifyAccount{p1, NotifyChannel::kLetter, {}, false});
  s.Do("the CPE notifies pup-0002 by letter", cpe_admin, NotifyAccount{p2, NotifyChannel::kLetter, {}, false});
  s.Refused("the CPE notifies gua-0002 without strong authentication", cpe_weak,
            NotifyAccount{g2, NotifyChannel::kLetter, {}, false});
  s.Do("the CPE, on the administrative network, notifies gua-0002 by e-mail", cpe_admin,
       NotifyAccount{g2, NotifyChannel::kEmail, {}, false});
  s.Refused("the teacher (pupil support) tries to notify gua-0001", teacher_support,
            NotifyAccount{g1, NotifyChannel::kLetter, {}, false});
  s.Refused("pup-0001 activates with a wrong birth date", Owner(ActorKind::kPupil, "pup-0001"),
            ActivateAccount{p1, ActivationMethod::kProvisionalPassword, Date{2013, 2, 12}});
  s.Do("pup-0001 activates with the provisional password", Owner(ActorKind::kPupil, "pup-0001"),
       ActivateAccount{p1, ActivationMethod::kProvisionalPassword, Date{2013, 2, 11}});
  s.Do("pup-0002 activates with the provisional password", Owner(ActorKind::kPupil, "pup-0002"),
       ActivateAccount{p2, ActivationMethod::kProvisionalPassword, Date{2012, 6, 30}});
  s.Do("gua-0001 self-registers with their mobile", Owner(ActorKind::kGuardian, "gua-0001"),
       ActivateAccount{g1, ActivationMethod::kSelfRegistration, {}});
  s.Refused("gua-0002 tries to self-register without a mobile on file", Owner(ActorKind::kGuardian, "gua-0002"),
            ActivateAccount{g2, ActivationMethod::kSelfRegistration, {}});
  s.Do("gua-0002 activates with the provisional password", Owner(ActorKind::kGuardian, "gua-0002"),
       ActivateAccount{g2, ActivationMethod::kProvisionalPassword, {}});
  s.Do("gua-0003 activates through FranceConnect", Owner(ActorKind::kGuardian, "gua-0003"),
       ActivateAccount{g3, ActivationMethod::kFranceConnect, {}});

  s.Do("gua-0001 resets a forgotten password by SMS", Owner(ActorKind::kGuardian, "gua-0001"),
       ResetPassword{g1, ResetChannel::kSms});
  s.Refused("pup-0001 asks for a reset by SMS", Owner(ActorKind::kPupil, "pup-0001"),
            ResetPassword{p1, ResetChannel::kSms});
  s.Do("the teacher resets pup-0002's password (pupil support)", teacher_support,
       ResetPassword{p2, ResetChannel::kStaff});
  s.Do("pup-0002 replaces the provisional password with their own", Owner(ActorKind::kPupil, "pup-0002"),
       CompletePasswordReset{p2});
  s.Refused("gua-0003 (FranceConnect only) asks for a reset by SMS", Owner(ActorKind::kGuardian, "gua-0003"),
            ResetPassword{g3, ResetChannel::kSms});
  s.Do("SIECLE re-import: gua-0002 now has a mobile on file", Siecle(), UpdateContact{g2, true, true, {}});

  s.Do("gua-0001 confirms the link to pup-0001", Owner(ActorKind::kGuardian, "gua-0001"), ConfirmLink{g1, p1});
  s.Do("gua-0002 disputes the link to pup-0001", Owner(ActorKind::kGuardian, "gua-0002"), DisputeLink{g2, p1});
  s.Refused("the CPE tries to remove the disputed link", cpe_admin,
            UnlinkGuardian{g2, p1, UnlinkReason::kErroneousLinkFixed});
  s.Do("academy support removes the erroneous link", Support(),
       UnlinkGuardian{g2, p1, UnlinkReason::kErroneousLinkFixed});

  s.Do("SIECLE moves pup-0002 from 3E2 to 3E1", Siecle(), ChangeClass{p2, "3E1"});
  s.Do("ONDE transfers pup-0003 to an école in Rungis (académie de Créteil)", Onde(),
       TransferPupil{p3, At(kLesAntes, Level::kEcole, "CM2")});
  s.Do("the link gua-0001 → pup-0003 follows the transfer", Onde(), UpdateGuardianLink{g1, p3});
  s.Refused("a guardian tries to merge accounts", Owner(ActorKind::kGuardian, "gua-0004"),
            CloseAccount{g4, CloseReason::kMergedInto, g1});
  s.Do("SIECLE merges the duplicate gua-0004 into gua-0001", Siecle(),
       CloseAccount{g4, CloseReason::kMergedInto, g1});
  s.Do("pup-0004 leaves the lycée", Siecle(), CloseAccount{p4, CloseReason::kLeft, {}});
  s.Refused("the CPE notifies pup-0004 after they left", cpe_admin,
            NotifyAccount{p4, NotifyChannel::kLetter, {}, false});

  s.Do("the head revokes the teacher's pupil-support delegation", Head(kOrmeaux),
       RevokeDelegation{kOrmeaux, teacher, Module::kPupilSupport, "change of class"});
  s.Refused("the teacher resets pup-0002's password after the revocation", teacher_support,
            ResetPassword{p2, ResetChannel::kStaff});
  return s.Take();
}

}  // namespace ledger
