#include "ops/auth/token_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "events/file_replace.h"

namespace ledger::auth {
namespace {

constexpr size_t kTokenBytes = 32;
constexpr std::string_view kTokenPrefix = "ldg_";

nlohmann::json ToJson(const TokenRecord& r) {
  nlohmann::json j{{"name", r.name}, {"role", Name(r.role)}, {"scope", r.scope.ToString()},
                   {"hash", r.hash}, {"created_at", FormatRfc3339(r.created_at)}};
  if (r.revoked_at) j["revoked_at"] = FormatRfc3339(*r.revoked_at);
  return j;
}

Result<TokenRecord> FromJson(const std::string& line, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  auto bad = [&](const std::string& what) { return DataLoss(where + ": " + what + " (fix or remove the line)"); };
  if (!j.is_object()) return bad("not a JSON object");
  TokenRecord r;
  r.name = j.value("name", "");
  if (!ValidTokenName(r.name)) return bad("bad name");
  std::optional<Role> role = ParseRole(j.value("role", ""));
  std::optional<AccessScope> scope = ParseAccessScope(j.value("scope", ""));
  std::optional<Timestamp> created = ParseRfc3339(j.value("created_at", ""));
  if (!role || !scope || !created) return bad("bad role, scope or created_at");
  r.role = *role;
  r.scope = *scope;
  r.created_at = *created;
  r.hash = j.value("hash", "");
  if (r.hash.size() != 64) return bad("bad hash");
  if (j.contains("revoked_at")) {
    r.revoked_at = ParseRfc3339(j.value("revoked_at", ""));
    if (!r.revoked_at) return bad("bad revoked_at");
  }
  return r;
}

// Holds DATA/tokens.lock for a read-modify-write of the store.
class FileLock {
 public:
  static Result<FileLock> Take(const std::filesystem::path& file) {
    std::string path = file.string() + ".lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Unavailable("cannot open " + path + ": " + std::strerror(errno));
    if (flock(fd, LOCK_EX) != 0) {
      ::close(fd);
      return Unavailable("cannot lock " + path + ": " + std::strerror(errno));
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

Status Save(const std::filesystem::path& file, const std::vector<TokenRecord>& records) {
  std::string text;
  for (const TokenRecord& r : records) text += ToJson(r).dump() + "\n";
  return ReplaceFile(file.string(), text, 0600);
}

}  // namespace

bool ValidTokenName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' && c != '-') return false;
  return true;
}

std::string TokenHash(std::string_view token) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

Result<TokenStore> TokenStore::Load(const std::filesystem::path& file) {
  TokenStore store;
  std::ifstream in(file);
  if (!in) {
    if (std::filesystem::exists(file)) return Unavailable("cannot read " + file.string());
    return store;
  }
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    LEDGER_ASSIGN_OR_RETURN(TokenRecord r, FromJson(line, file.string() + ":" + std::to_string(n)));
    store.records_.push_back(std::move(r));
  }
  return store;
}

Result<std::string> TokenStore::Add(const std::filesystem::path& file, const std::string& name, Role role,
                                    const AccessScope& scope, Timestamp now) {
  if (!ValidTokenName(name))
    return InvalidArgument("--name " + name + ": use 1 to 64 of A-Z a-z 0-9 . _ @ - (it appears in logs)");
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  LEDGER_ASSIGN_OR_RETURN(FileLock lock, FileLock::Take(file));
  LEDGER_ASSIGN_OR_RETURN(TokenStore store, Load(file));
  for (const TokenRecord& r : store.records_)
    if (r.name == name && r.live())
      return AlreadyExists("a live token is already named " + name + ": revoke it first (`ledger token revoke " +
                           name + "`) or choose another name");
  unsigned char raw[kTokenBytes];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(kTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
  std::string token = std::string(kTokenPrefix) + b64;
  store.records_.push_back(TokenRecord{name, role, scope, TokenHash(token), now, std::nullopt});
  LEDGER_RETURN_IF_ERROR(Save(file, store.records_));
  return token;
}

Status TokenStore::Revoke(const std::filesystem::path& file, const std::string& name, Timestamp now) {
  LEDGER_ASSIGN_OR_RETURN(FileLock lock, FileLock::Take(file));
  LEDGER_ASSIGN_OR_RETURN(TokenStore store, Load(file));
  bool found = false;
  for (TokenRecord& r : store.records_)
    if (r.name == name && r.live()) r.revoked_at = now, found = true;
  if (!found) return NotFound("no live token named " + name + " (`ledger token list` shows them)");
  return Save(file, store.records_);
}

std::optional<TokenRecord> TokenStore::Authenticate(std::string_view token) const {
  const std::string h = TokenHash(token);
  std::optional<TokenRecord> match;
  // Every record is compared, matched or not, so the time taken says nothing.
  for (const TokenRecord& r : records_) {
    bool same = r.hash.size() == h.size() && sodium_memcmp(r.hash.data(), h.data(), h.size()) == 0;
    if (same && r.live()) match = r;
  }
  return match;
}

}  // namespace ledger::auth
