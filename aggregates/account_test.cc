// One accepted and one rejected case for every account rule of ARCHITECTURE.md §5.
#include "aggregates/account.h"

#include <gtest/gtest.h>

#include "aggregates/testing/fixtures.h"

namespace ledger {
namespace {

using namespace ledger::testing;

const AccountId kPupil("acc-p-1");
const AccountId kGuardian("acc-g-1");
const Timestamp kSept = At("2022-09-05T09:00:00Z");

Result<std::vector<Payload>> Decide(const AccountState& s, CommandBody body, Actor actor,
                                    Timestamp at = kSept, DecideContext ctx = {}) {
  return DecideAccount(s, MakeCommand(std::move(body), std::move(actor), at), ctx);
}

AccountState Pupil(std::initializer_list<Payload> more = {}) {
  AccountState s;
  Fold(s, {NewPupil()});
  Fold(s, more);
  return s;
}

AccountState Guardian(bool mobile = true, bool email = true) {
  AccountState s;
  Fold(s, {NewGuardian(mobile, email)});
  return s;
}

AccountNotified Letter(const char* expires = "2022-12-05T09:00:00Z") {
  return AccountNotified{NotifyChannel::kLetter, false, At(expires), false};
}

// --- Rule: pupil accounts only for pupils with an INE ----------------------

TEST(PupilCreation, AcceptedWithIne) {
  auto r = Decide(AccountState{}, CreateAccount{kPupil, NewPupil()}, SystemActor());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(std::get<AccountCreated>(r->front()).ine.str(), "123456789AB");
}

TEST(PupilCreation, RejectedWithoutIne) {
  AccountCreated d = NewPupil();
  d.ine = Ine();
  EXPECT_REJECTED(Decide(AccountState{}, CreateAccount{kPupil, d}, SystemActor()),
                  StatusCode::kFailedPrecondition, "only for pupils with an INE");
}

TEST(PupilCreation, RejectedWithMalformedIneOrUai) {
  AccountCreated d = NewPupil();
  d.ine = Ine("12345");
  EXPECT_REJECTED(Decide(AccountState{}, CreateAccount{kPupil, d}, SystemActor()),
                  StatusCode::kInvalidArgument, "malformed INE (5 characters)");
  d = NewPupil();
  d.placement.uai = Uai("0350005D");
  EXPECT_REJECTED(Decide(AccountState{}, CreateAccount{kPupil, d}, SystemActor()),
                  StatusCode::kInvalidArgument, "check letter");
}

TEST(PupilCreation, RejectedTwice) {
  EXPECT_REJECTED(Decide(Pupil(), CreateAccount{kPupil, NewPupil()}, SystemActor()),
                  StatusCode::kAlreadyExists, "already exists");
}

// --- Rule: pupils activate only with their provisional password, confirming their birth date

TEST(PupilActivation, AcceptedWithProvisionalPasswordAndBirthDate) {
  auto r = Decide(Pupil({Letter()}),
                  ActivateAccount{kPupil, ActivationMethod::kProvisionalPassword, Date{2011, 3, 14}},
                  PupilActor(kPupil.str()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::get<AccountActivated>(r->front()).method, ActivationMethod::kProvisionalPassword);
}

TEST(PupilActivation, RejectedByAnyOtherMethod) {
  EXPECT_REJECTED(Decide(Pupil({Letter()}),
                         ActivateAccount{kPupil, ActivationMethod::kFranceConnect, Date{2011, 3, 14}},
                         PupilActor(kPupil.str())),
                  StatusCode::kFailedPrecondition, "only with the provisional password");
}

TEST(PupilActivation, RejectedWithWrongBirthDate) {
  EXPECT_REJECTED(Decide(Pupil({Letter()}),
                         ActivateAccount{kPupil, ActivationMethod::kProvisionalPassword, Date{2011, 3, 15}},
                         PupilActor(kPupil.str())),
                  StatusCode::kFailedPrecondition, "birth date");
}

TEST(PupilActivation, RejectedWhenNotTheOwner) {
  EXPECT_REJECTED(Decide(Pupil({Letter()}),
                         ActivateAccount{kPupil, ActivationMethod::kProvisionalPassword, Date{2011, 3, 14}},
                         PupilActor("acc-p-other")),
                  StatusCode::kPermissionDenied, "owner");
}

// --- Rule: guardians activate by FranceConnect, self-registration (needs a mobile), or provisional password

TEST(GuardianActivation, SelfRegistrationAcceptedWithMobile) {
  auto r = Decide(Guardian(true), ActivateAccount{kGuardian, ActivationMethod::kSelfRegistration, {}},
                  GuardianActor(kGuardian.str()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST(GuardianActivation, SelfRegistrationRejectedWithoutMobile) {
  EXPECT_REJECTED(Decide(Guardian(false),
                         ActivateAccount{kGuardian, ActivationMethod::kSelfRegistration, {}},
                         GuardianActor(kGuardian.str())),
                  StatusCode::kFailedPrecondition, "no mobile number on file");
}

TEST(GuardianActivation, FranceConnectAcceptedWithMobileRejectedWithout) {
  EXPECT_TRUE(Decide(Guardian(true), ActivateAccount{kGuardian, ActivationMethod::kFranceConnect, {}},
                     GuardianActor(kGuardian.str()))
                  .ok());
  EXPECT_REJECTED(Decide(Guardian(false),
                         ActivateAccount{kGuardian, ActivationMethod::kFranceConnect, {}},
                         GuardianActor(kGuardian.str())),
                  StatusCode::kFailedPrecondition, "no mobile number");
}

TEST(GuardianActivation, ProvisionalPasswordAcceptedWithoutMobile) {
  AccountState s = Guardian(false);
  Fold(s, {Letter()});
  EXPECT_TRUE(Decide(s, ActivateAccount{kGuardian, ActivationMethod::kProvisionalPassword, {}},
                     GuardianActor(kGuardian.str()))
                  .ok());
}

// --- Rule: an expired letter cannot activate (a letter is valid 3 months)

TEST(LetterExpiry, NotificationCarriesThreeMonths) {
  AccountState s = Pupil();
  s.placement.uai = kCollegeUai;
  auto r = Decide(s, NotifyAccount{kPupil, NotifyChannel::kLetter, {}, false}, HeadActor(kCollegeUai));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(FormatRfc3339(std::get<AccountNotified>(r->front()).expires_at), "2022-12-05T09:00:00Z");
}

TEST(LetterExpiry, ActivationAcceptedBeforeExpiry) {
  EXPECT_TRUE(Decide(Pupil({Letter("2022-12-05T09:00:00Z")}),
                     ActivateAccount{kPupil, ActivationMethod::kProvisionalPassword, Date{2011, 3, 14}},
                     PupilActor(kPupil.str()), At("2022-12-05T08:59:59Z"))
                  .ok());
}

TEST(LetterExpiry, ActivationRejectedAfterExpiry) {
  EXPECT_REJECTED(Decide(Pupil({Letter("2022-12-05T09:00:00Z")}),
                         ActivateAccount{kPupil, ActivationMethod::kProvisionalPassword, Date{2011, 3, 14}},
                         PupilActor(kPupil.str()), At("2022-12-06T10:00:00Z")),
                  StatusCode::kFailedPrecondition, "expired on 2022-12-05");
}

TEST(LetterExpiry, ActivationRejectedBeforeAnyNotification) {
  EXPECT_REJECTED(Decide(Pupil(),
                         ActivateAccount{kPupil, ActivationMethod::kProvisionalPassword, Date{2011, 3, 14}},
                         PupilActor(kPupil.str())),
                  StatusCode::kFailedPrecondition, "notifies the account first");
}

// --- Rule: notifying an activated account must say whether the password is reset;
//     an activated guardian's reset is refused unless forced

AccountState ActivatedGuardianInCollege(ActivationMethod m = ActivationMethod::kSelfRegistration) {
  AccountState s = Guardian();
  Fold(s, {GuardianLinked{kPupil, College(""), LinkRank::kLegal1, "20", SourceSystem::kSiecle, "", ""},
           AccountActivated{m}});
  return s;
}

TEST(Renotify, ActivatedAccountRejectedWithoutExplicitResetChoice) {
  EXPECT_REJECTED(Decide(ActivatedGuardianInCollege(),
                         NotifyAccount{kGuardian, NotifyChannel::kLetter, std::nullopt, false},
                         HeadActor(kCollegeUai)),
                  StatusCode::kFailedPrecondition, "say explicitly whether");
}

TEST(Renotify, ActivatedAccountAcceptedWithoutReset) {
  auto r = Decide(ActivatedGuardianInCollege(), NotifyAccount{kGuardian, NotifyChannel::kLetter, false, false},
                  HeadActor(kCollegeUai));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(std::get<AccountNotified>(r->front()).password_reset);
}

TEST(Renotify, ActivatedGuardianResetRejectedUnlessForced) {
  EXPECT_REJECTED(Decide(ActivatedGuardianInCollege(),
                         NotifyAccount{kGuardian, NotifyChannel::kLetter, true, false},
                         HeadActor(kCollegeUai)),
                  StatusCode::kFailedPrecondition, "force it");
  auto forced = Decide(ActivatedGuardianInCollege(),
                       NotifyAccount{kGuardian, NotifyChannel::kLetter, true, true}, HeadActor(kCollegeUai));
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_TRUE(std::get<AccountNotified>(forced->front()).forced);
  EXPECT_TRUE(std::get<AccountNotified>(forced->front()).password_reset);
}

TEST(Renotify, ActivatedPupilResetNeedsNoForce) {
  AccountState s = Pupil({Letter(), AccountActivated{ActivationMethod::kProvisionalPassword}});
  EXPECT_TRUE(Decide(s, NotifyAccount{kPupil, NotifyChannel::kLetter, true, false}, HeadActor(kCollegeUai)).ok());
}

TEST(Renotify, EmailChannelNeedsAnEmailOnFile) {
  EXPECT_REJECTED(Decide(Pupil(), NotifyAccount{kPupil, NotifyChannel::kEmail, {}, false},
                         HeadActor(kCollegeUai)),
                  StatusCode::kFailedPrecondition, "no e-mail address");
}

// --- Rule: self-service reset: guardians by SMS or e-mail, pupils by e-mail only with an e-mail on file

TEST(SelfServiceReset, GuardianBySmsAndEmail) {
  AccountState s = ActivatedGuardianInCollege();
  EXPECT_TRUE(Decide(s, ResetPassword{kGuardian, ResetChannel::kSms}, GuardianActor(kGuardian.str())).ok());
  EXPECT_TRUE(Decide(s, ResetPassword{kGuardian, ResetChannel::kEmail}, GuardianActor(kGuardian.str())).ok());
}

TEST(SelfServiceReset, GuardianBySmsRejectedWithoutMobile) {
  AccountState s = Guardian(false, true);
  Fold(s, {Letter(), AccountActivated{ActivationMethod::kProvisionalPassword}});
  EXPECT_REJECTED(Decide(s, ResetPassword{kGuardian, ResetChannel::kSms}, GuardianActor(kGuardian.str())),
                  StatusCode::kFailedPrecondition, "no mobile number");
}

TEST(SelfServiceReset, PupilByEmailAcceptedWithEmail) {
  AccountState s = Pupil({ContactUpdated{false, true, {}}, Letter(),
                          AccountActivated{ActivationMethod::kProvisionalPassword}});
  EXPECT_TRUE(Decide(s, ResetPassword{kPupil, ResetChannel::kEmail}, PupilActor(kPupil.str())).ok());
}

TEST(SelfServiceReset, PupilRejectedBySmsOrWithoutEmail) {
  AccountState s = Pupil({Letter(), AccountActivated{ActivationMethod::kProvisionalPassword}});
  EXPECT_REJECTED(Decide(s, ResetPassword{kPupil, ResetChannel::kSms}, PupilActor(kPupil.str())),
                  StatusCode::kFailedPrecondition, "by e-mail only");
  EXPECT_REJECTED(Decide(s, ResetPassword{kPupil, ResetChannel::kEmail}, PupilActor(kPupil.str())),
                  StatusCode::kFailedPrecondition, "no e-mail address on file");
}

// --- Rule: a guardian cannot reset a pupil's password

TEST(GuardianOnPupil, ResetRejected) {
  AccountState s = Pupil({ContactUpdated{false, true, {}}, Letter(),
                          AccountActivated{ActivationMethod::kProvisionalPassword}});
  EXPECT_REJECTED(Decide(s, ResetPassword{kPupil, ResetChannel::kEmail}, GuardianActor(kGuardian.str())),
                  StatusCode::kPermissionDenied, "a guardian cannot act on a pupil's account");
}

// --- Rule: a FranceConnect-only guardian has no ledger password to reset

TEST(FranceConnectOnly, ResetRejected) {
  EXPECT_REJECTED(Decide(ActivatedGuardianInCollege(ActivationMethod::kFranceConnect),
                         ResetPassword{kGuardian, ResetChannel::kSms}, GuardianActor(kGuardian.str())),
                  StatusCode::kFailedPrecondition, "FranceConnect only");
}

TEST(FranceConnectOnly, GuardianWhoOnceHadAPasswordCanReset) {
  AccountState s = Guardian();
  Fold(s, {Letter(), AccountActivated{ActivationMethod::kFranceConnect}});
  EXPECT_TRUE(Decide(s, ResetPassword{kGuardian, ResetChannel::kSms}, GuardianActor(kGuardian.str())).ok());
}

// --- Rule: staff actions need a live delegation for that establishment and module

EstablishmentState CollegeWithDelegation(Module m, const char* until = "2023-08-31T23:59:59Z") {
  EstablishmentState e;
  Fold(e, {RightsDelegated{StaffId("staff-7"), m, StaffId("head"), At(until), "RUPN"}});
  return e;
}

TEST(StaffAccessRule, AcceptedWithLiveDelegation) {
  EstablishmentState est = CollegeWithDelegation(Module::kAccountsAdmin);
  auto r = Decide(Pupil(), NotifyAccount{kPupil, NotifyChannel::kLetter, {}, false},
                  StaffActor("staff-7", kCollegeUai, Module::kAccountsAdmin), kSept, {nullptr, nullptr, &est});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

TEST(StaffAccessRule, RejectedWithoutDelegation) {
  EXPECT_REJECTED(Decide(Pupil(), NotifyAccount{kPupil, NotifyChannel::kLetter, {}, false},
                         StaffActor("staff-7", kCollegeUai, Module::kAccountsAdmin)),
                  StatusCode::kPermissionDenied, "holds no live accounts_admin delegation");
}

TEST(StaffAccessRule, RejectedAfterTheSchoolYearEnds) {
  EstablishmentState est = CollegeWithDelegation(Module::kAccountsAdmin);
  EXPECT_REJECTED(Decide(Pupil(), NotifyAccount{kPupil, NotifyChannel::kLetter, {}, false},
                         StaffActor("staff-7", kCollegeUai, Module::kAccountsAdmin),
                         At("2023-09-01T08:00:00Z"), {nullptr, nullptr, &est}),
                  StatusCode::kPermissionDenied, "expired at the end of the school year");
}

TEST(StaffAccessRule, RejectedAfterRevocation) {
  EstablishmentState est = CollegeWithDelegation(Module::kAccountsAdmin);
  Fold(est, {DelegationRevoked{StaffId("staff-7"), Module::kAccountsAdmin, StaffId("head"), "left"}});
  EXPECT_REJECTED(Decide(Pupil(), NotifyAccount{kPupil, NotifyChannel::kLetter, {}, false},
                         StaffActor("staff-7", kCollegeUai, Module::kAccountsAdmin), kSept,
                         {nullptr, nullptr, &est}),
                  StatusCode::kPermissionDenied, "revoked");
}

TEST(StaffAccessRule, PupilSupportModuleResetsPupilsOnly) {
  EstablishmentState est = CollegeWithDelegation(Module::kPupilSupport);
  AccountState pupil = Pupil({Letter(), AccountActivated{ActivationMethod::kProvisionalPassword}});
  Actor staff = StaffActor("staff-7", kCollegeUai, Module::kPupilSupport);
  EXPECT_TRUE(Decide(pupil, ResetPassword{kPupil, ResetChannel::kStaff}, staff, kSept,
                     {nullptr, nullptr, &est}).ok());
  EXPECT_REJECTED(Decide(pupil, NotifyAccount{kPupil, NotifyChannel::kLetter, true, false}, staff,
                         kSept, {nullptr, nullptr, &est}),
                  StatusCode::kPermissionDenied, "needs accounts_admin");
}

TEST(StaffAccessRule, RejectedInAnotherEstablishment) {
  EstablishmentState est = CollegeWithDelegation(Module::kAccountsAdmin);
  EXPECT_REJECTED(Decide(Pupil(), NotifyAccount{kPupil, NotifyChannel::kLetter, {}, false},
                         StaffActor("staff-7", kLyceeUai, Module::kAccountsAdmin), kSept,
                         {nullptr, nullptr, &est}),
                  StatusCode::kPermissionDenied, "cannot administer an account of establishment 0350033W");
}

TEST(StaffAccessRule, HeadHasAccessByDefault) {
  EXPECT_TRUE(Decide(Pupil(), NotifyAccount{kPupil, NotifyChannel::kLetter, {}, false},
                     HeadActor(kCollegeUai, false)).ok());
}

// --- Rule: guardian accounts are administered only with strong authentication

TEST(GuardianAdministration, AcceptedWithStrongAuth) {
  EstablishmentState est = CollegeWithDelegation(Module::kAccountsAdmin);
  EXPECT_TRUE(Decide(ActivatedGuardianInCollege(), NotifyAccount{kGuardian, NotifyChannel::kLetter, false, false},
                     StaffActor("staff-7", kCollegeUai, Module::kAccountsAdmin, /*strong=*/true), kSept,
                     {nullptr, nullptr, &est}).ok());
}

TEST(GuardianAdministration, RejectedWithoutStrongAuth) {
  EstablishmentState est = CollegeWithDelegation(Module::kAccountsAdmin);
  EXPECT_REJECTED(Decide(ActivatedGuardianInCollege(),
                         NotifyAccount{kGuardian, NotifyChannel::kLetter, false, false},
                         StaffActor("staff-7", kCollegeUai, Module::kAccountsAdmin, /*strong=*/false),
                         kSept, {nullptr, nullptr, &est}),
                  StatusCode::kPermissionDenied, "OTP key or the administrative network");
  EXPECT_REJECTED(Decide(ActivatedGuardianInCollege(),
                         NotifyAccount{kGuardian, NotifyChannel::kLetter, false, false},
                         HeadActor(kCollegeUai, /*strong=*/false)),
                  StatusCode::kPermissionDenied, "strong authentication");
}

// --- Rule: one guardian account for all children, across establishments; duplicates merge

TEST(OneGuardianAccount, LinksSiblingsInTwoEstablishments) {
  AccountState s = Guardian();
  AccountState college_pupil = Pupil();
  AccountState lycee_pupil;
  Fold(lycee_pupil, {NewPupil(Lycee())});
  auto first = Decide(s, LinkGuardian{kGuardian, kPupil, LinkRank::kLegal1, "20", SourceSystem::kSiecle, "", ""},
                      SystemActor(), kSept, {&college_pupil});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Fold(s, {first->front()});
  auto second = Decide(s, LinkGuardian{kGuardian, AccountId("acc-p-2"), LinkRank::kLegal1, "20",
                                       SourceSystem::kSiecle, "", ""},
                       SystemActor(), kSept, {&lycee_pupil});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Fold(s, {second->front()});
  EXPECT_EQ(s.links.size(), 2u);
  EXPECT_EQ(s.links.at("acc-p-2").pupil_placement.department, "031");
  EXPECT_EQ(s.links.at("acc-p-2").pupil_placement.class_name, "");
}

TEST(OneGuardianAccount, DuplicateLinkRejected) {
  AccountState pupil = Pupil();
  EXPECT_REJECTED(Decide(ActivatedGuardianInCollege(),
                         LinkGuardian{kGuardian, kPupil, LinkRank::kLegal2, "10", SourceSystem::kSiecle, "", ""},
                         SystemActor(), kSept, {&pupil}),
                  StatusCode::kFailedPrecondition, "already linked");
}

TEST(OneGuardianAccount, EnChargeOnlyInSecondary) {
  AccountState ecole_pupil;
  Fold(ecole_pupil, {NewPupil(Ecole())});
  EXPECT_REJECTED(Decide(Guardian(), LinkGuardian{kGuardian, kPupil, LinkRank::kEnCharge, "50",
                                                  SourceSystem::kOnde, "", ""},
                         SystemActor(), kSept, {&ecole_pupil}),
                  StatusCode::kFailedPrecondition, "secondary school");
}

TEST(OneGuardianAccount, DuplicateMergesIntoAnotherGuardian) {
  AccountState target = Guardian();
  auto r = Decide(Guardian(), CloseAccount{kGuardian, CloseReason::kMergedInto, AccountId("acc-g-2")},
                  SupportActor(), kSept, {nullptr, &target});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::get<AccountClosed>(r->front()).reason, "merged_into:acc-g-2");
}

TEST(OneGuardianAccount, MergeRejectedIntoPupilOrSelf) {
  AccountState pupil = Pupil();
  EXPECT_REJECTED(Decide(Guardian(), CloseAccount{kGuardian, CloseReason::kMergedInto, kPupil},
                         SupportActor(), kSept, {nullptr, &pupil}),
                  StatusCode::kFailedPrecondition, "is a pupil account");
  EXPECT_REJECTED(Decide(Guardian(), CloseAccount{kGuardian, CloseReason::kMergedInto, kGuardian},
                         SupportActor()),
                  StatusCode::kInvalidArgument, "itself");
}

// --- Rule: only academy support fixes an erroneous link

TEST(ErroneousLink, FixedByAcademySupport) {
  auto r = Decide(ActivatedGuardianInCollege(),
                  UnlinkGuardian{kGuardian, kPupil, UnlinkReason::kErroneousLinkFixed}, SupportActor());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::get<GuardianUnlinked>(r->front()).reason, UnlinkReason::kErroneousLinkFixed);
}

TEST(ErroneousLink, RejectedFromAnyoneElse) {
  for (const Actor& a : {SystemActor(), HeadActor(kCollegeUai), GuardianActor(kGuardian.str())})
    EXPECT_REJECTED(Decide(ActivatedGuardianInCollege(),
                           UnlinkGuardian{kGuardian, kPupil, UnlinkReason::kErroneousLinkFixed}, a),
                    StatusCode::kPermissionDenied, "only academy support");
}

// --- Links are confirmed or disputed by the guardian themself

TEST(LinkConfirmation, GuardianConfirmsAndDisputesOwnLinks) {
  AccountState s = ActivatedGuardianInCollege();
  EXPECT_TRUE(Decide(s, ConfirmLink{kGuardian, kPupil}, GuardianActor(kGuardian.str())).ok());
  auto disputed = Decide(s, DisputeLink{kGuardian, kPupil}, GuardianActor(kGuardian.str()));
  ASSERT_TRUE(disputed.ok());
  EXPECT_EQ(std::get<LinkDisputed>(disputed->front()).pupil, kPupil);
}

TEST(LinkConfirmation, RejectedForOthersAndUnknownLinks) {
  AccountState s = ActivatedGuardianInCollege();
  EXPECT_REJECTED(Decide(s, ConfirmLink{kGuardian, kPupil}, GuardianActor("acc-g-9")),
                  StatusCode::kPermissionDenied, "only the owner");
  EXPECT_REJECTED(Decide(s, DisputeLink{kGuardian, AccountId("acc-p-9")}, GuardianActor(kGuardian.str())),
                  StatusCode::kFailedPrecondition, "is not linked");
}

// --- Transfers keep the account; closed accounts accept nothing

TEST(Transfer, AcceptedToAnotherEstablishment) {
  auto r = Decide(Pupil(), TransferPupil{kPupil, Lycee()}, SystemActor());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::get<PupilTransferred>(r->front()).to.uai, kLyceeUai);
}

TEST(Transfer, RejectedToSameEstablishmentOrBadUai) {
  EXPECT_REJECTED(Decide(Pupil(), TransferPupil{kPupil, College("3E2")}, SystemActor()),
                  StatusCode::kFailedPrecondition, "ChangeClass");
  Placement bad = Lycee();
  bad.department = "032";
  EXPECT_REJECTED(Decide(Pupil(), TransferPupil{kPupil, bad}, SystemActor()),
                  StatusCode::kInvalidArgument, "does not match UAI");
}

TEST(ClosedAccount, AcceptsNothing) {
  AccountState s = Pupil({AccountClosed{"left"}});
  EXPECT_REJECTED(Decide(s, NotifyAccount{kPupil, NotifyChannel::kLetter, {}, false}, HeadActor(kCollegeUai)),
                  StatusCode::kFailedPrecondition, "is closed (left)");
  EXPECT_REJECTED(Decide(s, CloseAccount{kPupil, CloseReason::kLeft, {}}, SystemActor()),
                  StatusCode::kFailedPrecondition, "is closed");
}

TEST(NoOpCommands, ChangeNothingAndAppendNothing) {
  auto r = Decide(Pupil(), ChangeClass{kPupil, "4E1"}, SystemActor());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  auto c = Decide(Pupil(), UpdateContact{kPupil, false, false, {}}, SystemActor());
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->empty());
}

TEST(Apply, StaffResetSetsResetPendingUntilCompleted) {
  AccountState s = Pupil({Letter(), AccountActivated{ActivationMethod::kProvisionalPassword},
                          PasswordReset{ResetChannel::kStaff}});
  EXPECT_EQ(s.lifecycle, AccountLifecycle::kActivated);
  EXPECT_TRUE(s.reset_pending);
  Fold(s, {PasswordResetCompleted{}});
  EXPECT_FALSE(s.reset_pending);
  EXPECT_EQ(s.lifecycle, AccountLifecycle::kActivated);
}

}  // namespace
}  // namespace ledger
