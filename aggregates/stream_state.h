// StreamPosition: where an aggregate's stream stands (last seq, hash, time).
// Every aggregate state embeds one; the command handler uses it to chain the
// next events (seq + 1, prev_hash) and to refuse commands dated before the
// stream's last event (occurred_at is non-decreasing within a stream).
#pragma once

#include "events/event.h"

namespace ledger {

struct StreamPosition {
  uint64_t seq = 0;
  Hash last_hash{};
  Timestamp last_at{INT64_MIN};

  void Advance(const Event& e) {
    seq = e.seq;
    last_hash = e.hash;
    last_at = e.occurred_at;
  }
};

}  // namespace ledger
