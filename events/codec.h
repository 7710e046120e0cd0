// Codec: Event <-> log record bytes (the FlatBuffers Record of event.fbs).
//
// EncodeBody is deterministic: the same Event always yields the same bytes, so
// a body can be hashed (hash_chain.h) before the Record is assembled.
// DecodeRecord never trusts its input: it runs the FlatBuffers verifier on the
// Record and on the nested body, then checks the envelope's own invariants
// (hash sizes, a known payload type, seq ≥ 1). Any failure is InvalidArgument
// with a reason ("truncated or not a ledger record", "unknown event type 42 …"),
// never a crash. Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "events/event.h"
#include "events/status.h"

namespace ledger {

// The canonical body bytes: every envelope field but `hash`, and the payload.
std::string EncodeBody(const Event& e);

// The full record: body bytes (as produced by EncodeBody) plus `hash`.
std::string EncodeRecord(std::string_view body, const Hash& hash);

struct DecodedRecord {
  Event event;
  std::string body;  // the exact stored body bytes, for hash verification
};

Result<DecodedRecord> DecodeRecord(std::string_view bytes);
// The same into `out`, for a caller decoding many records one after another
// (a fold): no DecodedRecord is moved through Results, and `out.body` keeps
// its memory. On an error `out` holds no meaningful event.
Status DecodeRecordInto(std::string_view bytes, DecodedRecord& out);

// A date as the wire holds it: yyyymmdd, 0 for none (a birth date in
// AccountCreated and in the sealed PersonalFields).
uint32_t PackDate(const std::optional<Date>& d);
std::optional<Date> UnpackDate(uint32_t v);

}  // namespace ledger
