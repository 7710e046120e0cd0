#include "events/checkpoint/merkle.h"

#include <sodium.h>

#include <cstdlib>

namespace ledger::checkpoint {
namespace {

enum Tag : uint8_t {
  kHeadLeaf = 0x00,
  kInnerNode = 0x01,
  kPartitionEntry = 0x02,
  kEmptyTree = 0x03,
  kLogDigestStep = 0x04
};

// One BLAKE2b-256 over the concatenation of what is Put into it.
class Hasher {
 public:
  explicit Hasher(Tag tag) {
    if (sodium_init() < 0) std::abort();  // libsodium cannot work at all: nothing to recover
    crypto_generichash_init(&state_, nullptr, 0, crypto_generichash_BYTES);
    const uint8_t t = tag;
    Put(&t, 1);
  }
  Hasher& Put(const void* data, size_t n) {
    crypto_generichash_update(&state_, static_cast<const unsigned char*>(data), n);
    return *this;
  }
  Hasher& Put(const Hash& h) { return Put(h.data(), h.size()); }
  Hasher& PutU32(uint32_t v) {
    const uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    return Put(b, 4);
  }
  Hasher& PutU64(uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = uint8_t(v >> (56 - 8 * i));
    return Put(b, 8);
  }
  Hash Final() {
    Hash out;
    crypto_generichash_final(&state_, out.data(), out.size());
    return out;
  }

 private:
  crypto_generichash_state state_;
};

}  // namespace

Hash HeadLeafHash(std::string_view stream, uint64_t seq, const Hash& event_hash) {
  return Hasher(kHeadLeaf)
      .PutU32(static_cast<uint32_t>(stream.size()))
      .Put(stream.data(), stream.size())
      .PutU64(seq)
      .Put(event_hash)
      .Final();
}

Hash InnerNodeHash(const Hash& left, const Hash& right) {
  return Hasher(kInnerNode).Put(left).Put(right).Final();
}

Hash PartitionEntryHash(int32_t partition, const Hash& heads_root) {
  return Hasher(kPartitionEntry).PutU32(static_cast<uint32_t>(partition)).Put(heads_root).Final();
}

Hash EmptyTreeHash() { return Hasher(kEmptyTree).Final(); }

Hash LogDigestStep(const Hash& digest, int64_t offset, const Hash& event_hash) {
  return Hasher(kLogDigestStep)
      .Put(digest)
      .PutU64(static_cast<uint64_t>(offset))
      .Put(event_hash)
      .Final();
}

void MerkleBuilder::Add(const Hash& leaf_hash) {
  ++leaves_;
  subtrees_.emplace_back(1, leaf_hash);
  // Two complete subtrees of the same size become one twice as large.
  while (subtrees_.size() >= 2 && subtrees_[subtrees_.size() - 2].first == subtrees_.back().first) {
    auto right = subtrees_.back();
    subtrees_.pop_back();
    subtrees_.back() = {right.first * 2, InnerNodeHash(subtrees_.back().second, right.second)};
  }
}

Hash MerkleBuilder::Root() const {
  if (subtrees_.empty()) return EmptyTreeHash();
  Hash root = subtrees_.back().second;
  for (size_t i = subtrees_.size() - 1; i-- > 0;) root = InnerNodeHash(subtrees_[i].second, root);
  return root;
}

Hash RootOverPartitions(const std::vector<Hash>& heads_roots) {
  MerkleBuilder b;
  for (size_t p = 0; p < heads_roots.size(); ++p)
    b.Add(PartitionEntryHash(static_cast<int32_t>(p), heads_roots[p]));
  return b.Root();
}

}  // namespace ledger::checkpoint
