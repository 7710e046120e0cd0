// TokenCache: the token store as ledgerd sees it — reloaded whenever
// DATA/tokens changes (a `ledger token add` or `revoke` takes effect on the
// next request, without a restart). A file that no longer loads fails closed:
// no token authenticates until it is fixed, and the reason is kept for the log.
// Thread-safety: Authenticate from any thread.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ops/auth/token_store.h"

namespace ledger::server {

class TokenCache {
 public:
  explicit TokenCache(std::filesystem::path file) : file_(std::move(file)) {}
  std::optional<auth::TokenRecord> Authenticate(std::string_view token);
  // Why the last reload failed; empty when it did not.
  std::string problem() const;

 private:
  struct Signature {
    int64_t mtime_ns = -1, size = -1, inode = -1;
    friend bool operator==(const Signature&, const Signature&) = default;
  };
  Signature Stat() const;

  std::filesystem::path file_;
  mutable std::mutex mu_;
  Signature loaded_;
  bool ever_loaded_ = false;
  auth::TokenStore store_;
  std::string problem_;
};

}  // namespace ledger::server
