#include "projections/rocksdb/verified_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <rocksdb/convenience.h>
#include <rocksdb/metadata.h>

namespace ledger {

namespace {

constexpr const char* kRecord = "LEDGER-VERIFIED";

// size, modification time (ns), change time (ns), inode, device. The change
// time is the kernel's: no tool can set it (`cp -p`, `touch -d` set the
// modification time, and change the change time doing so).
using Stamp = std::array<int64_t, 5>;

bool StampOf(const std::filesystem::path& f, Stamp* out) {
  struct stat st {};
  if (::stat(f.c_str(), &st) != 0) return false;
  *out = Stamp{static_cast<int64_t>(st.st_size),
               static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
               static_cast<int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec,
               static_cast<int64_t>(st.st_ino), static_cast<int64_t>(st.st_dev)};
  return true;
}

std::map<std::string, Stamp> ReadRecord(const std::filesystem::path& dir) {
  std::map<std::string, Stamp> out;
  std::ifstream in(dir / kRecord);
  std::string name;
  Stamp s{};
  while (in >> name >> s[0] >> s[1] >> s[2] >> s[3] >> s[4]) out[name] = s;
  return out;
}

void WriteRecord(const std::filesystem::path& dir, const std::map<std::string, Stamp>& files) {
  std::ostringstream text;
  for (const auto& [name, s] : files)
    text << name << ' ' << s[0] << ' ' << s[1] << ' ' << s[2] << ' ' << s[3] << ' ' << s[4] << '\n';
  // A name of its own per writer (process, then call: the counter is the
  // process's, so two threads never draw the same): two openers at once each
  // rename a whole record, the last one wins.
  static std::atomic<uint64_t> calls{0};
  const std::filesystem::path tmp = dir / (std::string(kRecord) + ".tmp." + std::to_string(::getpid()) + "." +
                                           std::to_string(calls.fetch_add(1)));
  std::error_code ec;
  bool written = false;
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text.str();
    written = static_cast<bool>(out.flush());
  }
  if (written) std::filesystem::rename(tmp, dir / kRecord, ec);
  // An optimisation only: on failure the files are verified again next time.
  if (!written || ec) std::filesystem::remove(tmp, ec);
}

}  // namespace

rocksdb::Status VerifyTableFilesOnce(rocksdb::DB& db, const rocksdb::Options& options,
                                     const std::filesystem::path& dir, bool every_file, size_t* files_read) {
  *files_read = 0;
  // A writer's compactions start as soon as it is open: no file listed may be
  // deleted before it is read (NotSupported on a read-only store, which
  // deletes nothing).
  const bool held = db.DisableFileDeletions().ok();
  std::vector<rocksdb::LiveFileMetaData> live;
  db.GetLiveFilesMetaData(&live);
  const std::map<std::string, Stamp> recorded = ReadRecord(dir);
  const std::map<std::string, Stamp> none;
  const std::map<std::string, Stamp>& before = every_file ? none : recorded;
  // A file changed within the file system's timestamp granularity (a few ms)
  // of being verified could change again under the same times: files changed
  // less than this ago are verified but not recorded.
  const int64_t recent = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch() - std::chrono::seconds(2))
                             .count();
  std::map<std::string, Stamp> now;
  rocksdb::Status result;
  for (const rocksdb::LiveFileMetaData& f : live) {
    const std::string& name = f.relative_filename;
    const std::filesystem::path path = std::filesystem::path(f.directory) / name;
    Stamp stamp;
    const bool stamped = StampOf(path, &stamp);
    if (stamped) {
      auto it = before.find(name);
      if (it != before.end() && it->second == stamp) {
        now[name] = stamp;
        continue;
      }
    }
    ++*files_read;
    // With the file's largest sequence number: an ingested file carries a
    // global one that the reader checks against it. (The store's families
    // share one set of table options: ProjectionDb::OpenOnce.)
    result = rocksdb::VerifySstFileChecksum(options, rocksdb::EnvOptions(options), rocksdb::ReadOptions(),
                                            path.string(), f.largest_seqno);
    if (!result.ok()) break;
    if (stamped && stamp[2] < recent) now[name] = stamp;
  }
  if (held) db.EnableFileDeletions(/*force=*/false).PermitUncheckedError();
  if (!result.ok()) return result;
  if (now != recorded) WriteRecord(dir, now);
  return rocksdb::Status::OK();
}

}  // namespace ledger
