// Commands as JSON: every command of a school year survives the round trip,
// and bad input is refused naming where, without echoing values.
#include "aggregates/command_json.h"

#include <set>

#include <gtest/gtest.h>

#include "aggregates/testing/workload.h"

namespace ledger {
namespace {

bool SameCommand(const Command& a, const Command& b) {
  return CommandToJson(a) == CommandToJson(b) && a.at == b.at && a.actor == b.actor &&
         a.body.index() == b.body.index();
}

TEST(CommandJsonTest, EveryCommandOfASchoolYearRoundTrips) {
  std::set<size_t> kinds;
  for (const Command& c : testing::GenerateWorkload({200, 3, "j"})) {
    Json j = CommandToJson(c);
    Result<Command> back = CommandFromJson(Json::parse(j.dump()), "c");
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << j.dump();
    EXPECT_TRUE(SameCommand(c, *back)) << j.dump();
    kinds.insert(c.body.index());
  }
  EXPECT_GE(kinds.size(), 12u) << "the workload covers most command types";
}

TEST(CommandJsonTest, TheArchitecturesExampleParses) {
  auto batch = ParseCommandBatch(
      R"({"command_id":"c-1","at":"2023-01-15T10:00:00Z","actor":{"kind":"guardian","id":"tls-g620"},)"
      R"("type":"DisputeLink","guardian":"tls-g620","pupil":"tls-p442"})",
      10);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->size(), 1u);
  const auto& d = std::get<DisputeLink>(batch->front().body);
  EXPECT_EQ(d.guardian.str(), "tls-g620");
  EXPECT_EQ(d.pupil.str(), "tls-p442");
  EXPECT_EQ(batch->front().actor.kind, ActorKind::kGuardian);
  EXPECT_EQ(FormatRfc3339(batch->front().at), "2023-01-15T10:00:00Z");
}

std::string Error(std::string_view body, size_t max = 10) {
  auto r = ParseCommandBatch(body, max);
  EXPECT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

// Found by tests/fuzz/fuzz_codec: the log stores strings up to their first
// NUL, so a command carrying one would apply an event other than the one logged.
// Found by tests/fuzz/fuzz_command: a number beyond a double is nlohmann's
// out_of_range, not a parse_error, and escaped JsonSyntaxError.
TEST(CommandJsonTest, ANumberTooLargeIsMalformedJson) {
  EXPECT_EQ(Error(R"({"command_id":1e400})"), "malformed JSON at a number too large to represent");
  EXPECT_EQ(JsonSyntaxError("[-3e7777]"), "a number too large to represent");
}

TEST(CommandJsonTest, StringsWithANulAreRefused) {
  const std::string c =
      R"({"command_id":"c","at":"2023-01-15T10:00:00Z","actor":{"kind":"system","id":"siecle"},"type":"ChangeClass","pupil":"p1","class":"3E\u00002"})";
  EXPECT_EQ(Error(c), "command.class: must not contain a NUL character (\\u0000)");
  const std::string keys =
      R"({"command_id":"c","at":"2023-01-15T10:00:00Z","actor":{"kind":"system","id":"siecle"},"type":"UpdateContact","account":"g1","match_keys":["a\u0000"]})";
  EXPECT_EQ(Error(keys), "command.match_keys: must not contain a NUL character (\\u0000)");
}

TEST(CommandJsonTest, BadInputNamesWhereAndNeverEchoesValues) {
  const std::string ok =
      R"({"command_id":"c","at":"2023-01-15T10:00:00Z","actor":{"kind":"system","id":"siecle"},"type":"ChangeClass","pupil":"p1","class":"3E2"})";
  ASSERT_TRUE(ParseCommandBatch(ok, 1).ok());
  EXPECT_EQ(Error("[" + ok + ",\n {\"command_id\": }]"),
            "malformed JSON at byte 154 (line 2, column 17): syntax error while parsing value - unexpected '}'; "
            "expected '[', '{', or a literal");
  std::string bad_at = ok;
  bad_at.replace(bad_at.find("2023-01-15T10"), 13, "2023-02-30T10");
  EXPECT_EQ(Error("[" + ok + "," + bad_at + "]"),
            "commands[1].at: expected an RFC 3339 UTC time (2023-01-15T10:00:00Z)");
  std::string typo = ok;
  typo.replace(typo.find("\"class\""), 7, "\"klass\"");
  EXPECT_EQ(Error(typo), "command.class: missing (a string)");
  std::string extra = ok.substr(0, ok.size() - 1) + R"(,"birth_date":"2011-04-02"})";
  EXPECT_EQ(Error(extra), "command.birth_date: unknown field");
  std::string type = ok;
  type.replace(type.find("ChangeClass"), 11, "EraseEverything");
  EXPECT_NE(Error(type).find("command.type: unknown command type EraseEverything (expected one of CreateAccount, "),
            std::string::npos);
  std::string birth =
      R"({"command_id":"c","at":"2023-01-15T10:00:00Z","actor":{"kind":"pupil","id":"p1"},"type":"ActivateAccount","account":"p1","method":"provisional_password","birth_date":"Dupont 2011"})";
  std::string m = Error(birth);
  EXPECT_EQ(m, "command.birth_date: expected a date YYYY-MM-DD");
  EXPECT_EQ(m.find("Dupont"), std::string::npos);
  std::string actor = ok;
  actor.replace(actor.find("\"system\""), 8, "\"robot\"");
  EXPECT_EQ(Error(actor), "command.actor.kind: expected one of system|pupil|guardian|staff|establishment_head|academy_support");
  EXPECT_EQ(Error("[" + ok + "," + ok + "]", 1), "2 commands in one request, at most 1: split the batch");
  EXPECT_EQ(Error("[]"), "an empty array: nothing to do");
  std::string huge = ok;
  huge.replace(huge.find("\"3E2\""), 5, "\"" + std::string(5000, 'x') + "\"");
  EXPECT_EQ(Error(huge), "command.class: longer than 1024 bytes");
  EXPECT_EQ(Error("42"), "expected a command object or an array of commands");
  std::string secret = R"({"command_id": "c", "at": Dupont})";
  EXPECT_EQ(Error(secret).find("Dupont"), std::string::npos) << Error(secret);
}

}  // namespace
}  // namespace ledger
