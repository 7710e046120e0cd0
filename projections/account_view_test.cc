#include "projections/account_view.h"

#include <gtest/gtest.h>

#include "projections/view_codec.h"

namespace ledger {
namespace {

Timestamp T(const char* s) { return *ParseRfc3339(s); }

Event Ev(uint64_t seq, const char* at, Payload p, Actor a = Actor{ActorKind::kSystem, "siecle", {}, {}, false}) {
  Event e;
  e.stream = StreamId("g-1");
  e.seq = seq;
  e.occurred_at = T(at);
  e.actor = std::move(a);
  e.payload = std::move(p);
  return e;
}

const Placement kCollege{Uai("0350033W"), "035", "rennes", Level::kCollege, ""};

AccountView Fold(std::initializer_list<Event> events) {
  AccountView v;
  for (const Event& e : events) ApplyToView(v, e);
  return v;
}

TEST(AccountViewTest, PupilLifecycleWithResetPending) {
  AccountCreated c{AccountKind::kPupil, "e.x", SourceSystem::kSiecle, "1", "f.xml",
                   Placement{Uai("0350033W"), "035", "rennes", Level::kCollege, "4E1"},
                   Ine("123456789AB"), Date{2012, 1, 1}, "N", "P", false, true, {}};
  AccountView v = Fold({Ev(1, "2026-09-01T08:00:00Z", c),
                        Ev(2, "2026-09-02T08:00:00Z", AccountNotified{NotifyChannel::kLetter, false, {}, false}),
                        Ev(3, "2026-09-03T08:00:00Z", AccountActivated{ActivationMethod::kProvisionalPassword}),
                        Ev(4, "2026-09-04T08:00:00Z", PasswordReset{ResetChannel::kStaff})});
  EXPECT_FALSE(AccountView{}.open());  // never created
  EXPECT_TRUE(v.open());
  EXPECT_EQ(v.state, ViewState::kActivated);
  EXPECT_TRUE(v.reset_pending);
  EXPECT_EQ(v.activated_at, T("2026-09-03T08:00:00Z"));
  EXPECT_EQ(v.placement.class_name, "4E1");
  ApplyToView(v, Ev(5, "2026-09-05T08:00:00Z", PasswordResetCompleted{}));
  EXPECT_FALSE(v.reset_pending);
  ApplyToView(v, Ev(6, "2026-09-06T08:00:00Z", ClassChanged{"4E2"}));
  EXPECT_EQ(v.placement.class_name, "4E2");
  ApplyToView(v, Ev(7, "2026-10-01T08:00:00Z", AccountClosed{"left"}));
  EXPECT_EQ(v.state, ViewState::kClosed);
  EXPECT_FALSE(v.open());
  EXPECT_EQ(v.seq, 7u);
}

TEST(AccountViewTest, GuardianLinksKeepTheirStoryIncludingRemoval) {
  AccountCreated g{AccountKind::kGuardian, "r.x", SourceSystem::kSiecle, "9", "r.xml", {}, {}, {},
                   "N", "P", true, false, {}};
  Actor support{ActorKind::kAcademySupport, "support-1", {}, {}, true};
  AccountView v = Fold({Ev(1, "2026-09-01T08:00:00Z", g),
                        Ev(2, "2026-09-01T09:00:00Z",
                           GuardianLinked{AccountId("p-1"), kCollege, LinkRank::kLegal2, "father",
                                          SourceSystem::kSiecle, "ELEVE_ID=1;PERSONNE_ID=9", "r.xml"}),
                        Ev(3, "2026-09-02T09:00:00Z", LinkDisputed{AccountId("p-1")},
                           Actor{ActorKind::kGuardian, "g-1", {}, {}, false}),
                        Ev(4, "2026-09-03T09:00:00Z",
                           GuardianUnlinked{AccountId("p-1"), UnlinkReason::kErroneousLinkFixed}, support)});
  const LinkView& l = v.links.at("p-1");
  EXPECT_EQ(l.status, LinkViewStatus::kRemoved);
  EXPECT_EQ(l.removed_reason, "erroneous_link_fixed");
  EXPECT_EQ(l.linked_by, "system:siecle");
  EXPECT_EQ(l.changed_by, "academy_support:support-1");
  EXPECT_EQ(l.last_change, "removed:erroneous_link_fixed");
  EXPECT_EQ(l.source_ids, "ELEVE_ID=1;PERSONNE_ID=9");
  EXPECT_FALSE(l.active());
}

TEST(AccountViewTest, ActorDescriptionNamesTheDelegationUsed) {
  EXPECT_EQ(DescribeActor(Actor{ActorKind::kStaff, "s-1", Uai("0350033W"), Module::kPupilSupport, false}),
            "staff:s-1 (0350033W, pupil_support)");
}

TEST(ViewCodecTest, ViewsAndLinksRoundTripAndGarbageIsDataLoss) {
  AccountCreated g{AccountKind::kGuardian, "r.x", SourceSystem::kOnde, "9", "r.csv", {}, {}, {},
                   "N", "P", true, false, {}};
  AccountView v = Fold({Ev(1, "2026-09-01T08:00:00Z", g),
                        Ev(2, "2026-09-01T09:00:00Z",
                           GuardianLinked{AccountId("p-1"), kCollege, LinkRank::kEnCharge, "other",
                                          SourceSystem::kSiecle, "ids", "r.xml"}),
                        Ev(3, "2026-09-03T08:00:00Z", AccountActivated{ActivationMethod::kFranceConnect})});
  Result<AccountView> back = DecodeView(EncodeView(v));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, v);
  Result<LinkView> link = DecodeLink(EncodeLink(v.links.at("p-1")));
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(*link, v.links.at("p-1"));
  EXPECT_EQ(DecodeView("\x01\x02garbage").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeLink(EncodeView(v)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ViewToJson(v)["links"][0]["rank"], "en_charge");
}

}  // namespace
}  // namespace ledger
