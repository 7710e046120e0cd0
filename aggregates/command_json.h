// Commands as JSON (ARCHITECTURE.md §7, "Commands as JSON"): the one wire form
// of `POST /v1/commands` and `ledger submit FILE.jsonl`.
//
//   {"command_id":"c-1","at":"2023-01-15T10:00:00Z",
//    "actor":{"kind":"guardian","id":"tls-g620"},
//    "type":"DisputeLink","guardian":"tls-g620","pupil":"tls-p442"}
//
// `type` is a command name of command.h; its fields are the struct's in
// snake_case with the values the export uses (enums by name, times RFC 3339
// UTC, dates YYYY-MM-DD); the actor is rendered as the export renders it
// ({"kind","id"[,"uai"][,"delegation"][,"strong_auth"]}). CreateAccount
// carries the AccountCreated payload as the export's `data`. Field tables per
// type: command_json.cc. Unknown fields are refused (a typo must not pass as
// a default).
//
// Strings are at most 1,024 bytes and lists 16 strings, so a command's
// events stay far below any log's record limit.
// Errors are InvalidArgument naming where: "commands[3].at: expected an RFC
// 3339 UTC time (2023-01-15T10:00:00Z)"; malformed JSON names its byte, line
// and column. Messages never repeat a field's value (it may be a name or a
// birth date). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aggregates/command.h"
#include "aggregates/command_handler.h"
#include "events/json.h"
#include "events/status.h"

namespace ledger {

// `where` prefixes error messages ("commands[3]", "batch.jsonl:12").
Result<Command> CommandFromJson(const Json& j, const std::string& where);
Json CommandToJson(const Command& c);

// A request body: one command object, or an array of them. InvalidArgument
// for malformed JSON (naming the position), a field error (naming the
// command's index and field), or more than `max_commands` commands.
Result<std::vector<Command>> ParseCommandBatch(std::string_view body, size_t max_commands);

// One result of a command (§7): {"command_id","outcome":"appended"|"replayed",
// "events":[{"stream","seq","partition","offset"}, …]} or {"command_id",
// "outcome":"refused","code":"FAILED_PRECONDITION","reason":"…"}. An accepted
// command that changed nothing is "appended" with no events. Only for results
// that are outcomes or refusals (IsRefusal): a failing log is not a result.
Json OutcomeToJson(const CommandId& id, const Result<Outcome>& r);
// Whether a command's error is a rule's refusal (the other commands go on) —
// not the log failing (Unavailable, DataLoss, Internal), which answers for
// the whole batch.
bool IsRefusal(const Status& s);

// "byte 17 (line 1, column 17): syntax error while parsing object key" for a
// body nlohmann-json refuses; "a number too large to represent" for a number
// beyond a double (nlohmann gives no position for it); empty when it parses.
std::string JsonSyntaxError(std::string_view text);

}  // namespace ledger
