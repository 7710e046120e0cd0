// The hashes a checkpoint commits to (docs/CHECKPOINTS.md, "Merkle trees").
//
// H is BLAKE2b-256 (libsodium's crypto_generichash, 32-byte output, no key),
// the hash of the event chains. Every input starts with a one-byte tag, so a
// leaf can never be taken for an inner node, a partition entry or a digest
// step (domain separation, as RFC 6962 prefixes 0x00 / 0x01). Integers are
// big-endian.
//
//   head leaf        H(0x00 ‖ u32 len(stream) ‖ stream ‖ u64 seq ‖ hash)
//   inner node       H(0x01 ‖ left ‖ right)
//   partition entry  H(0x02 ‖ u32 partition ‖ heads root of the partition)
//   empty tree       H(0x03)
//   log digest step  H(0x04 ‖ previous digest ‖ u64 offset ‖ event hash),
//                    starting from 32 zero bytes
//
// A tree over n leaves has RFC 6962's shape: one leaf is its own root; for
// n > 1, with k the largest power of two below n, the root is
// node(root of the first k leaves, root of the other n - k).
//
// Pure functions and a value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "events/event.h"

namespace ledger::checkpoint {

Hash HeadLeafHash(std::string_view stream, uint64_t seq, const Hash& event_hash);
Hash InnerNodeHash(const Hash& left, const Hash& right);
Hash PartitionEntryHash(int32_t partition, const Hash& heads_root);
Hash EmptyTreeHash();
Hash LogDigestStep(const Hash& digest, int64_t offset, const Hash& event_hash);

// The root of the tree over leaf hashes added in order, in O(log n) memory:
// it keeps one root per complete subtree of the binary decomposition of the
// leaves added so far (RFC 6962's shape: those subtrees, joined right to left).
class MerkleBuilder {
 public:
  void Add(const Hash& leaf_hash);
  // EmptyTreeHash() when no leaf was added. Does not consume the builder.
  Hash Root() const;
  uint64_t leaves() const { return leaves_; }

 private:
  std::vector<std::pair<uint64_t, Hash>> subtrees_;  // (leaf count, root), sizes decreasing
  uint64_t leaves_ = 0;
};

// The top root of a checkpoint: the tree over PartitionEntryHash(p, roots[p]).
Hash RootOverPartitions(const std::vector<Hash>& heads_roots);

}  // namespace ledger::checkpoint
