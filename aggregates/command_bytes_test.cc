// The commands' binary form: every command of a school year, and one with
// every optional field set, reads back equal; damaged bytes are DataLoss.
#include "aggregates/command_bytes.h"

#include <set>

#include <gtest/gtest.h>

#include "aggregates/command_json.h"
#include "aggregates/testing/fixtures.h"
#include "aggregates/testing/workload.h"

namespace ledger {
namespace {

std::string Bytes(const Command& c) {
  std::string out;
  AppendCommandBytes(c, out);
  return out;
}

TEST(CommandBytesTest, EveryCommandOfASchoolYearReadsBackEqual) {
  std::set<size_t> kinds;
  std::string all;
  const std::vector<Command> year = testing::GenerateWorkload({200, 5, "b"});
  for (const Command& c : year) AppendCommandBytes(c, all);
  std::string_view in = all;
  for (const Command& c : year) {
    Result<Command> back = ReadCommandBytes(in);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(CommandToJson(*back), CommandToJson(c));
    EXPECT_EQ(back->actor, c.actor);
    EXPECT_EQ(Bytes(*back), Bytes(c));
    kinds.insert(c.body.index());
  }
  EXPECT_TRUE(in.empty());
  EXPECT_GE(kinds.size(), 12u);
}

TEST(CommandBytesTest, EveryFieldOfACreationAndOfTheActorReadsBack) {
  AccountCreated a = testing::NewGuardian();
  a.match_keys = {"m:1", "e:2"};
  a.sealed = std::string("\x01\0sealed", 8);
  a.login_key = "lk";
  a.ine_key = "ik";
  a.personal = PersonalData::kSealed;
  a.birth_date = Date{1980, 2, 29};
  Command c{CommandId("c-1"), testing::At("2023-01-15T10:00:00Z"),
            testing::StaffActor("staff-1", testing::kCollegeUai, Module::kPupilSupport, true),
            CreateAccount{AccountId("acc-g-1"), a}};
  std::string bytes = Bytes(c);
  std::string_view in = bytes;
  Command back = ReadCommandBytes(in).value();
  const auto& got = std::get<CreateAccount>(back.body).data;
  EXPECT_EQ(got, a);
  EXPECT_EQ(back.actor, c.actor);
  EXPECT_EQ(back.at, c.at);
  Command notify{CommandId("c-2"), c.at, testing::SupportActor(),
                 NotifyAccount{AccountId("acc-g-1"), NotifyChannel::kEmail, false, true}};
  bytes = Bytes(notify);
  in = bytes;
  const auto n = std::get<NotifyAccount>(ReadCommandBytes(in).value().body);
  EXPECT_EQ(n.reset_password, std::optional<bool>(false));
  EXPECT_TRUE(n.force);
  EXPECT_EQ(n.channel, NotifyChannel::kEmail);
}

TEST(CommandBytesTest, DamagedBytesAreDataLoss) {
  const std::string bytes = Bytes(testing::GenerateWorkload({3, 1, "d"}).front());
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::string_view in(bytes.data(), cut);
    auto r = ReadCommandBytes(in);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  }
  // A body index past the last body.
  Command c{CommandId("x"), Timestamp{1}, testing::SupportActor(), CompletePasswordReset{AccountId("a")}};
  std::string bad = Bytes(c);
  const size_t body_at = 4 + 1 + 9 + 8 + 1 + 8 + 9 + 8 + 1 + 1;  // length, format, id, at, kind, actor id, uai, module, strong
  ASSERT_EQ(static_cast<uint8_t>(bad[body_at]), c.body.index());
  bad[body_at] = 40;
  std::string_view in = bad;
  auto r = ReadCommandBytes(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("out of range"), std::string::npos) << r.status().ToString();
}

}  // namespace
}  // namespace ledger
