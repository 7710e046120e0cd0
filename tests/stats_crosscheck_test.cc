// Independent check of the activation statistics: recompute them by folding
// the `ledger export` JSONL with code that shares nothing with the
// projections (its own state, its own counting, dates compared as text), and
// compare with the projection store for every scope — today and as of two
// past dates.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aggregates/command_handler.h"
#include "aggregates/testing/workload.h"
#include "consumers/projector.h"
#include "events/testing/memory_event_log.h"
#include "events/testing/temp_dir.h"
#include "ops/cli/export.h"

namespace ledger {
namespace {

using nlohmann::json;
// (scope, scope_id, profile, level) -> {accounts, notified, activated}
using Key = std::tuple<std::string, std::string, std::string, std::string>;
using Table = std::map<Key, std::array<int64_t, 3>>;

struct Where {
  std::string uai, department, academy, level, cls;
};
struct Account {
  std::string kind, state = "created";
  Where where;
  std::map<std::string, Where> links;  // active links only
};

Where WhereOf(const json& j) {
  return Where{j.value("uai", ""), j.value("department", ""), j.value("academy", ""),
               j.value("level", ""), j.value("class", "")};
}

// Folds the export lines whose occurred_at date is <= `day` ("" = all).
Table FoldExport(const std::vector<json>& lines, const std::string& day) {
  std::map<std::string, Account> accounts;
  for (const json& e : lines) {
    if (!day.empty() && e["occurred_at"].get<std::string>().substr(0, 10) > day) continue;
    const std::string stream = e["stream"], type = e["type"];
    if (stream.rfind("uai:", 0) == 0) continue;
    Account& a = accounts[stream];
    const json& d = e["data"];
    if (type == "AccountCreated") {
      a.kind = d["kind"];
      a.state = "created";
      if (a.kind == "pupil") a.where = WhereOf(d);
    } else if (type == "AccountNotified") {
      if (a.state == "created") a.state = "notified";
    } else if (type == "AccountActivated") {
      a.state = "activated";
    } else if (type == "AccountClosed") {
      a.state = "closed";
    } else if (type == "PupilTransferred") {
      a.where = WhereOf(d);
    } else if (type == "ClassChanged") {
      a.where.cls = d["class"];
    } else if (type == "GuardianLinked" || type == "GuardianLinkUpdated") {
      a.links[d["pupil"]] = WhereOf(d);
    } else if (type == "GuardianUnlinked") {
      a.links.erase(d["pupil"].get<std::string>());
    }
  }
  Table t;
  for (const auto& entry : accounts) {
    const auto& a = entry.second;  // not a structured binding: clang 14 cannot capture one in a lambda
    if (a.state == "closed") continue;
    std::set<Key> cells;
    auto both = [&](const std::string& scope, const std::string& sid, const std::string& level) {
      cells.insert({scope, sid, a.kind, "all"});
      cells.insert({scope, sid, a.kind, level});
    };
    if (a.kind == "pupil") {
      both("national", "FR", a.where.level);
      both("academy", a.where.academy, a.where.level);
      both("department", a.where.department, a.where.level);
      both("establishment", a.where.uai, a.where.level);
      both("class", a.where.uai + "/" + a.where.cls, a.where.level);
    } else {
      cells.insert({"national", "FR", a.kind, "all"});
      for (const auto& [p, w] : a.links) {
        cells.insert({"national", "FR", a.kind, w.level});
        both("academy", w.academy, w.level);
        both("department", w.department, w.level);
        both("establishment", w.uai, w.level);
      }
    }
    for (const Key& k : cells) {
      auto& c = t[k];
      c[0] += 1;
      c[1] += a.state == "notified";
      c[2] += a.state == "activated";
    }
  }
  return t;
}

Table FromStore(const ProjectionDb& db, std::optional<Date> as_of) {
  Table t;
  for (Scope s : {Scope::kNational, Scope::kAcademy, Scope::kDepartment, Scope::kEstablishment, Scope::kClass}) {
    auto table = db.Stats(s, as_of);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    for (const auto& [cell, c] : *table)
      t[{std::string(Name(cell.scope)), cell.scope_id, std::string(Name(cell.profile)),
         std::string(Name(cell.level))}] = {c.accounts, c.notified, c.activated};
  }
  return t;
}

TEST(StatsCrossCheckTest, ExportFoldEqualsProjectionTodayAndAsOfTwoPastDates) {
  MemoryEventLog log;
  auto h = CommandHandler::Open(log, [] { return Timestamp{1'790'000'000'000'000}; });
  ASSERT_TRUE(h.ok());
  for (const auto& r : (*h)->HandleBatch(testing::GenerateWorkload({1500, 99, "x"})))
    ASSERT_TRUE(r.ok()) << r.status().ToString();

  std::FILE* f = std::tmpfile();
  ASSERT_TRUE(ExportJsonl(log, f).ok());
  std::rewind(f);
  std::vector<json> lines;
  char buf[1 << 16];
  while (std::fgets(buf, sizeof buf, f)) lines.push_back(json::parse(buf));
  std::fclose(f);

  testing::TempDir tmp("crosscheck");
  {
    auto db = ProjectionDb::Open(tmp.path() / "db", {});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(Projector(log, **db).CatchUp().ok());
    for (const char* day : {"", "2026-10-15", "2027-01-31"}) {
      std::optional<Date> as_of = *day ? ParseIsoDate(day) : std::nullopt;
      Table want = FoldExport(lines, day), got = FromStore(**db, as_of);
      EXPECT_GT(want.size(), 100u) << day;
      EXPECT_EQ(got, want) << "as of '" << day << "'";
    }
  }
}

}  // namespace
}  // namespace ledger
