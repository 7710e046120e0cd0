#include "ops/query/stats.h"

#include <fmt/core.h>

namespace ledger::query {
namespace {

Json CountsJson(const StatCounts& c) {
  return Json{{"accounts", c.accounts}, {"notified", c.notified}, {"activated", c.activated}};
}

// The cells of one row (scope id) of a table.
StatTable RowsOf(const StatTable& table, const std::string& id) {
  StatTable out;
  for (const auto& [cell, c] : table)
    if (cell.scope_id == id) out.emplace(cell, c);
  return out;
}

Date Next(const Date& d, Every every) {
  switch (every) {
    case Every::kDay: return DateOf(AddDays(StartOfDay(d), 1));
    case Every::kWeek: return DateOf(AddDays(StartOfDay(d), 7));
    case Every::kMonth: return DateOf(AddMonths(StartOfDay(d), 1));
  }
  return d;
}

}  // namespace

std::string StatsCsv(const StatTable& table) {
  std::string out = "scope,scope_id,profile,level,accounts,notified,activated\n";
  for (const auto& [cell, c] : table)
    out += fmt::format("{},{},{},{},{},{},{}\n", Name(cell.scope), cell.scope_id, Name(cell.profile),
                       Name(cell.level), c.accounts, c.notified, c.activated);
  return out;
}

Json StatsJson(const StatTable& table) {
  Json arr = Json::array();
  for (const auto& [cell, c] : table)
    arr.push_back(Json{{"scope", Name(cell.scope)}, {"scope_id", cell.scope_id},
                       {"profile", Name(cell.profile)}, {"level", Name(cell.level)},
                       {"accounts", c.accounts}, {"notified", c.notified}, {"activated", c.activated}});
  return arr;
}

std::string_view Name(Every e) {
  switch (e) {
    case Every::kDay: return "day";
    case Every::kWeek: return "week";
    case Every::kMonth: return "month";
  }
  return "week";
}

std::optional<Every> ParseEvery(std::string_view s) {
  for (Every e : {Every::kDay, Every::kWeek, Every::kMonth})
    if (s == Name(e)) return e;
  return std::nullopt;
}

std::vector<Date> SeriesDates(const SeriesQuery& q) {
  std::vector<Date> dates;
  if (q.to < q.from) return dates;
  // Month steps count from `from` (31 Jan → 28 Feb → 31 Mar), so no drift.
  for (int i = 0;; ++i) {
    Date d = q.every == Every::kMonth ? DateOf(AddMonths(StartOfDay(q.from), i))
                                      : (i == 0 ? q.from : Next(dates.back(), q.every));
    if (d > q.to) break;
    dates.push_back(d);
  }
  if (dates.back() != q.to) dates.push_back(q.to);
  return dates;
}

Result<std::vector<SeriesPoint>> ReadStatsSeries(const ProjectionDb& db, const SeriesQuery& q,
                                                 size_t max_points) {
  if (q.to < q.from)
    return InvalidArgument("to " + FormatIsoDate(q.to) + " is before from " + FormatIsoDate(q.from));
  // Count before building: a year of days is 366 points, a century would be too many.
  const int64_t span_days = (StartOfDay(q.to).micros - StartOfDay(q.from).micros) / 86'400'000'000LL;
  const int64_t approx = q.every == Every::kDay ? span_days : q.every == Every::kWeek ? span_days / 7
                                                                                       : span_days / 28;
  std::vector<Date> dates;
  if (approx <= static_cast<int64_t>(max_points)) dates = SeriesDates(q);
  if (dates.empty() || dates.size() > max_points)
    return InvalidArgument(fmt::format(
        "from {} to {} every {} gives more than {} points: choose a shorter range or a longer step",
        FormatIsoDate(q.from), FormatIsoDate(q.to), Name(q.every), max_points));
  std::vector<SeriesPoint> points;
  StatTable running;
  for (const Date& d : dates) {
    if (points.empty()) {
      LEDGER_ASSIGN_OR_RETURN(StatTable t, db.Stats(q.scope, d));
      running = RowsOf(t, q.id);
    } else {
      LEDGER_ASSIGN_OR_RETURN(StatTable change, db.StatsChange(q.scope, points.back().date, d));
      Accumulate(running, RowsOf(change, q.id));
    }
    points.push_back(SeriesPoint{d, running});
  }
  return points;
}

Json SeriesToJson(const SeriesQuery& q, const std::vector<SeriesPoint>& points) {
  Json arr = Json::array();
  for (const SeriesPoint& p : points) {
    Json rows = Json::array();
    for (const auto& [cell, c] : p.rows) {
      Json r{{"profile", Name(cell.profile)}, {"level", Name(cell.level)}};
      r.update(CountsJson(c));
      rows.push_back(std::move(r));
    }
    arr.push_back(Json{{"date", FormatIsoDate(p.date)}, {"rows", rows}});
  }
  return Json{{"scope", Name(q.scope)}, {"id", q.id}, {"from", FormatIsoDate(q.from)},
              {"to", FormatIsoDate(q.to)}, {"every", Name(q.every)}, {"points", arr}};
}

std::string SeriesCsv(const SeriesQuery& q, const std::vector<SeriesPoint>& points) {
  std::string out = "date,scope,scope_id,profile,level,accounts,notified,activated\n";
  for (const SeriesPoint& p : points)
    for (const auto& [cell, c] : p.rows)
      out += fmt::format("{},{},{},{},{},{},{},{}\n", FormatIsoDate(p.date), Name(q.scope), q.id,
                         Name(cell.profile), Name(cell.level), c.accounts, c.notified, c.activated);
  return out;
}

}  // namespace ledger::query
