// TokenStore: the bearer tokens of `ledgerd`, kept as hashes in DATA/tokens.
//
// `ledger token add` draws 32 random bytes (libsodium), prints the token
// ("ldg_" + URL-safe base64) once, and stores only its BLAKE2b-256 hash with
// the holder's name, role and scope. Authenticate() hashes what a request
// presents and compares it with every stored hash in constant time, so
// neither the comparison nor the file tells a token. Revoked tokens stay
// listed (who had access, until when) and never authenticate.
//
// File: one JSON object per line, {"name","role","scope","hash","created_at"
// [,"revoked_at"]}; written whole to a temporary file, fsynced and renamed,
// under an flock of DATA/tokens.lock, mode 0600. A missing file is an empty
// store. Thread-safety: a TokenStore is a value; share it read-only.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/types.h"
#include "ops/auth/access.h"

namespace ledger::auth {

struct TokenRecord {
  std::string name;  // who holds it: an actor id for their commands, a "who" in logs
  Role role = Role::kDashboard;
  AccessScope scope;
  std::string hash;  // hex BLAKE2b-256 of the token
  Timestamp created_at;
  std::optional<Timestamp> revoked_at;
  bool live() const { return !revoked_at; }
};

// Names: 1–64 of A-Z a-z 0-9 . _ @ - (they appear in logs and as actor ids).
bool ValidTokenName(std::string_view name);

class TokenStore {
 public:
  // DataLoss naming file:line for a malformed file.
  static Result<TokenStore> Load(const std::filesystem::path& file);

  // Adds a live token for `name` (AlreadyExists if `name` holds a live one),
  // saves, and returns the token text — the only time it exists outside the caller.
  static Result<std::string> Add(const std::filesystem::path& file, const std::string& name, Role role,
                                 const AccessScope& scope, Timestamp now);
  // Marks `name`'s live token revoked and saves. NotFound if it has none.
  static Status Revoke(const std::filesystem::path& file, const std::string& name, Timestamp now);

  const std::vector<TokenRecord>& records() const { return records_; }
  // The live record whose hash is the token's, or nullopt.
  std::optional<TokenRecord> Authenticate(std::string_view token) const;

 private:
  std::vector<TokenRecord> records_;
};

// BLAKE2b-256 of a token, hex.
std::string TokenHash(std::string_view token);

}  // namespace ledger::auth
