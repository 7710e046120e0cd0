#include "events/checkpoint/merkle.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

namespace ledger::checkpoint {
namespace {

// BLAKE2b-256 of the concatenation of `bytes`: what docs/CHECKPOINTS.md tells
// an auditor to compute, written out independently of merkle.cc.
Hash Blake(const std::string& bytes) {
  Hash h;
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  return h;
}
std::string Bytes(const Hash& h) { return std::string(h.begin(), h.end()); }

Hash Leaf(int i) {
  return HeadLeafHash("acc-" + std::to_string(i), static_cast<uint64_t>(i + 1), Hash{});
}

// RFC 6962's recursive definition, to check the builder's shape against.
Hash ReferenceRoot(const std::vector<Hash>& leaves, size_t from, size_t to) {
  const size_t n = to - from;
  if (n == 0) return EmptyTreeHash();
  if (n == 1) return leaves[from];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return InnerNodeHash(ReferenceRoot(leaves, from, from + k), ReferenceRoot(leaves, from + k, to));
}

TEST(MerkleTest, HashesAreTheDocumentedBytes) {
  Hash event_hash;
  for (size_t i = 0; i < event_hash.size(); ++i) event_hash[i] = static_cast<uint8_t>(i);
  // leaf: 0x00 ‖ u32 len ‖ stream ‖ u64 seq ‖ hash (big-endian)
  EXPECT_EQ(HeadLeafHash("tls-p1", 258, event_hash),
            Blake(std::string("\x00", 1) + std::string("\x00\x00\x00\x06", 4) + "tls-p1" +
                  std::string("\x00\x00\x00\x00\x00\x00\x01\x02", 8) + Bytes(event_hash)));
  const Hash a = Blake("a"), b = Blake("b");
  EXPECT_EQ(InnerNodeHash(a, b), Blake("\x01" + Bytes(a) + Bytes(b)));
  EXPECT_EQ(PartitionEntryHash(3, a), Blake(std::string("\x02\x00\x00\x00\x03", 5) + Bytes(a)));
  EXPECT_EQ(EmptyTreeHash(), Blake("\x03"));
  EXPECT_EQ(
      LogDigestStep(a, 17, b),
      Blake("\x04" + Bytes(a) + std::string("\x00\x00\x00\x00\x00\x00\x00\x11", 8) + Bytes(b)));
  EXPECT_EQ(HexOf(EmptyTreeHash()).size(), 64u);
}

TEST(MerkleTest, TagsSeparateLeavesFromNodes) {
  // The same 64 bytes hashed as an inner node and as the start of a leaf
  // never collide: the first byte differs.
  const Hash a = Blake("a"), b = Blake("b");
  EXPECT_NE(InnerNodeHash(a, b), Blake(Bytes(a) + Bytes(b)));
  EXPECT_NE(PartitionEntryHash(0, a), HeadLeafHash("", 0, a));
}

TEST(MerkleTest, BuilderHasRfc6962ShapeForEveryCountUpTo70) {
  std::vector<Hash> leaves;
  MerkleBuilder b;
  EXPECT_EQ(b.Root(), EmptyTreeHash());
  for (int n = 1; n <= 70; ++n) {
    leaves.push_back(Leaf(n));
    b.Add(leaves.back());
    ASSERT_EQ(b.Root(), ReferenceRoot(leaves, 0, leaves.size())) << n << " leaves";
  }
  EXPECT_EQ(b.leaves(), 70u);
}

TEST(MerkleTest, SmallTreesSpelledOut) {
  const Hash l0 = Leaf(0), l1 = Leaf(1), l2 = Leaf(2);
  MerkleBuilder one, three;
  one.Add(l0);
  EXPECT_EQ(one.Root(), l0);
  for (const Hash& l : {l0, l1, l2}) three.Add(l);
  EXPECT_EQ(three.Root(), InnerNodeHash(InnerNodeHash(l0, l1), l2));
}

TEST(MerkleTest, AnyChangeOfAHeadChangesTheRoot) {
  auto root = [](std::vector<Hash> leaves) {
    MerkleBuilder b;
    for (const Hash& h : leaves) b.Add(h);
    return b.Root();
  };
  Hash h{};
  const Hash base = root({HeadLeafHash("a", 3, h), HeadLeafHash("b", 1, h)});
  EXPECT_NE(base, root({HeadLeafHash("a", 2, h), HeadLeafHash("b", 1, h)})) << "seq";
  Hash other = h;
  other[31] = 1;
  EXPECT_NE(base, root({HeadLeafHash("a", 3, other), HeadLeafHash("b", 1, h)})) << "hash";
  EXPECT_NE(base, root({HeadLeafHash("b", 1, h), HeadLeafHash("a", 3, h)})) << "order";
  EXPECT_NE(base, root({HeadLeafHash("a", 3, h)})) << "a head removed";
  EXPECT_NE(base, root({HeadLeafHash("a", 3, h), HeadLeafHash("b", 1, h), HeadLeafHash("c", 1, h)}))
      << "a head added";
}

TEST(MerkleTest, RootOverPartitionsNumbersThem) {
  const Hash r0 = Blake("r0"), r1 = Blake("r1");
  EXPECT_EQ(RootOverPartitions({r0, r1}),
            InnerNodeHash(PartitionEntryHash(0, r0), PartitionEntryHash(1, r1)));
  EXPECT_NE(RootOverPartitions({r0, r1}), RootOverPartitions({r1, r0}));
}

}  // namespace
}  // namespace ledger::checkpoint
