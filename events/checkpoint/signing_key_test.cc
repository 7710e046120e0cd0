#include "events/checkpoint/signing_key.h"

#include <gtest/gtest.h>

namespace ledger::checkpoint {
namespace {

template <size_t N>
std::array<uint8_t, N> Hex(std::string_view hex) {
  std::array<uint8_t, N> out{};
  EXPECT_TRUE(FromHex(hex, out.data(), N)) << hex;
  return out;
}

// RFC 8032 §7.1, TEST 1: the key pair and the signature of the empty message.
constexpr std::string_view kSeed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kPublic =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kSignature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6b"
    "d25bf5f0595bbe24655141438e7a100b";

TEST(SigningKeyTest, IsStandardEd25519) {
  SigningKey k = SigningKey::FromSeed(Hex<32>(kSeed));
  EXPECT_EQ(ToHex(k.public_key()), kPublic);
  EXPECT_EQ(ToHex(k.Sign("")), kSignature);
  EXPECT_TRUE(VerifySignature(k.public_key(), "", Hex<64>(kSignature)));
  EXPECT_FALSE(VerifySignature(k.public_key(), "x", Hex<64>(kSignature)));
}

TEST(SigningKeyTest, PemFilesRoundTripInOpenSslsLayout) {
  SigningKey k = SigningKey::FromSeed(Hex<32>(kSeed));
  const std::string priv = k.PrivatePem();
  const std::string pub = PublicKeyPem(k.public_key());
  // PKCS#8 and SubjectPublicKeyInfo DER for Ed25519 start with these bytes,
  // whose base64 is the same for every key.
  EXPECT_EQ(priv.substr(0, 49), "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI");
  EXPECT_EQ(pub.substr(0, 43), "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA");
  EXPECT_TRUE(priv.ends_with("\n-----END PRIVATE KEY-----\n"));
  EXPECT_TRUE(pub.ends_with("\n-----END PUBLIC KEY-----\n"));

  Result<SigningKey> back = ParsePrivateKeyPem(priv);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->public_key(), k.public_key());
  EXPECT_EQ(ToHex(back->Sign("")), kSignature);
  Result<PublicKey> pub_back = ParsePublicKeyPem(pub);
  ASSERT_TRUE(pub_back.ok());
  EXPECT_EQ(*pub_back, k.public_key());
}

TEST(SigningKeyTest, GeneratedKeysDifferAndSignForThemselvesOnly) {
  SigningKey a = SigningKey::Generate(), b = SigningKey::Generate();
  EXPECT_NE(a.public_key(), b.public_key());
  const Signature sig = a.Sign("statement");
  EXPECT_TRUE(VerifySignature(a.public_key(), "statement", sig));
  EXPECT_FALSE(VerifySignature(b.public_key(), "statement", sig));
}

TEST(SigningKeyTest, WrongFilesAreRefusedWithoutEchoingThem) {
  SigningKey k = SigningKey::Generate();
  Result<PublicKey> priv_as_pub = ParsePublicKeyPem(k.PrivatePem());
  ASSERT_FALSE(priv_as_pub.ok());
  EXPECT_EQ(priv_as_pub.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(priv_as_pub.status().message().find("not an Ed25519 public key"), std::string::npos);
  Result<SigningKey> pub_as_priv = ParsePrivateKeyPem(PublicKeyPem(k.public_key()));
  ASSERT_FALSE(pub_as_priv.ok());
  EXPECT_NE(pub_as_priv.status().message().find("not an Ed25519 private key"), std::string::npos);
  std::string cut = PublicKeyPem(k.public_key());
  cut.erase(40, 4);  // four base64 characters fewer: 3 key bytes missing
  EXPECT_FALSE(ParsePublicKeyPem(cut).ok());
  EXPECT_FALSE(ParsePublicKeyPem("").ok());
  Result<PublicKey> junk =
      ParsePublicKeyPem("-----BEGIN PUBLIC KEY-----\nsecret!\n-----END PUBLIC KEY-----\n");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().message().find("secret"), std::string::npos);
}

TEST(SigningKeyTest, HexIsStrict) {
  uint8_t out[2];
  EXPECT_TRUE(FromHex("0aFF", out, 2));
  EXPECT_EQ(out[1], 0xff);
  EXPECT_FALSE(FromHex("0aF", out, 2));
  EXPECT_FALSE(FromHex("0aFF00", out, 2));
  EXPECT_FALSE(FromHex("0g00", out, 2));
  EXPECT_EQ(ToHex(out, 2), "0aff");
}

}  // namespace
}  // namespace ledger::checkpoint
