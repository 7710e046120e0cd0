// Sessions of the dashboard page: ids are fresh and unguessable in length,
// expire, close, and the oldest gives way at the cap; cookie and form parsing.
#include "ops/server/sessions.h"

#include <thread>

#include <gtest/gtest.h>

namespace ledger::server {
namespace {

TEST(SessionsTest, ASessionStandsForItsTokenUntilClosedOrExpired) {
  Sessions s(std::chrono::seconds(1));
  const std::string a = s.Open("tok-a"), b = s.Open("tok-b");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(s.TokenOf(a), "tok-a");
  EXPECT_EQ(s.TokenOf(b), "tok-b");
  EXPECT_EQ(s.TokenOf(a.substr(1)), std::nullopt);
  EXPECT_EQ(s.TokenOf(std::string(64, '0')), std::nullopt);
  s.Close(a);
  EXPECT_EQ(s.TokenOf(a), std::nullopt);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the lifetime, not a timing assertion
  EXPECT_EQ(s.TokenOf(b), std::nullopt) << "expired";
}

TEST(SessionsTest, TheOldestSessionEndsWhenTheCapIsReached) {
  Sessions s(std::chrono::hours(1), 2);
  const std::string a = s.Open("a"), b = s.Open("b"), c = s.Open("c");
  EXPECT_EQ(s.TokenOf(a), std::nullopt);
  EXPECT_EQ(s.TokenOf(b), "b");
  EXPECT_EQ(s.TokenOf(c), "c");
}

TEST(SessionsTest, CookiesAndFormFieldsAreReadAsBrowsersSendThem) {
  EXPECT_EQ(CookieValue("theme=dark; ledger_session=abc; x=1", "ledger_session"), "abc");
  EXPECT_EQ(CookieValue("ledger_session=abc", "ledger_session"), "abc");
  EXPECT_EQ(CookieValue("xledger_session=abc", "ledger_session"), "");
  EXPECT_EQ(CookieValue("", "ledger_session"), "");
  EXPECT_EQ(FormField("token=ldg_a%2Bb+c&x=1", "token"), "ldg_a+b c");
  EXPECT_EQ(FormField("x=1&token=", "token"), "");
  EXPECT_EQ(FormField("x=1", "token"), std::nullopt);
  EXPECT_EQ(FormField("token=%zz", "token"), std::nullopt);
  EXPECT_EQ(FormField("token=%4", "token"), std::nullopt);
}

// Found by tests/fuzz/fuzz_http_params: Boost.URL's parse_query measured its
// input with strlen, past the end of a view that is not NUL-terminated (and
// on nullptr for an empty default view: a crash).
TEST(SessionsTest, FormFieldsReadOnlyTheirViewOfTheBody) {
  EXPECT_EQ(FormField(std::string_view(), "token"), std::nullopt);
  const std::string buffer = "token=abc&x=1";
  EXPECT_EQ(FormField(std::string_view(buffer).substr(0, 9), "token"), "abc");
  EXPECT_EQ(FormField(std::string_view(buffer).substr(0, 9), "x"), std::nullopt);
  EXPECT_EQ(FormField(std::string_view("token=a\0b", 9), "token"), std::nullopt);
}

}  // namespace
}  // namespace ledger::server
