// Delegation rules: only the head delegates; a delegation ends with the school year.
#include "aggregates/establishment.h"

#include <gtest/gtest.h>

#include "aggregates/testing/fixtures.h"

namespace ledger {
namespace {

using namespace ledger::testing;

Result<std::vector<Payload>> Decide(const EstablishmentState& s, CommandBody body, Actor actor,
                                    Timestamp at = At("2022-10-03T10:00:00Z")) {
  return DecideEstablishment(s, MakeCommand(std::move(body), std::move(actor), at));
}

DelegateRights Delegation(const char* until) {
  return DelegateRights{kCollegeUai, StaffId("staff-7"), Module::kAccountsAdmin, At(until), "RUPN"};
}

TEST(Delegation, AcceptedUntilThe31stOfAugust) {
  auto r = Decide(EstablishmentState{}, Delegation("2023-08-31T23:59:59Z"), HeadActor(kCollegeUai));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& d = std::get<RightsDelegated>(r->front());
  EXPECT_EQ(d.granted_by.str(), "head-0350033W");
  EXPECT_EQ(d.delegate.str(), "staff-7");
}

TEST(Delegation, RejectedBeyondTheSchoolYear) {
  EXPECT_REJECTED(Decide(EstablishmentState{}, Delegation("2023-09-01T00:00:00Z"), HeadActor(kCollegeUai)),
                  StatusCode::kFailedPrecondition, "on or before 2023-08-31");
}

TEST(Delegation, RejectedFromAnyoneButTheHeadOfThatEstablishment) {
  EXPECT_REJECTED(Decide(EstablishmentState{}, Delegation("2023-06-30T00:00:00Z"),
                         StaffActor("staff-1", kCollegeUai, Module::kAccountsAdmin, true)),
                  StatusCode::kPermissionDenied, "only the head of establishment");
  EXPECT_REJECTED(Decide(EstablishmentState{}, Delegation("2023-06-30T00:00:00Z"), HeadActor(kLyceeUai)),
                  StatusCode::kPermissionDenied, "only the head of establishment 0350033W");
}

TEST(Delegation, RejectedWhenAlreadyLive) {
  EstablishmentState s;
  Fold(s, {RightsDelegated{StaffId("staff-7"), Module::kAccountsAdmin, StaffId("h"),
                           At("2023-08-31T23:59:59Z"), ""}});
  EXPECT_REJECTED(Decide(s, Delegation("2023-06-30T00:00:00Z"), HeadActor(kCollegeUai)),
                  StatusCode::kFailedPrecondition, "already holds a live");
}

TEST(Revocation, AcceptedFromHeadOrSupport) {
  EstablishmentState s;
  Fold(s, {RightsDelegated{StaffId("staff-7"), Module::kAccountsAdmin, StaffId("h"),
                           At("2023-08-31T23:59:59Z"), ""}});
  RevokeDelegation revoke{kCollegeUai, StaffId("staff-7"), Module::kAccountsAdmin, "change of mission"};
  EXPECT_TRUE(Decide(s, revoke, HeadActor(kCollegeUai)).ok());
  EXPECT_TRUE(Decide(s, revoke, SupportActor()).ok());
  Fold(s, {DelegationRevoked{StaffId("staff-7"), Module::kAccountsAdmin, StaffId("h"), ""}});
  EXPECT_FALSE(s.HasLiveDelegation("staff-7", Module::kAccountsAdmin, At("2022-10-04T00:00:00Z")));
}

TEST(Revocation, RejectedWithoutALiveDelegationOrFromStaff) {
  RevokeDelegation revoke{kCollegeUai, StaffId("staff-7"), Module::kAccountsAdmin, ""};
  EXPECT_REJECTED(Decide(EstablishmentState{}, revoke, HeadActor(kCollegeUai)),
                  StatusCode::kFailedPrecondition, "holds no live");
  EXPECT_REJECTED(Decide(EstablishmentState{}, revoke, StaffActor("x", kCollegeUai, Module::kAccountsAdmin)),
                  StatusCode::kPermissionDenied, "or academy support");
}

}  // namespace
}  // namespace ledger
