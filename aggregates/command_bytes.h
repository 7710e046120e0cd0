// Commands in a compact binary form, for the ledger's own temporary files
// (the simulator's spill, ops/simulate/command_spill.h) — not a wire format:
// the one for people and systems is JSON (command_json.h).
//
// Every field of the envelope and of each body, in declaration order (byte_io.h);
// the body as its CommandBody index. DecodeCommand gives back an equal command,
// or DataLoss naming what it could not read (bytes cut short, an enum or a body
// index out of range, bytes left over). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aggregates/command.h"
#include "events/status.h"

namespace ledger {

// Appends the command's bytes to `out` (its length first, u32: records can be concatenated).
void AppendCommandBytes(const Command& c, std::string& out);
// One command from the front of `in` (as AppendCommandBytes wrote it); `in` advances past it.
Result<Command> ReadCommandBytes(std::string_view& in);

}  // namespace ledger
