// The token store: tokens shown once, hashes kept, revocation, malformed files.
#include "ops/auth/token_store.h"

#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "events/testing/file_bytes.h"
#include "events/testing/temp_dir.h"

namespace ledger::auth {
namespace {

using ::ledger::testing::FileBytes;

class TokenStoreTest : public ::testing::Test {
 protected:
  testing::TempDir tmp_{"tokens"};
  std::filesystem::path file_ = tmp_.path() / "tokens";
  Timestamp t0_{1'700'000'000'000'000};
};

TEST_F(TokenStoreTest, ATokenAuthenticatesItsHolderAndOnlyItsHashIsStored) {
  auto token = TokenStore::Add(file_, "dash-031", Role::kDashboard, *ParseAccessScope("department:031"), t0_);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->rfind("ldg_", 0), 0u);
  EXPECT_GE(token->size(), 40u);
  auto store = TokenStore::Load(file_);
  ASSERT_TRUE(store.ok());
  auto who = store->Authenticate(*token);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->name, "dash-031");
  EXPECT_EQ(who->role, Role::kDashboard);
  EXPECT_EQ(who->scope.ToString(), "department:031");
  EXPECT_FALSE(store->Authenticate(*token + "x"));
  EXPECT_FALSE(store->Authenticate(""));
  const std::string text = FileBytes(file_);
  EXPECT_EQ(text.find(token->substr(4)), std::string::npos) << "the token itself is never stored";
  EXPECT_NE(text.find(TokenHash(*token)), std::string::npos);
  struct stat st;
  ASSERT_EQ(stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(TokenStoreTest, RevokedTokensStopAuthenticatingAndNamesAreUniqueAmongLiveOnes) {
  auto a = TokenStore::Add(file_, "svc", Role::kService, AccessScope{}, t0_);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(TokenStore::Add(file_, "svc", Role::kService, AccessScope{}, t0_).status().code(),
            StatusCode::kAlreadyExists);
  ASSERT_TRUE(TokenStore::Revoke(file_, "svc", t0_).ok());
  EXPECT_FALSE(TokenStore::Load(file_)->Authenticate(*a));
  EXPECT_EQ(TokenStore::Revoke(file_, "svc", t0_).code(), StatusCode::kNotFound);
  auto b = TokenStore::Add(file_, "svc", Role::kService, AccessScope{}, t0_);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  auto store = TokenStore::Load(file_);
  EXPECT_EQ(store->records().size(), 2u);
  EXPECT_TRUE(store->Authenticate(*b));
  EXPECT_EQ(TokenStore::Add(file_, "bad name", Role::kAdmin, AccessScope{}, t0_).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(TokenStoreTest, AMalformedLineIsNamedByFileAndLine) {
  ASSERT_TRUE(TokenStore::Add(file_, "a", Role::kAdmin, AccessScope{}, t0_).ok());
  std::ofstream(file_, std::ios::app) << "{\"name\":\"b\",\"role\":\"king\"}\n";
  auto store = TokenStore::Load(file_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(file_.string() + ":2"), std::string::npos) << store.status().ToString();
  EXPECT_TRUE(TokenStore::Load(tmp_.path() / "none")->records().empty()) << "no file, no tokens";
}

}  // namespace
}  // namespace ledger::auth
