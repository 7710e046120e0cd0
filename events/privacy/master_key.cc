#include "events/privacy/master_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ledger::privacy {
namespace {

constexpr std::string_view kMagic = "ledger-master-key-v1 ";

std::string Errno() { return std::strerror(errno); }

Status WriteNew(const std::string& path, const Secret32& key) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable(path + ": cannot create the master key file (" + Errno() + ")");
  std::string line = std::string(kMagic) + key.ToHex() + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  std::string why = ok ? "" : Errno();
  ::close(fd);
  line.assign(line.size(), '\0');
  if (!ok) {
    ::unlink(path.c_str());
    return Unavailable(path + ": cannot write the master key file (" + why + ")");
  }
  std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  if (dir.empty()) dir = ".";
  if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);
    ::close(d);
  }
  return OkStatus();
}

}  // namespace

Result<Secret32> LoadMasterKey(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return NotFound(path + ": no master key file; personal data cannot be read or written without it "
                      "(give --master-key-file, or run a write command once to create it)");
    return Unavailable(path + ": cannot read the master key file (" + Errno() + ")");
  }
  if ((st.st_mode & 077) != 0)
    return FailedPrecondition(path + ": the master key file may be read by others (mode " +
                              [&] { std::ostringstream o; o << std::oct << (st.st_mode & 0777); return o.str(); }() +
                              "); run: chmod 600 " + path);
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line))
    return Unavailable(path + ": cannot read the master key file");
  Secret32 key;
  if (line.rfind(kMagic, 0) != 0 || !Secret32::FromHex(std::string_view(line).substr(kMagic.size()), key)) {
    line.assign(line.size(), '\0');
    return InvalidArgument(path + ":1: not a ledger master key (expected \"ledger-master-key-v1\" and 64 hex "
                           "digits); restore the file from its backup");
  }
  line.assign(line.size(), '\0');
  return key;
}

Result<Secret32> LoadOrCreateMasterKey(const std::string& path, std::string* created_note) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    Secret32 key = Secret32::Random();
    Status s = WriteNew(path, key);
    if (s.code() == StatusCode::kUnavailable && ::stat(path.c_str(), &st) == 0) return LoadMasterKey(path);  // a racing creator won
    LEDGER_RETURN_IF_ERROR(s);
    if (created_note)
      *created_note = "created the master key " + path +
                      " (mode 0600): back it up and keep it apart from the data; without it no "
                      "personal field can be read again (PRIVACY.md)";
    return key;
  }
  return LoadMasterKey(path);
}

}  // namespace ledger::privacy
