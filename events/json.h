// JSON rendering of events: the `ledger export --format jsonl` contract
// (ARCHITECTURE.md §7) and the --format json outputs built on it.
//
// One object per event with, in this order: partition, offset, stream, seq,
// type, event_id, occurred_at (RFC 3339 UTC), actor, data (the payload, §4
// field names in snake_case) — then the extensions recorded_at, command_id,
// schema_version, prev_hash and hash (hex), so a chain can be checked from the
// export alone. Pure functions; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "events/event.h"

namespace ledger {

using Json = nlohmann::ordered_json;

// What every output shows for a personal field whose key was destroyed.
inline constexpr std::string_view kErasedMark = "[erased]";

Json ActorToJson(const Actor& a);
// Adds uai, department, academy, level (and class) to `j`, as the export renders a placement.
void PutPlacement(Json& j, const Placement& p, bool with_class);
Json PayloadToJson(const Payload& p);
// The full export object of `e`, stored at (partition, offset).
Json EventToJson(const Event& e, int32_t partition, int64_t offset);
// EventToJson(...).dump(): one line, no trailing newline. Bytes that are not
// UTF-8 in a string (a corrupt or foreign record) become U+FFFD; never throws.
std::string ExportLine(const Event& e, int32_t partition, int64_t offset);

}  // namespace ledger
