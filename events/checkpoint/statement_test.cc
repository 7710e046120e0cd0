#include "events/checkpoint/statement.h"

#include <gtest/gtest.h>

#include "events/checkpoint/merkle.h"

namespace ledger::checkpoint {
namespace {

Hash Filled(uint8_t byte) {
  Hash h;
  h.fill(byte);
  return h;
}

Statement TwoPartitions() {
  Statement s;
  s.created_at = *ParseRfc3339("2026-12-01T15:04:05Z");
  s.partitions = {PartitionMark{0, 10, 10, 4, Filled(0xaa), Filled(0xbb)},
                  PartitionMark{1, 0, 0, 0, EmptyTreeHash(), Hash{}}};
  s.root = RootOverPartitions({Filled(0xaa), EmptyTreeHash()});
  return s;
}

SigningKey TestKey() {
  std::array<uint8_t, 32> seed{};
  seed[0] = 7;
  return SigningKey::FromSeed(seed);
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(StatementTest, TextIsOneFieldPerLine) {
  const SigningKey key = TestKey();
  const std::string text = StatementText(TwoPartitions(), key.public_key());
  EXPECT_EQ(text,
            "ledger-checkpoint 1\n"
            "created_at 2026-12-01T15:04:05Z\n"
            "partitions 2\n"
            "partition 0 end_offset 10 records 10 streams 4 heads_root " +
                std::string(64, 'a') + " log_digest " + std::string(64, 'b') +
                "\n"
                "partition 1 end_offset 0 records 0 streams 0 heads_root " +
                HexOf(EmptyTreeHash()) + " log_digest " + std::string(64, '0') +
                "\n"
                "root " +
                HexOf(TwoPartitions().root) +
                "\n"
                "public_key ed25519 " +
                ToHex(key.public_key()) + "\n");
}

TEST(StatementTest, SignedFileParsesBackAndVerifiesWithItsKey) {
  const SigningKey key = TestKey();
  const std::string file = SignStatement(TwoPartitions(), key);
  EXPECT_TRUE(
      file.starts_with(StatementText(TwoPartitions(), key.public_key()) + "signature ed25519 "));
  Result<SignedCheckpoint> c = ParseCheckpoint(file);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->statement, TwoPartitions());
  EXPECT_EQ(c->signer, key.public_key());
  EXPECT_EQ(c->signed_text, StatementText(TwoPartitions(), key.public_key()));
  EXPECT_TRUE(VerifyStatementSignature(*c, key.public_key()).ok());
}

TEST(StatementTest, AnEditedStatementNoLongerVerifies) {
  const SigningKey key = TestKey();
  // A partition said to end earlier (as if its tail had never been stated).
  const std::string edited = Replace(SignStatement(TwoPartitions(), key),
                                     "end_offset 10 records 10", "end_offset 9 records 9");
  Result<SignedCheckpoint> c = ParseCheckpoint(edited);
  ASSERT_TRUE(c.ok()) << "still well-formed: " << c.status().ToString();
  Status s = VerifyStatementSignature(*c, key.public_key());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(),
            "the signature does not verify with the trusted key " + ToHex(key.public_key()) +
                ": the statement was altered after it was signed (or the signature was)");
}

TEST(StatementTest, AnotherKeysCheckpointIsRefusedNamingBothKeys) {
  const SigningKey ours = TestKey(), theirs = SigningKey::Generate();
  Result<SignedCheckpoint> c = ParseCheckpoint(SignStatement(TwoPartitions(), theirs));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(VerifyStatementSignature(*c, theirs.public_key()).ok())
      << "valid for the key it names";
  Status s = VerifyStatementSignature(*c, ours.public_key());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "signed by another key: the checkpoint names public key " +
                             ToHex(theirs.public_key()) + ", the trusted key is " +
                             ToHex(ours.public_key()));
  // Claiming the trusted key does not help: the signature is checked with it.
  Result<SignedCheckpoint> claimed =
      ParseCheckpoint(Replace(SignStatement(TwoPartitions(), theirs), ToHex(theirs.public_key()),
                              ToHex(ours.public_key())));
  ASSERT_TRUE(claimed.ok());
  EXPECT_NE(VerifyStatementSignature(*claimed, ours.public_key()).message().find("does not verify"),
            std::string::npos);
}

TEST(StatementTest, MalformedFilesNameTheLine) {
  const std::string good = SignStatement(TwoPartitions(), TestKey());
  auto error = [](const std::string& file) {
    Result<SignedCheckpoint> c = ParseCheckpoint(file);
    return c.ok() ? std::string("accepted") : c.status().message();
  };
  EXPECT_EQ(error("hello\n"), "line 1: not a ledger checkpoint (expected \"ledger-checkpoint 1\")");
  EXPECT_EQ(error(good.substr(0, good.find("\nroot ") + 1)),
            "line 6: missing (expected \"root …\"): the file is cut short");
  EXPECT_EQ(error(Replace(good, "partition 1 ", "partition 2 ")),
            "line 5: expected partition 1 (partitions in order)");
  EXPECT_EQ(error(Replace(good, "records 10 streams 4", "records 10 streams 11")),
            "line 4: partition 0: more records than offsets, or more streams than records");
  EXPECT_EQ(error(Replace(good, "heads_root aaaa", "heads_root aaab")),
            "line 6: root does not match the partitions' heads roots");
  EXPECT_EQ(error(good + "more\n"), "line 9: unexpected text after the signature");
  // Readable, but not the one canonical spelling: refused.
  EXPECT_EQ(error(Replace(good, "end_offset 10", "end_offset 010")),
            "line 4: not in canonical form (one space between words, lowercase hex, numbers "
            "without leading "
            "zeros, every line ending in \"\\n\")");
  EXPECT_NE(error(Replace(good, "log_digest bbbb", "log_digest BBBB"))
                .find("line 4: not in canonical form"),
            std::string::npos);
  EXPECT_NE(error(good.substr(0, good.size() - 1)).find("line 8: not in canonical form"),
            std::string::npos);
  EXPECT_NE(error(Replace(good, "partitions 2", "partitions  2")).find("line 3"),
            std::string::npos);
}

}  // namespace
}  // namespace ledger::checkpoint
