// AccessEntry: one line of the access journal (ARCHITECTURE.md §9, docs/ACCESS_JOURNAL.md) —
// who read which account's data, when, how and why — and the bytes its hash covers.
//
// A line is one JSON object with exactly these keys, nothing else:
//   {"seq":12,"at":"2026-03-02T10:15:00.123456Z","who":"aud-031","role":"auditor","via":"api",
//    "what":"history","account":"pup-0042","reason":"GLPI-4711","prev_hash":"<64 hex>","hash":"<64
//    hex>"}
//   seq        1 for the first line of the file, then +1 per line
//   at         when the read was answered, RFC 3339 UTC
//   who, role  the token's name and role (ledgerd), or --who / the OS user and "operator" (ledger)
//   via        "api" (ledgerd) or "cli" (ledger)
//   what       view | history | links | search | attention | export
//   account    the ledger's opaque account id ("*": every account, for a whole export)
//   reason     the ticket reference given (?reason=, --reason), "" when none
//   prev_hash  the previous line's hash; 64 zeros on line 1
//   hash       BLAKE2b-256(prev_hash's 32 bytes ‖ CanonicalBytes(entry)), hex
// CanonicalBytes does not depend on how the JSON is spelled (key order, spaces,
// escapes): "ledger-access-journal-v1\n", then for seq, at, who, role, via,
// what, account and reason in that order "<key>=<byte length>:<value>\n".
//
// No person's name, INE or login is ever an entry's value: accounts are the
// ledger's opaque ids, `who` is a staff token name, and a reason must be a
// ticket reference (the documentation says so; the journal cannot tell).
// Pure; value types; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.h"
#include "events/status.h"
#include "events/types.h"

namespace ledger::journal {

enum class What : uint8_t { kView, kHistory, kLinks, kSearch, kAttention, kExport };
std::string_view Name(What w);
std::optional<What> ParseWhat(std::string_view s);

enum class Via : uint8_t { kCli, kApi };
std::string_view Name(Via v);
std::optional<Via> ParseVia(std::string_view s);

// Who reads, and why: one per request or command, shared by its entries.
struct AccessContext {
  std::string who;   // ledgerd: the token's name; ledger: --who or the OS user name
  std::string role;  // ledgerd: the token's role; ledger: "operator"
  Via via = Via::kCli;
  std::string reason;  // the ticket reference given; "" when none
};

// The account id that stands for every account (a whole personal-data export).
inline constexpr std::string_view kEveryAccount = "*";

struct AccessEntry {
  uint64_t seq = 0;
  Timestamp at;
  std::string who, role;
  Via via = Via::kCli;
  What what = What::kView;
  std::string account;
  std::string reason;
  Hash prev_hash{};
  Hash hash{};
  friend bool operator==(const AccessEntry&, const AccessEntry&) = default;
};

// One entry per account (seq and hashes left for the journal to set).
std::vector<AccessEntry> EntriesOf(const AccessContext& who, What what,
                                   const std::vector<std::string>& accounts, Timestamp at);

// Limits on what an entry may hold, so that every line stays short, printable
// and one line. InvalidArgument naming the field, never repeating its value
// (a reason typed by someone might be a name).
//   who: 1-64 of A-Z a-z 0-9 . _ @ -   (as token names)
//   role: 1-32 of a-z _
//   account: 1-256 bytes without control characters, quotes or backslashes
//   reason: at most 200 bytes of UTF-8 without control characters
Status ValidateWho(std::string_view who);
Status ValidateReason(std::string_view reason);
Status Validate(const AccessEntry& e);

// The bytes the hash covers (see the header comment).
std::string CanonicalBytes(const AccessEntry& e);
// BLAKE2b-256(prev ‖ CanonicalBytes(e)).
Hash EntryHash(const Hash& prev, const AccessEntry& e);

// The line as written, with its final '\n'.
std::string FormatLine(const AccessEntry& e);
// A line (without '\n') back into an entry. InvalidArgument saying what is
// wrong (not JSON, a missing, extra or malformed key); it checks no hash.
Result<AccessEntry> ParseLine(std::string_view line);

}  // namespace ledger::journal
