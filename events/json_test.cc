#include "events/json.h"

#include <gtest/gtest.h>

#include "events/testing/sample_events.h"

namespace ledger {
namespace {

TEST(JsonTest, ExportLineHasContractKeysInOrder) {
  auto events = testing::SampleChain(StreamId("acc-p-1"));
  Json j = Json::parse(ExportLine(events[0], 7, 42));
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  std::vector<std::string> expected = {"partition", "offset", "stream", "seq", "type", "event_id",
                                       "occurred_at", "actor", "data", "recorded_at", "command_id",
                                       "schema_version", "prev_hash", "hash"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(j["partition"], 7);
  EXPECT_EQ(j["offset"], 42);
  EXPECT_EQ(j["type"], "AccountCreated");
  EXPECT_EQ(j["seq"], 1);
  EXPECT_EQ(j["occurred_at"], "2022-09-01T02:41:00Z");
}

// Found by tests/fuzz/fuzz_codec: a record whose strings are not UTF-8 passes
// the FlatBuffers verifier, and nlohmann's dump() threw on it (type_error 316),
// ending `ledger export` at that record.
TEST(JsonTest, ExportLineRendersBytesThatAreNotUtf8) {
  Event e = testing::SampleChain(StreamId("acc-p-1"))[0];
  e.command_id = CommandId("c-\xE9\xFF");
  const std::string line = ExportLine(e, 0, 0);
  EXPECT_EQ(Json::parse(line)["command_id"], "c-\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JsonTest, PayloadFieldsAreSnakeCase) {
  auto events = testing::SampleChain(StreamId("acc-p-1"));
  Json created = PayloadToJson(events[0].payload);
  EXPECT_EQ(created["kind"], "pupil");
  EXPECT_EQ(created["level"], "college");
  EXPECT_EQ(created["uai"], "0350033W");
  EXPECT_EQ(created["class"], "4E1");
  EXPECT_EQ(created["birth_date"], "2011-03-14");
  EXPECT_EQ(created["first_name"], "Léa");
  Json linked = PayloadToJson(events[4].payload);
  EXPECT_EQ(linked["rank"], "legal_1");
  EXPECT_EQ(linked["source_ids"], "ELEVE_ID=1042;PERSONNE_ID=88");
  Json delegated = PayloadToJson(events[11].payload);
  EXPECT_EQ(delegated["module"], "pupil_support");
  EXPECT_EQ(delegated["valid_until"], "2023-08-31T23:59:59Z");
  Json actor = ActorToJson(events[0].actor);
  EXPECT_EQ(actor.dump(),
            R"({"kind":"staff","id":"staff-12","uai":"0350033W","delegation":"accounts_admin","strong_auth":true})");
}

TEST(JsonTest, EveryTypeRendersItsName) {
  auto events = testing::SampleChain(StreamId("s"));
  for (const Event& e : events) {
    Json j = Json::parse(ExportLine(e, 0, 0));
    EXPECT_EQ(j["type"], EventTypeName(e.payload));
    EXPECT_TRUE(j["data"].is_object());
  }
}

}  // namespace
}  // namespace ledger
