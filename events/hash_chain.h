// The per-stream hash chain that lets an auditor prove a history unaltered.
//
//   hash(event n) = BLAKE2b-256( hash(event n-1) ‖ body bytes of event n )
//
// with hash(event 0) = 32 zero bytes, and the body bytes exactly as stored in
// the log (codec.h), which themselves contain prev_hash. BLAKE2b is libsodium's
// crypto_generichash. Functions are thread-safe; a ChainVerifier is not.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "events/codec.h"
#include "events/event.h"
#include "events/status.h"

namespace ledger {

Hash ChainHash(const Hash& prev, std::string_view body);

// A stable, opaque event id derived from (stream, seq): 32 hex characters.
EventId MakeEventId(const StreamId& stream, uint64_t seq);

// Encodes `e` (whose prev_hash must already be set), sets e.hash, and returns
// the record bytes to append.
std::string SealEvent(Event& e);

// Where a stream's chain stands after its last verified event.
struct ChainHead {
  uint64_t seq = 0;
  Hash hash{};
  Timestamp occurred_at{INT64_MIN};
};

// Checks that `next` continues `head`: seq = head.seq + 1, prev_hash =
// head.hash, the stored hash recomputes from the body, occurred_at does not go
// back. Returns DataLoss (hash) or Internal (sequence, time) naming the stream
// and seq; on success advances `head`.
Status VerifyAndAdvance(ChainHead& head, const DecodedRecord& next);

// Verifies many streams' chains from records seen in log order (each stream's
// records arrive in order because a stream lives in one partition).
class ChainVerifier {
 public:
  Status Add(const DecodedRecord& r) { return VerifyAndAdvance(heads_[r.event.stream.str()], r); }
  size_t streams() const { return heads_.size(); }

 private:
  std::unordered_map<std::string, ChainHead> heads_;
};

}  // namespace ledger
