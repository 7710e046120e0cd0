// Hand-written sample events, one per payload type, for codec/JSON/chain tests.
// SampleChain seals them into one valid per-stream hash chain (seq 1..n).
#pragma once

#include <vector>

#include "events/event.h"

namespace ledger::testing {

// One payload of every type in the catalogue, in Payload index order.
std::vector<Payload> OnePayloadOfEachType();

// Sealed events of one stream, seq 1..n, one per payload of OnePayloadOfEachType(),
// with increasing occurred_at and a valid hash chain. Record bytes in `records`.
std::vector<Event> SampleChain(const StreamId& stream, std::vector<std::string>* records = nullptr);

}  // namespace ledger::testing
