// The routes' parameter checks (request_params.h): what each accepts, and
// refusals that are 400s naming the parameter without repeating its value.
#include "ops/server/request_params.h"

#include <gtest/gtest.h>

namespace ledger::server {
namespace {

HttpRequest With(std::vector<std::pair<std::string, std::string>> params) {
  HttpRequest r;
  r.method = "GET";
  r.params = std::move(params);
  return r;
}

TEST(RequestParamsTest, UnknownParametersAreRefusedNamingPlainKeysOnly) {
  EXPECT_EQ(UnknownParam(With({{"by", "x"}}), {"by", "as_of"}), std::nullopt);
  std::optional<HttpResponse> typo = UnknownParam(With({{"by", "x"}, {"asof", "1"}}), {"by", "as_of"});
  ASSERT_TRUE(typo);
  EXPECT_EQ(typo->status, 400);
  EXPECT_NE(typo->body.find("unknown parameter asof (this route takes by, as_of)"), std::string::npos) << typo->body;
  std::optional<HttpResponse> data = UnknownParam(With({{"Léa Martin", ""}}), {});
  ASSERT_TRUE(data);
  EXPECT_EQ(data->body.find("Martin"), std::string::npos) << data->body;
  EXPECT_NE(data->body.find("this route takes none"), std::string::npos) << data->body;
}

TEST(RequestParamsTest, DatesScopesAndFormats) {
  HttpResponse error;
  EXPECT_EQ(DateParam(With({{"as_of", "2024-02-29"}}), "as_of", error), (Date{2024, 2, 29}));
  EXPECT_EQ(DateParam(With({}), "as_of", error), std::nullopt);
  EXPECT_EQ(error.status, 200);
  EXPECT_EQ(DateParam(With({{"as_of", "2023-02-29"}}), "as_of", error), std::nullopt);
  EXPECT_EQ(error.status, 400);
  EXPECT_NE(error.body.find("as_of: expected a date YYYY-MM-DD"), std::string::npos);

  error = HttpResponse();
  EXPECT_EQ(ScopeParam(With({{"by", "department"}}), error), Scope::kDepartment);
  EXPECT_EQ(ScopeParam(With({}), error), std::nullopt);
  EXPECT_NE(error.body.find("by: expected national"), std::string::npos);

  error = HttpResponse();
  EXPECT_EQ(FormatParam(With({}), error), "json");
  EXPECT_EQ(FormatParam(With({{"format", "csv"}}), error), "csv");
  EXPECT_EQ(error.status, 200);
  FormatParam(With({{"format", "xml"}}), error);
  EXPECT_EQ(error.status, 400);
}

TEST(RequestParamsTest, WeeksAndDepartments) {
  HttpResponse error;
  EXPECT_EQ(WeeksParam(With({}), error), 4);
  EXPECT_EQ(WeeksParam(With({{"weeks", "52"}}), error), 52);
  EXPECT_EQ(WeeksParam(With({{"weeks", "07"}}), error), 7);
  EXPECT_EQ(error.status, 200);
  for (const char* bad : {"0", "53", "100", "", "+5", "-1", " 5", "\xC3\xA9"}) {
    error = HttpResponse();
    WeeksParam(With({{"weeks", bad}}), error);
    EXPECT_EQ(error.status, 400) << bad;
  }
  EXPECT_TRUE(IsDepartmentCode("031"));
  EXPECT_TRUE(IsDepartmentCode("02A"));
  EXPECT_FALSE(IsDepartmentCode("31"));
  EXPECT_FALSE(IsDepartmentCode("0-1"));
  EXPECT_FALSE(IsDepartmentCode("\xC3\xA9" "1"));
}

TEST(RequestParamsTest, AReasonIsATicketReferenceAndABadOneIsRefusedWithoutRepeatingIt) {
  HttpResponse error;
  EXPECT_EQ(ReasonParam(With({}), error), "");
  EXPECT_EQ(ReasonParam(With({{"reason", "GLPI-4711"}}), error), "GLPI-4711");
  EXPECT_EQ(ReasonParam(With({{"reason", "appel n°12 à 10 h"}}), error), "appel n°12 à 10 h");
  EXPECT_EQ(error.status, 200);
  for (const std::string& bad : {std::string("Léa\nMartin"), std::string(201, 'x'), std::string("\xC3")}) {
    error = HttpResponse();
    EXPECT_EQ(ReasonParam(With({{"reason", bad}}), error), "");
    EXPECT_EQ(error.status, 400);
    EXPECT_NE(error.body.find("reason: "), std::string::npos) << error.body;
    EXPECT_EQ(error.body.find("Martin"), std::string::npos) << error.body;
  }
}

}  // namespace
}  // namespace ledger::server
