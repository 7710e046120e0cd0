// Place names: the built-in lists, profile.json as `ledger simulate` writes it,
// and a damaged profile.json that leaves the built-in names and says why.
#include "ops/query/places.h"

#include <fstream>

#include <gtest/gtest.h>

#include "events/testing/temp_dir.h"

namespace ledger::query {
namespace {

void Write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

TEST(PlacesTest, BuiltInNamesAndTheProfilesPublishedFigures) {
  EXPECT_EQ(DepartmentName("031"), "Haute-Garonne");
  EXPECT_EQ(DepartmentName("02A"), "Corse-du-Sud");
  EXPECT_EQ(DepartmentName("999"), std::nullopt);
  EXPECT_EQ(AcademyName("creteil"), "Créteil");
  testing::TempDir tmp("places");
  PlaceDirectory places(tmp.path());
  auto none = places.Describe({}, {"035"}, {"rennes"});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)["departments"][0]["name"], "Ille-et-Vilaine");
  EXPECT_EQ((*none)["academies"][0]["name"], "Rennes");
  EXPECT_FALSE(none->contains("problem"));
  Write(tmp.path() / "profile.json",
        R"({"school_year":{"from":"2022-08-29","to":"2023-07-07"},"rows":[)"
        R"({"scope":"department","id":"031","academy":"toulouse","published":{"pupils":54}},)"
        R"({"scope":"academy","id":"toulouse"}]})");
  auto with = places.Describe({}, {"031", "081"}, {"toulouse"});
  ASSERT_TRUE(with.ok());
  EXPECT_EQ((*with)["school_year"]["from"], "2022-08-29");
  ASSERT_EQ((*with)["departments"].size(), 2u) << with->dump();
  EXPECT_EQ((*with)["departments"][0]["published"]["pupils"], 54);
  EXPECT_EQ((*with)["departments"][1]["name"], "Tarn");
  EXPECT_EQ((*with)["academies"][0]["name"], "Toulouse");
}

TEST(PlacesTest, ADamagedProfileLeavesTheBuiltInNamesAndSaysWhyEveryTime) {
  testing::TempDir tmp("places-bad");
  PlaceDirectory places(tmp.path());
  for (const char* text : {"not json", R"({"rows": 5})"}) {
    Write(tmp.path() / "profile.json", text);
    for (int again = 0; again < 2; ++again) {
      auto j = places.Describe({}, {"031"}, {});
      ASSERT_TRUE(j.ok()) << text;
      EXPECT_EQ((*j)["departments"][0]["name"], "Haute-Garonne");
      EXPECT_EQ((*j)["problem"], "DATA/profile.json: not the JSON object of profile.json (ops/query/places.h)")
          << text << " " << again;
    }
  }
  // Fields of the wrong type are skipped, not fatal.
  Write(tmp.path() / "profile.json", R"({"school_year":"x","rows":[5,{"scope":"department","id":"031","name":7}]})");
  auto j = places.Describe({}, {}, {});
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE((*j)["school_year"].is_null());
  EXPECT_EQ((*j)["departments"][0]["name"], "Haute-Garonne");
  EXPECT_FALSE(j->contains("problem"));
}

}  // namespace
}  // namespace ledger::query
