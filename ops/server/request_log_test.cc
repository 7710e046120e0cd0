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
  EXPECT_EQ(LogTarget(Req("/v1/stats", {{"by", "Dupont"}}), 400), "/v1/stats?by=…") << "a refused value";
  EXPECT_EQ(LogTarget(Req("/v1/accounts", {{"login", "p.martin12"}}), 200), "/v1/accounts?login=…");
  EXPECT_EQ(LogTarget(Req("/v1/accounts", {{"ine", "123456789AB"}, {"Dupont", "x"}}), 200),
            "/v1/accounts?ine=…&…=…");
  EXPECT_EQ(LogTarget(Req("/v1/accounts/pup-0001/history", {{"verify", "true"}}), 200),
            "/v1/accounts/pup-0001/history?verify=true");
  EXPECT_EQ(LogTarget(Req("/v1/accounts/pup-0001", {{"reason", "call from Mme Dupont"}}), 200),
            "/v1/accounts/pup-0001?reason=…")
      << "the access journal keeps the reason; the request log only says one was given";
  for (int status : {400, 401, 403, 404, 405, 503})
    EXPECT_EQ(LogTarget(Req("/v1/accounts/123456789AB/links", {}), status), "/v1/accounts/{id}/links")
        << "an id typed by a client shows only once the ledger answered for it";
  EXPECT_EQ(LogTarget(Req("/v1/accounts/x/Jean-Dupont", {}), 404), "(another path)");
  EXPECT_EQ(LogTarget(Req("/Jean.Dupont", {}), 404), "(another path)");
  std::string line = RequestLogLine(Timestamp{1'700'000'000'000'000}, Req("/healthz", {}), 200, 0.00042);
  EXPECT_EQ(line, "2023-11-14T22:13:20Z GET /healthz 200 0.42 ms");
}

TEST(RequestLogTest, RoutesAreLabelledByPatternNeverByAccount) {
  EXPECT_EQ(RoutePattern("/v1/accounts/pup-0001/history"), "/v1/accounts/{id}/history");
  EXPECT_EQ(RoutePattern("/v1/accounts/pup-0001"), "/v1/accounts/{id}");
  EXPECT_EQ(RoutePattern("/v1/stats"), "/v1/stats");
  EXPECT_EQ(RoutePattern("/wp-admin"), "other");
  EXPECT_EQ(RoutePattern("/v1/accounts/x/Jean-Dupont"), "other") << "labels are a bounded set";
  EXPECT_EQ(MethodLabel("GET"), "GET");
  EXPECT_EQ(MethodLabel("DUPONT"), "other");
}

}  // namespace
}  // namespace ledger::server
