#include "events/hash_chain.h"

#include <sodium.h>

#include <cstdlib>

namespace ledger {
namespace {

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) std::abort();  // libsodium cannot work at all: nothing to recover
    return true;
  }();
  (void)ready;
}

}  // namespace

Hash ChainHash(const Hash& prev, std::string_view body) {
  EnsureSodium();
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, prev.data(), prev.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  Hash out;
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

EventId MakeEventId(const StreamId& stream, uint64_t seq) {
  EnsureSodium();
  std::string input = stream.str() + '#' + std::to_string(seq);
  std::array<uint8_t, 16> digest;
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr, 0);
  Hash padded{};
  std::copy(digest.begin(), digest.end(), padded.begin());
  return EventId(HexOf(padded).substr(0, 32));
}

std::string SealEvent(Event& e) {
  std::string body = EncodeBody(e);
  e.hash = ChainHash(e.prev_hash, body);
  return EncodeRecord(body, e.hash);
}

Status VerifyAndAdvance(ChainHead& head, const DecodedRecord& next) {
  const Event& e = next.event;
  // Made only for an error: this runs for every record a projector folds.
  auto where = [&e] { return "stream " + e.stream.str() + " seq " + std::to_string(e.seq); };
  if (e.seq != head.seq + 1)
    return Internal(where() + ": out of sequence, expected seq " + std::to_string(head.seq + 1) +
                    (e.seq <= head.seq ? " (duplicate)" : " (gap)"));
  if (e.prev_hash != head.hash)
    return DataLoss(where() + ": previous hash " + HexOf(e.prev_hash) +
                    " does not match the hash of seq " + std::to_string(head.seq) + " (" +
                    HexOf(head.hash) + ")");
  if (ChainHash(e.prev_hash, next.body) != e.hash)
    return DataLoss(where() + ": stored hash does not match the event's bytes (altered)");
  if (e.occurred_at < head.occurred_at)
    return Internal(where() + ": occurred_at goes back in time");
  head.seq = e.seq;
  head.hash = e.hash;
  head.occurred_at = e.occurred_at;
  return OkStatus();
}

}  // namespace ledger
