// The read side on a projected workload: series equal the as-of tables they
// stand for, search finds accounts through the projector's index, histories
// and links render the documented JSON. The workload is written sealed
// (events/privacy): reads open personal fields only with the vault.
#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "consumers/projector.h"
#include "events/privacy/key_vault.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/temp_dir.h"
#include "ops/query/accounts.h"
#include "ops/query/history.h"
#include "ops/query/links.h"
#include "ops/query/stats.h"
#include "projections/view_codec.h"

namespace ledger::query {
namespace {

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = CommandHandler::Open(log_, [] { return Timestamp{1}; }, &vault_);
    ASSERT_TRUE(h.ok());
    for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({300, 5, "q"})))
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto db = ProjectionDb::Open(tmp_.path() / "db", {});
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    Projector p(log_, *db_);
    ASSERT_TRUE(p.CatchUp().ok());
  }
  MemoryEventLog log_;
  privacy::MemoryKeyStore keys_;
  privacy::KeyVault vault_{keys_, privacy::Secret32::Random()};
  testing::TempDir tmp_{"query"};
  std::unique_ptr<ProjectionDb> db_;
};

TEST_F(QueryTest, EverySeriesPointEqualsTheTableAsOfItsDate) {
  auto now = db_->Stats(Scope::kDepartment);
  ASSERT_TRUE(now.ok());
  ASSERT_FALSE(now->empty());
  const std::string dept = now->begin()->first.scope_id;
  for (Every every : {Every::kDay, Every::kWeek, Every::kMonth}) {
    SeriesQuery q{Scope::kDepartment, dept, *ParseIsoDate("2026-08-25"), *ParseIsoDate("2027-09-03"), every};
    auto points = ReadStatsSeries(*db_, q, 1000);
    ASSERT_TRUE(points.ok()) << points.status().ToString();
    EXPECT_EQ(FormatIsoDate(points->front().date), "2026-08-25");
    EXPECT_EQ(FormatIsoDate(points->back().date), "2027-09-03");
    bool grew = false;
    for (const SeriesPoint& p : *points) {
      StatTable want;
      auto table = db_->Stats(Scope::kDepartment, p.date);
      ASSERT_TRUE(table.ok());
      for (const auto& [cell, c] : *table)
        if (cell.scope_id == dept) want.emplace(cell, c);
      ASSERT_EQ(p.rows, want) << FormatIsoDate(p.date) << " every " << Name(every);
      grew |= !want.empty();
    }
    EXPECT_TRUE(grew);
  }
}

TEST_F(QueryTest, SeriesDatesStepFromTheFirstDateAndEndOnTheLast) {
  auto dates = [](const char* from, const char* to, Every e) {
    std::string s;
    for (const Date& d : SeriesDates({Scope::kNational, "FR", *ParseIsoDate(from), *ParseIsoDate(to), e}))
      s += FormatIsoDate(d) + " ";
    return s;
  };
  EXPECT_EQ(dates("2023-01-31", "2023-04-15", Every::kMonth), "2023-01-31 2023-02-28 2023-03-31 2023-04-15 ");
  EXPECT_EQ(dates("2023-01-01", "2023-01-15", Every::kWeek), "2023-01-01 2023-01-08 2023-01-15 ");
  EXPECT_EQ(dates("2023-01-01", "2023-01-01", Every::kDay), "2023-01-01 ");
  auto too_many = ReadStatsSeries(*db_, {Scope::kNational, "FR", *ParseIsoDate("2000-01-01"),
                                         *ParseIsoDate("2099-01-01"), Every::kDay}, 1000);
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_many.status().message().find("more than 1000 points"), std::string::npos);
  auto backwards = ReadStatsSeries(*db_, {Scope::kNational, "FR", *ParseIsoDate("2024-01-02"),
                                          *ParseIsoDate("2024-01-01"), Every::kDay}, 1000);
  EXPECT_EQ(backwards.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(QueryTest, SearchFindsAnAccountByLoginAnyCaseAndByIne) {
  auto by_login = SearchAccounts(*db_, SearchIndex::kLogin, "E.Q-F7-0", &vault_);
  ASSERT_TRUE(by_login.ok());
  ASSERT_EQ(by_login->size(), 1u);
  EXPECT_EQ(by_login->front().id, "q-f7-p0");
  EXPECT_EQ(by_login->front().login, "e.q-f7-0");
  // The index holds keyed hashes only: without the vault nothing is found.
  EXPECT_TRUE(SearchAccounts(*db_, SearchIndex::kLogin, "E.Q-F7-0")->empty());
  auto history = ReadHistory(*db_, {"q-f7-p0", std::nullopt, false, &vault_});
  ASSERT_TRUE(history.ok());
  const auto& created = std::get<AccountCreated>(history->entries.front().event.payload);
  auto by_ine = SearchAccounts(*db_, SearchIndex::kIne, created.ine.str(), &vault_);
  ASSERT_TRUE(by_ine.ok());
  ASSERT_EQ(by_ine->size(), 1u);
  EXPECT_EQ(by_ine->front().id, "q-f7-p0");
  EXPECT_TRUE(SearchAccounts(*db_, SearchIndex::kLogin, "nobody", &vault_)->empty());
  EXPECT_EQ(SearchAccounts(*db_, SearchIndex::kLogin, "  ").status().code(), StatusCode::kInvalidArgument);
  Json j = SearchToJson(*by_login);
  EXPECT_EQ(j["matches"][0]["account"], "q-f7-p0");
}

TEST_F(QueryTest, HistoryShowsPersonalFieldsOnlyWithTheVaultAndVerifiesTheChain) {
  auto h = ReadHistory(*db_, {"q-f7-p0", std::nullopt, true});
  ASSERT_TRUE(h.ok());
  Json j = HistoryToJson(*h);
  EXPECT_EQ(j["account"], "q-f7-p0");
  EXPECT_EQ(j["chain_verified"], true);
  EXPECT_EQ(j["events"].size(), h->total_events);
  const Json& data = j["events"][0]["data"];
  for (const char* k : {"login", "ine", "birth_date", "last_name", "first_name"}) EXPECT_FALSE(data.contains(k)) << k;
  EXPECT_EQ(data["personal_data"], "encrypted");
  EXPECT_FALSE(j["events"][0].contains("partition"));
  auto opened = ReadHistory(*db_, {"q-f7-p0", std::nullopt, true, &vault_});
  ASSERT_TRUE(opened.ok());
  Json o = HistoryToJson(*opened);
  EXPECT_EQ(o["events"][0]["data"]["login"], "e.q-f7-0");
  EXPECT_FALSE(o["events"][0]["data"]["ine"].get<std::string>().empty());
  EXPECT_EQ(o["head_hash"], j["head_hash"]);
  ASSERT_TRUE(vault_.Erase("q-f7-p0").ok());
  auto erased = ReadHistory(*db_, {"q-f7-p0", std::nullopt, true, &vault_});
  ASSERT_TRUE(erased.ok());
  Json e = HistoryToJson(*erased);
  for (const char* k : {"login", "ine", "birth_date", "last_name", "first_name"})
    EXPECT_EQ(e["events"][0]["data"][k], "[erased]") << k;
  EXPECT_EQ(e["head_hash"], j["head_hash"]);
  EXPECT_EQ(ViewToJson(*erased->view)["login"], "[erased]");
  auto early = ReadHistory(*db_, {"q-f7-p0", *ParseIsoDate("2000-01-01"), false});
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->entries.empty());
  EXPECT_EQ(ReadHistory(*db_, {"nobody", std::nullopt, false}).status().code(), StatusCode::kNotFound);
}

TEST_F(QueryTest, LinksOfAPupilListEveryGuardian) {
  auto l = ReadLinks(*db_, "q-f7-p0");
  ASSERT_TRUE(l.ok());
  ASSERT_FALSE(l->links.empty());
  for (const LinkView& link : l->links) EXPECT_EQ(link.pupil, "q-f7-p0");
  Json j = LinksToJson(*l);
  EXPECT_EQ(j["kind"], "pupil");
  EXPECT_EQ(j["links"].size(), l->links.size());
  EXPECT_EQ(ReadLinks(*db_, "nobody").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ledger::query
