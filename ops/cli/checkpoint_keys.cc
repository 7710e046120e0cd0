#include "ops/cli/checkpoint_keys.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "events/file_replace.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;

Status IoError(const fs::path& path, const char* what) {
  return Unavailable(path.string() + ": cannot " + what + " (" + std::strerror(errno) + ")");
}

Result<std::string> ReadSmallFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path, "read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `pem` to a new file at `path` with mode 0600, only if nothing is
// there: written under a temporary name, then linked into place. false when
// another process created `path` first.
Result<bool> CreatePrivateFile(const fs::path& path, const std::string& pem) {
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(tmp, "create");
  std::string_view rest = pem;
  Status s;
  while (s.ok() && !rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      s = IoError(tmp, "write");
    else
      rest.remove_prefix(static_cast<size_t>(n));
  }
  if (s.ok() && ::fsync(fd) != 0) s = IoError(tmp, "sync");
  ::close(fd);
  bool created = false;
  if (s.ok()) {
    if (::link(tmp.c_str(), path.c_str()) == 0)
      created = true;
    else if (errno != EEXIST)
      s = IoError(path, "create");
  }
  ::unlink(tmp.c_str());
  if (!s.ok()) return s;
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return created;
}

Status CheckPrivateMode(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return IoError(path, "read");
  if ((st.st_mode & 077) != 0)
    return PermissionDenied(
        fmt::format("{}: the signing key is accessible to others (mode {:04o}): it must be private "
                    "to its owner "
                    "(chmod 600 {}); consider it exposed if others could read it",
                    path.string(), st.st_mode & 07777, path.string()));
  return OkStatus();
}

}  // namespace

fs::path DefaultCheckpointKeyPath(const LogFlags& flags) {
  return fs::path(flags.data) / "checkpoint.key";
}

fs::path CheckpointPublicKeyPath(const fs::path& key) {
  fs::path pub = key;
  return key.extension() == ".key" ? pub.replace_extension(".pub")
                                   : fs::path(key.string() + ".pub");
}

Result<CheckpointKey> LoadOrCreateCheckpointKey(const fs::path& key_path) {
  const fs::path pub_path = CheckpointPublicKeyPath(key_path);
  std::error_code ec;
  std::optional<checkpoint::SigningKey> key;
  bool created = false;
  if (!fs::exists(key_path, ec)) {
    checkpoint::SigningKey fresh = checkpoint::SigningKey::Generate();
    LEDGER_ASSIGN_OR_RETURN(created, CreatePrivateFile(key_path, fresh.PrivatePem()));
    if (created) key = fresh;
  }
  if (!key) {  // there already, or created by another process meanwhile
    LEDGER_RETURN_IF_ERROR(CheckPrivateMode(key_path));
    LEDGER_ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(key_path));
    Result<checkpoint::SigningKey> loaded = checkpoint::ParsePrivateKeyPem(pem);
    if (!loaded.ok()) return loaded.status().WithContext(key_path.string());
    key = *loaded;
  }
  if (!created && fs::exists(pub_path, ec)) {
    LEDGER_ASSIGN_OR_RETURN(std::string existing, ReadSmallFile(pub_path));
    Result<checkpoint::PublicKey> pub = checkpoint::ParsePublicKeyPem(existing);
    if (!pub.ok() || *pub != key->public_key())
      return FailedPrecondition(pub_path.string() + " is not the public half of " +
                                key_path.string() + ": restore the matching pair, or remove " +
                                pub_path.string() + " to have it written again from the key");
  } else {
    LEDGER_RETURN_IF_ERROR(
        ReplaceFile(pub_path.string(), checkpoint::PublicKeyPem(key->public_key()), 0644));
  }
  return CheckpointKey{*key, created};
}

Result<checkpoint::PublicKey> LoadCheckpointPublicKey(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    return NotFound(
        "no trusted public key at " + path.string() +
        ": pass --public-key FILE (the auditor's copy of the signer's checkpoint.pub); the key "
        "named inside a checkpoint proves nothing by itself");
  LEDGER_ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(path));
  Result<checkpoint::PublicKey> key = checkpoint::ParsePublicKeyPem(pem);
  if (!key.ok()) return key.status().WithContext(path.string());
  return *key;
}

}  // namespace ledger
