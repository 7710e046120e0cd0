#include "ops/journal/entry.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "events/hash_chain.h"

namespace ledger::journal {
namespace {

using nlohmann::json;

constexpr std::string_view kWhatNames[] = {"view",   "history",   "links",
                                           "search", "attention", "export"};
constexpr std::string_view kViaNames[] = {"cli", "api"};
// The keys of a line, in the order they are written; CanonicalBytes covers all but the hashes.
constexpr const char* kKeys[] = {"seq",  "at",      "who",    "role",      "via",
                                 "what", "account", "reason", "prev_hash", "hash"};

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // cut short
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

std::optional<Hash> HashFromHex(const std::string& hex) {
  if (hex.size() != 64) return std::nullopt;
  Hash h{};
  for (size_t i = 0; i < 32; ++i) {
    int v = 0;
    for (size_t k = 0; k < 2; ++k) {
      const char c = hex[2 * i + k];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;  // lower-case hex only: one spelling per hash
      v = v * 16 + d;
    }
    h[i] = static_cast<uint8_t>(v);
  }
  return h;
}

void Field(std::string& out, std::string_view key, std::string_view value) {
  out.append(key)
      .append("=")
      .append(std::to_string(value.size()))
      .append(":")
      .append(value)
      .append("\n");
}

}  // namespace

std::string_view Name(What w) { return kWhatNames[static_cast<size_t>(w)]; }
std::optional<What> ParseWhat(std::string_view s) {
  for (size_t i = 0; i < std::size(kWhatNames); ++i)
    if (kWhatNames[i] == s) return static_cast<What>(i);
  return std::nullopt;
}
std::string_view Name(Via v) { return kViaNames[static_cast<size_t>(v)]; }
std::optional<Via> ParseVia(std::string_view s) {
  for (size_t i = 0; i < std::size(kViaNames); ++i)
    if (kViaNames[i] == s) return static_cast<Via>(i);
  return std::nullopt;
}

std::vector<AccessEntry> EntriesOf(const AccessContext& who, What what,
                                   const std::vector<std::string>& accounts, Timestamp at) {
  std::vector<AccessEntry> out;
  out.reserve(accounts.size());
  for (const std::string& account : accounts)
    out.push_back(
        AccessEntry{0, at, who.who, who.role, who.via, what, account, who.reason, {}, {}});
  return out;
}

Status ValidateWho(std::string_view who) {
  const bool ok =
      !who.empty() && who.size() <= 64 && std::all_of(who.begin(), who.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' ||
               c == '-';
      });
  return ok ? OkStatus()
            : InvalidArgument("who: use 1 to 64 of A-Z a-z 0-9 . _ @ - (a staff identifier)");
}

Status ValidateReason(std::string_view reason) {
  if (reason.size() > 200) return InvalidArgument("reason: at most 200 bytes (a ticket reference)");
  if (!ValidUtf8(reason) ||
      std::any_of(reason.begin(), reason.end(), [](char c) { return IsControl(c); }))
    return InvalidArgument("reason: UTF-8 text without control characters (a ticket reference)");
  return OkStatus();
}

Status Validate(const AccessEntry& e) {
  LEDGER_RETURN_IF_ERROR(ValidateWho(e.who));
  LEDGER_RETURN_IF_ERROR(ValidateReason(e.reason));
  if (e.role.empty() || e.role.size() > 32 ||
      !std::all_of(e.role.begin(), e.role.end(),
                   [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; }))
    return InvalidArgument("role: 1 to 32 of a-z _");
  if (e.account.empty() || e.account.size() > 256 || !ValidUtf8(e.account) ||
      std::any_of(e.account.begin(), e.account.end(), [](char c) {
        return IsControl(static_cast<unsigned char>(c)) || c == '"' || c == '\\';
      }))
    return InvalidArgument(
        "account: 1 to 256 bytes of UTF-8 without control characters, quotes or backslashes");
  return OkStatus();
}

std::string CanonicalBytes(const AccessEntry& e) {
  std::string out = "ledger-access-journal-v1\n";
  Field(out, "seq", std::to_string(e.seq));
  Field(out, "at", FormatRfc3339(e.at));
  Field(out, "who", e.who);
  Field(out, "role", e.role);
  Field(out, "via", Name(e.via));
  Field(out, "what", Name(e.what));
  Field(out, "account", e.account);
  Field(out, "reason", e.reason);
  return out;
}

Hash EntryHash(const Hash& prev, const AccessEntry& e) {
  return ChainHash(prev, CanonicalBytes(e));
}

std::string FormatLine(const AccessEntry& e) {
  // Written by hand, keys in kKeys' order (nlohmann's objects sort their keys):
  // the strings go through json's escaping.
  auto str = [](const std::string& s) {
    return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  return "{\"seq\":" + std::to_string(e.seq) + ",\"at\":\"" + FormatRfc3339(e.at) +
         "\",\"who\":" + str(e.who) + ",\"role\":" + str(e.role) + ",\"via\":\"" +
         std::string(Name(e.via)) + "\",\"what\":\"" + std::string(Name(e.what)) +
         "\",\"account\":" + str(e.account) + ",\"reason\":" + str(e.reason) + ",\"prev_hash\":\"" +
         HexOf(e.prev_hash) + "\",\"hash\":\"" + HexOf(e.hash) + "\"}\n";
}

Result<AccessEntry> ParseLine(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (!j.is_object()) return InvalidArgument("not a JSON object");
  for (const auto& item : j.items())
    if (std::find(std::begin(kKeys), std::end(kKeys), item.key()) == std::end(kKeys))
      return InvalidArgument(
          "unexpected key (an entry has exactly seq, at, who, role, via, what, account, reason, "
          "prev_hash and hash)");
  for (const char* key : kKeys) {
    if (!j.contains(key)) return InvalidArgument(std::string("no ") + key);
    if (std::string_view(key) == "seq" ? !j[key].is_number_unsigned() : !j[key].is_string())
      return InvalidArgument(std::string(key) + " is not a " +
                             (std::string_view(key) == "seq" ? "number" : "string"));
  }
  AccessEntry e;
  e.seq = j["seq"].get<uint64_t>();
  const std::string at = j["at"].get<std::string>();
  std::optional<Timestamp> when = ParseRfc3339(at);
  if (!when || FormatRfc3339(*when) != at)
    return InvalidArgument("at is not an RFC 3339 UTC time as the journal writes it");
  e.at = *when;
  e.who = j["who"].get<std::string>();
  e.role = j["role"].get<std::string>();
  std::optional<Via> via = ParseVia(j["via"].get<std::string>());
  if (!via) return InvalidArgument("via is neither cli nor api");
  e.via = *via;
  std::optional<What> what = ParseWhat(j["what"].get<std::string>());
  if (!what)
    return InvalidArgument("what is not one of view, history, links, search, attention, export");
  e.what = *what;
  e.account = j["account"].get<std::string>();
  e.reason = j["reason"].get<std::string>();
  std::optional<Hash> prev = HashFromHex(j["prev_hash"].get<std::string>());
  std::optional<Hash> hash = HashFromHex(j["hash"].get<std::string>());
  if (!prev || !hash) return InvalidArgument("prev_hash or hash is not 64 lower-case hex digits");
  e.prev_hash = *prev;
  e.hash = *hash;
  return e;
}

}  // namespace ledger::journal
