#include "ops/server/token_cache.h"

#include <sys/stat.h>

namespace ledger::server {

TokenCache::Signature TokenCache::Stat() const {
  struct stat st;
  if (::stat(file_.c_str(), &st) != 0) return Signature{};
  return Signature{static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                   static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_ino)};
}

std::optional<auth::TokenRecord> TokenCache::Authenticate(std::string_view token) {
  const Signature now = Stat();
  std::lock_guard<std::mutex> lock(mu_);
  if (!ever_loaded_ || !(now == loaded_)) {
    Result<auth::TokenStore> fresh = auth::TokenStore::Load(file_);
    store_ = fresh.ok() ? std::move(*fresh) : auth::TokenStore();
    problem_ = fresh.ok() ? "" : fresh.status().ToString();
    loaded_ = now;
    ever_loaded_ = true;
  }
  return store_.Authenticate(token);
}

std::string TokenCache::problem() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problem_;
}

}  // namespace ledger::server
