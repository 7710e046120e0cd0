// Activation tables and their evolution: the queries behind `ledger stats` and
// `GET /v1/stats`, `GET /v1/stats/series`. StatsCsv/StatsJson are the one CSV
// and JSON form both faces print (the API's CSV is byte-identical to
// `ledger stats --format csv`). Pure functions of the store; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/json.h"
#include "projections/rocksdb/projection_db.h"

namespace ledger::query {

// header scope,scope_id,profile,level,accounts,notified,activated then one line per cell.
std::string StatsCsv(const StatTable& table);
// [{"scope":…,"scope_id":…,"profile":…,"level":…,"accounts":…,"notified":…,"activated":…}, …]
Json StatsJson(const StatTable& table);

enum class Every : uint8_t { kDay, kWeek, kMonth };
std::string_view Name(Every e);
std::optional<Every> ParseEvery(std::string_view s);

struct SeriesQuery {
  Scope scope = Scope::kDepartment;
  std::string id;  // the row: "031", a UAI, "FR"…
  Date from, to;   // both included; from <= to
  Every every = Every::kWeek;
};

// The dates of a series: from, then every day/week/month after it (a month
// step keeps the day, clamped to the month's end), and `to` as the last point.
std::vector<Date> SeriesDates(const SeriesQuery& q);

struct SeriesPoint {
  Date date;
  StatTable rows;  // the cells of q.id as of the end of `date`
};

// One table read for the first date, then the change to each next date
// (ProjectionDb::StatsChange): N dates cost at most N table reads.
// InvalidArgument if to < from or the series would exceed `max_points`.
Result<std::vector<SeriesPoint>> ReadStatsSeries(const ProjectionDb& db, const SeriesQuery& q,
                                                 size_t max_points);

// {"scope":…,"id":…,"from":…,"to":…,"every":…,"points":[{"date":…,"rows":[{profile, level,
// accounts, notified, activated}, …]}, …]}
Json SeriesToJson(const SeriesQuery& q, const std::vector<SeriesPoint>& points);
// header date,scope,scope_id,profile,level,accounts,notified,activated.
std::string SeriesCsv(const SeriesQuery& q, const std::vector<SeriesPoint>& points);

}  // namespace ledger::query
