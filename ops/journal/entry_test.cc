// Entry format: the line written, the bytes hashed, what a line may hold.
#include "ops/journal/entry.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ledger::journal {
namespace {

AccessEntry Sample() {
  AccessEntry e;
  e.seq = 7;
  e.at = *ParseRfc3339("2026-03-02T10:15:00.123456Z");
  e.who = "aud-031";
  e.role = "auditor";
  e.via = Via::kApi;
  e.what = What::kHistory;
  e.account = "pup-0042";
  e.reason = "GLPI-4711 réclamation";
  e.prev_hash.fill(0xab);
  e.hash = EntryHash(e.prev_hash, e);
  return e;
}

TEST(EntryTest, CanonicalBytesAreLengthPrefixedFieldsInAFixedOrder) {
  EXPECT_EQ(CanonicalBytes(Sample()),
            "ledger-access-journal-v1\n"
            "seq=1:7\n"
            "at=27:2026-03-02T10:15:00.123456Z\n"
            "who=7:aud-031\n"
            "role=7:auditor\n"
            "via=3:api\n"
            "what=7:history\n"
            "account=8:pup-0042\n"
            "reason=22:GLPI-4711 réclamation\n");
}

TEST(EntryTest, ALineIsOneJsonObjectWithItsKeysInOrderAndParsesBackToTheSameEntry) {
  constexpr const char* kPrevHex = "abababababababababababababababababababababababababababababababab";
  const AccessEntry e = Sample();
  const std::string line = FormatLine(e);
  EXPECT_EQ(line,
            R"({"seq":7,"at":"2026-03-02T10:15:00.123456Z","who":"aud-031","role":"auditor",)"
            R"("via":"api","what":"history","account":"pup-0042","reason":"GLPI-4711 réclamation",)"
            R"("prev_hash":")" + std::string(kPrevHex) + R"(","hash":")" + HexOf(e.hash) + "\"}\n");
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  Result<AccessEntry> back = ParseLine(line.substr(0, line.size() - 1));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);
}

TEST(EntryTest, TheHashDoesNotDependOnHowTheJsonIsSpelledButOnEveryField) {
  const AccessEntry e = Sample();
  // Same values, other key order and spacing, an escaped character.
  const std::string respelled =
      R"({ "hash": ")" + HexOf(e.hash) + R"(", "prev_hash": ")" + HexOf(e.prev_hash) +
      R"(", "reason": "GLPI-4711 r\u00e9clamation", "account": "pup-0042", "what": "history", "via": "api",
          "role": "auditor", "who": "aud-031", "at": "2026-03-02T10:15:00.123456Z", "seq": 7 })";
  Result<AccessEntry> p = ParseLine(respelled);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(EntryHash(p->prev_hash, *p), e.hash);
  for (auto change : std::vector<void (*)(AccessEntry&)>{
           [](AccessEntry& x) { x.seq = 8; }, [](AccessEntry& x) { x.at.micros += 1; },
           [](AccessEntry& x) { x.who = "aud-032"; }, [](AccessEntry& x) { x.role = "admin"; },
           [](AccessEntry& x) { x.via = Via::kCli; }, [](AccessEntry& x) { x.what = What::kView; },
           [](AccessEntry& x) { x.account = "pup-0043"; }, [](AccessEntry& x) { x.reason = ""; }}) {
    AccessEntry x = e;
    change(x);
    EXPECT_NE(EntryHash(x.prev_hash, x), e.hash);
  }
  AccessEntry other_prev = e;
  other_prev.prev_hash[0] ^= 1;
  EXPECT_NE(EntryHash(other_prev.prev_hash, other_prev), e.hash);
}

TEST(EntryTest, LinesWithAnExtraMissingOrMalformedKeyAreNotEntries) {
  const nlohmann::json good = nlohmann::json::parse(FormatLine(Sample()));
  auto parsed = [](const nlohmann::json& j) { return ParseLine(j.dump()).status().message(); };
  nlohmann::json j = good;
  j["note"] = "x";
  EXPECT_NE(parsed(j).find("unexpected key"), std::string::npos);
  j = good;
  j.erase("reason");
  EXPECT_EQ(parsed(j), "no reason");
  j = good;
  j["seq"] = "7";
  EXPECT_EQ(parsed(j), "seq is not a number");
  j = good;
  j["via"] = "web";
  EXPECT_EQ(parsed(j), "via is neither cli nor api");
  j = good;
  j["at"] =
      "2026-03-02T10:15:00.1Z";  // the same instant spelled otherwise: not as the journal writes it
  EXPECT_NE(parsed(j).find("at is not"), std::string::npos);
  j = good;
  j["hash"] = std::string(64, 'A');
  EXPECT_NE(parsed(j).find("64 lower-case hex"), std::string::npos);
  EXPECT_EQ(ParseLine("[1,2]").status().message(), "not a JSON object");
  EXPECT_EQ(ParseLine("{\"seq\":").status().message(), "not a JSON object");
}

TEST(EntryTest, ValuesAreCheckedWithoutRepeatingThem) {
  EXPECT_TRUE(ValidateWho("jean.d@rectorat-31").ok());
  for (const char* who : {"", "Jean Dupont", "a\nb", "é"}) {
    Status s = ValidateWho(who);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << who;
    if (*who) {
      EXPECT_EQ(s.message().find(who), std::string::npos);
    }
  }
  EXPECT_TRUE(ValidateReason("").ok());
  EXPECT_TRUE(ValidateReason("ticket n°4711 — appel du 3 mars").ok());
  for (const std::string& reason :
       {std::string("Marie\tCurie"), std::string("\xff\xfe"), std::string("\xc3"),
        std::string("\xed\xa0\x80"), std::string(201, 'x')}) {
    Status s = ValidateReason(reason);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message().find(reason), std::string::npos);
  }
  AccessEntry e = Sample();
  e.account = "pup\"0042";
  EXPECT_NE(Validate(e).message().find("account"), std::string::npos);
  e = Sample();
  e.role = "Auditor";
  EXPECT_NE(Validate(e).message().find("role"), std::string::npos);
}

TEST(EntryTest, EntriesOfGivesOneEntryPerAccountSharingWhoWhenAndWhy) {
  const AccessContext who{"help031", "assistance", Via::kApi, "INC-1"};
  const Timestamp at = *ParseRfc3339("2026-03-02T10:15:00Z");
  std::vector<AccessEntry> v = EntriesOf(who, What::kSearch, {"pup-1", "gua-2"}, at);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].account, "pup-1");
  EXPECT_EQ(v[1].account, "gua-2");
  for (const AccessEntry& e : v) {
    EXPECT_EQ(e.who, "help031");
    EXPECT_EQ(e.role, "assistance");
    EXPECT_EQ(e.via, Via::kApi);
    EXPECT_EQ(e.what, What::kSearch);
    EXPECT_EQ(e.reason, "INC-1");
    EXPECT_EQ(e.at, at);
  }
  EXPECT_TRUE(EntriesOf(who, What::kSearch, {}, at).empty());
}

}  // namespace
}  // namespace ledger::journal
