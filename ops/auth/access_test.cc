// Roles and scopes: who reads which tables, rows and accounts.
#include "ops/auth/access.h"

#include <map>

#include <gtest/gtest.h>

namespace ledger::auth {
namespace {

class FakePlaces final : public Places {
 public:
  std::optional<Place> OfEstablishment(const std::string& uai) const override {
    auto it = uai_.find(uai);
    return it == uai_.end() ? std::nullopt : std::optional<Place>(it->second);
  }
  std::optional<std::string> AcademyOfDepartment(const std::string& d) const override {
    auto it = dept_.find(d);
    return it == dept_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::map<std::string, Place> uai_{{"0310001A", {"031", "toulouse"}}, {"0810002B", {"081", "toulouse"}},
                                    {"0350033W", {"035", "rennes"}}};
  std::map<std::string, std::string> dept_{{"031", "toulouse"}, {"081", "toulouse"}, {"035", "rennes"}};
};

AccessScope Scope_(const char* s) { return *ParseAccessScope(s); }

TEST(AccessTest, ScopesParseOnlyInTheirDocumentedShapes) {
  EXPECT_EQ(Scope_("national"), AccessScope{});
  EXPECT_EQ(Scope_("department:031").ToString(), "department:031");
  EXPECT_EQ(Scope_("establishment:0310001A").id, "0310001A");
  EXPECT_EQ(Scope_("academy:toulouse").kind, AccessScope::Kind::kAcademy);
  for (const char* bad : {"", "department", "department:", "department:31", "county:031",
                          "establishment:031", "academy:a b", "national:FR"})
    EXPECT_FALSE(ParseAccessScope(bad)) << bad;
}

TEST(AccessTest, ADashboardReadsTablesButNoOnesData) {
  EXPECT_TRUE(Allows(Role::kDashboard, Permission::kStats));
  for (Permission p : {Permission::kAccountView, Permission::kHistory, Permission::kLinks,
                       Permission::kSearchLogin, Permission::kSearchIne, Permission::kSubmitCommands})
    EXPECT_FALSE(Allows(Role::kDashboard, p));
  EXPECT_TRUE(Allows(Role::kAuditor, Permission::kHistory));
  EXPECT_FALSE(Allows(Role::kAssistance, Permission::kHistory));
  EXPECT_TRUE(Allows(Role::kAssistance, Permission::kLinks));
  EXPECT_FALSE(Allows(Role::kAssistance, Permission::kSearchIne));
  EXPECT_TRUE(Allows(Role::kAssistance, Permission::kSupportCommands));
  EXPECT_FALSE(Allows(Role::kAssistance, Permission::kSubmitCommands));
  EXPECT_FALSE(Allows(Role::kService, Permission::kStats));
  EXPECT_TRUE(Allows(Role::kAdmin, Permission::kSearchIne));
  EXPECT_EQ(RolesAllowed(Permission::kHistory), "auditor or admin");
  EXPECT_EQ(RolesAllowed(Permission::kStats), "dashboard, auditor, assistance or admin");
}

TEST(AccessTest, ADepartmentTokenReadsItsOwnAndNarrowerRowsOnly) {
  FakePlaces places;
  const AccessScope d031 = Scope_("department:031");
  EXPECT_FALSE(TableVisible(d031, Scope::kNational));
  EXPECT_FALSE(TableVisible(d031, Scope::kAcademy));
  EXPECT_TRUE(TableVisible(d031, Scope::kDepartment));
  EXPECT_TRUE(TableVisible(d031, Scope::kClass));
  EXPECT_TRUE(RowVisible(d031, Scope::kDepartment, "031", places));
  EXPECT_FALSE(RowVisible(d031, Scope::kDepartment, "081", places));
  EXPECT_TRUE(RowVisible(d031, Scope::kEstablishment, "0310001A", places));
  EXPECT_FALSE(RowVisible(d031, Scope::kEstablishment, "0810002B", places));
  EXPECT_TRUE(RowVisible(d031, Scope::kClass, "0310001A/3E2", places));
  EXPECT_FALSE(RowVisible(d031, Scope::kEstablishment, "0999999Z", places)) << "unknown places are nobody's";
  const AccessScope tls = Scope_("academy:toulouse");
  EXPECT_TRUE(RowVisible(tls, Scope::kDepartment, "081", places));
  EXPECT_FALSE(RowVisible(tls, Scope::kDepartment, "035", places));
  EXPECT_TRUE(RowVisible(tls, Scope::kAcademy, "toulouse", places));
  const AccessScope one = Scope_("establishment:0310001A");
  EXPECT_FALSE(TableVisible(one, Scope::kDepartment));
  EXPECT_TRUE(RowVisible(one, Scope::kClass, "0310001A/6E1", places));
  EXPECT_FALSE(RowVisible(one, Scope::kClass, "0810002B/6E1", places));

  StatTable t;
  for (const char* id : {"031", "035", "081"})
    t[StatCell{Scope::kDepartment, id, AccountKind::kPupil, StatLevel::kAll}] = StatCounts{1, 0, 0};
  StatTable mine = FilterRows(d031, Scope::kDepartment, t, places);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine.begin()->first.scope_id, "031");
  EXPECT_EQ(FilterRows(AccessScope{}, Scope::kDepartment, t, places).size(), 3u);
}

TEST(AccessTest, AGuardianIsInScopeThroughAnyOfItsLinks) {
  AccountView pupil;
  pupil.kind = AccountKind::kPupil;
  pupil.placement = Placement{Uai("0310001A"), "031", "toulouse", Level::kCollege, "3E2"};
  EXPECT_TRUE(AccountVisible(Scope_("department:031"), pupil));
  EXPECT_FALSE(AccountVisible(Scope_("department:081"), pupil));
  EXPECT_TRUE(AccountVisible(Scope_("academy:toulouse"), pupil));
  AccountView guardian;
  guardian.kind = AccountKind::kGuardian;
  EXPECT_FALSE(AccountVisible(Scope_("department:031"), guardian)) << "no link, no scope";
  EXPECT_TRUE(AccountVisible(AccessScope{}, guardian));
  LinkView link;
  link.placement = Placement{Uai("0810002B"), "081", "toulouse", Level::kLycee, ""};
  link.status = LinkViewStatus::kRemoved;
  guardian.links["p1"] = link;
  EXPECT_TRUE(AccountVisible(Scope_("department:081"), guardian));
  EXPECT_FALSE(AccountVisible(Scope_("department:031"), guardian));
}

TEST(AccessTest, AScopedTokenSubmitsCommandsForItsOwnAccountsOnly) {
  FakePlaces places;
  AccountView pupil;
  pupil.id = "p1";
  pupil.kind = AccountKind::kPupil;
  pupil.placement = Placement{Uai("0310001A"), "031", "toulouse", Level::kCollege, "3E2"};
  ViewLookup views = [&](const std::string& id) -> std::optional<AccountView> {
    if (id == "p1") return pupil;
    return std::nullopt;
  };
  const AccessScope d031 = Scope_("department:031"), d081 = Scope_("department:081");
  auto cmd = [](CommandBody b) { return Command{CommandId("c"), Timestamp{}, Actor{}, std::move(b)}; };
  EXPECT_EQ(CommandOutOfScope(cmd(ChangeClass{AccountId("p1"), "3E1"}), d031, views, places), "");
  EXPECT_EQ(CommandOutOfScope(cmd(ChangeClass{AccountId("p1"), "3E1"}), d081, views, places),
            "account p1 is outside department:081");
  EXPECT_EQ(CommandOutOfScope(cmd(DisputeLink{AccountId("g-new"), AccountId("p1")}), d031, views, places), "")
      << "a link concerns its pupil";
  EXPECT_EQ(CommandOutOfScope(cmd(ChangeClass{AccountId("ghost"), "3E1"}), d031, views, places),
            "account ghost is unknown to a department:031 token");
  AccountCreated created;
  created.placement = Placement{Uai("0810002B"), "081", "toulouse", Level::kLycee, "2NDE1"};
  EXPECT_NE(CommandOutOfScope(cmd(CreateAccount{AccountId("p2"), created}), d031, views, places), "");
  EXPECT_EQ(CommandOutOfScope(cmd(CreateAccount{AccountId("p2"), created}), d081, views, places), "");
  EXPECT_EQ(CommandOutOfScope(cmd(RevokeDelegation{Uai("0310001A"), StaffId("s"), Module::kAccountsAdmin, ""}),
                              d031, views, places),
            "");
  EXPECT_EQ(CommandOutOfScope(cmd(ChangeClass{AccountId("ghost"), "3E1"}), AccessScope{}, views, places), "");
  // Declaring another academy does not bring an establishment into scope.
  AccountCreated lying = created;
  lying.placement.academy = "rennes";
  EXPECT_EQ(CommandOutOfScope(cmd(CreateAccount{AccountId("p3"), lying}), Scope_("academy:rennes"), views, places),
            "the new pupil's establishment 0810002B is in department 081 (academy toulouse), not as the command says");
  EXPECT_NE(CommandOutOfScope(cmd(TransferPupil{AccountId("p1"), created.placement}), d031, views, places), "")
      << "moving a pupil out of scope";
}

TEST(AccessTest, AnErasureIsAcademySupportsAlone) {
  auto cmd = [](CommandBody b) { return Command{CommandId("c"), Timestamp{}, Actor{}, std::move(b)}; };
  const Command erase = cmd(CloseAccount{AccountId("g1"), CloseReason::kErased, {}, "T-1"});
  const Command left = cmd(CloseAccount{AccountId("g1"), CloseReason::kLeft, {}, ""});
  EXPECT_EQ(ErasureRefused(erase, Role::kAssistance, AccessScope{}), "");
  EXPECT_EQ(ErasureRefused(erase, Role::kAssistance, Scope_("academy:toulouse")), "");
  const std::string refused = "an erasure is academy support's: an assistance token of national or academy scope";
  EXPECT_EQ(ErasureRefused(erase, Role::kAssistance, Scope_("department:031")), refused);
  EXPECT_EQ(ErasureRefused(erase, Role::kAssistance, Scope_("establishment:0310001A")), refused);
  EXPECT_EQ(ErasureRefused(erase, Role::kService, AccessScope{}), refused);
  EXPECT_EQ(ErasureRefused(erase, Role::kAdmin, AccessScope{}), refused);
  // Other commands are not its business.
  EXPECT_EQ(ErasureRefused(left, Role::kService, AccessScope{}), "");
  EXPECT_EQ(ErasureRefused(cmd(ChangeClass{AccountId("p1"), "3E1"}), Role::kService, AccessScope{}), "");
}

}  // namespace
}  // namespace ledger::auth
