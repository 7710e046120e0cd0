// The request log and metrics labels never carry who was looked up.
#include "ops/server/request_log.h"

#include <gtest/gtest.h>

namespace ledger::server {
namespace {

HttpRequest Req(std::string path, std::vector<std::pair<std::string, std::string>> params) {
  HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  r.params = std::move(params);
  return r;
}

TEST(RequestLogTest, QueryValuesThatCouldIdentifySomeoneAreHidden) {
  EXPECT_EQ(LogTarget(Req("/v1/stats", {{"by", "department"}, {"as_of", "2023-06-20"}}), 200),
            "/v1/stats?by=department&as_of=2023-06-20");
  EXPECT_EQ(LogTarget(Req("/v1/accounts", {{"login", "p.martin12"}}), 200), "/v1/accounts?login=…");
  EXPECT_EQ(LogTarget(Req("/v1/accounts", {{"ine", "123456789AB"}, {"name", "Dupont"}}), 200),
            "/v1/accounts?ine=…&name=…");
  EXPECT_EQ(LogTarget(Req("/v1/accounts/pup-0001/history", {{"verify", "true"}}), 200),
            "/v1/accounts/pup-0001/history?verify=true");
  EXPECT_EQ(LogTarget(Req("/v1/accounts/Jean Dupont/links", {}), 404), "/v1/accounts/…/links")
      << "a path naming nothing the ledger knows may hold a name typed by mistake";
  EXPECT_EQ(LogTarget(Req("/v1/stats\nFAKE 200", {}), 404), "/v1/stats?FAKE 200") << "no forged log lines";
  std::string line = RequestLogLine(Timestamp{1'700'000'000'000'000}, Req("/healthz", {}), 200, 0.00042);
  EXPECT_EQ(line, "2023-11-14T22:13:20Z GET /healthz 200 0.42 ms");
}

TEST(RequestLogTest, RoutesAreLabelledByPatternNeverByAccount) {
  EXPECT_EQ(RoutePattern("/v1/accounts/pup-0001/history"), "/v1/accounts/{id}/history");
  EXPECT_EQ(RoutePattern("/v1/accounts/pup-0001"), "/v1/accounts/{id}");
  EXPECT_EQ(RoutePattern("/v1/stats"), "/v1/stats");
  EXPECT_EQ(RoutePattern("/wp-admin"), "other");
}

}  // namespace
}  // namespace ledger::server
