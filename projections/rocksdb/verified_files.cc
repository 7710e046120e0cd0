#include "projections/rocksdb/verified_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <rocksdb/convenience.h>
#include <rocksdb/metadata.h>

namespace ledger {

namespace {

constexpr const char* kRecord = "LEDGER-VERIFIED";

// size, modification time in ns, inode
using Stamp = std::tuple<uint64_t, int64_t, uint64_t>;

bool StampOf(const std::filesystem::path& f, Stamp* out) {
  struct stat st {};
  if (::stat(f.c_str(), &st) != 0) return false;
  *out = Stamp{static_cast<uint64_t>(st.st_size),
               static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
               static_cast<uint64_t>(st.st_ino)};
  return true;
}

std::map<std::string, Stamp> ReadRecord(const std::filesystem::path& dir) {
  std::map<std::string, Stamp> out;
  std::ifstream in(dir / kRecord);
  std::string name;
  uint64_t size = 0, inode = 0;
  int64_t mtime = 0;
  while (in >> name >> size >> mtime >> inode) out[name] = Stamp{size, mtime, inode};
  return out;
}

void WriteRecord(const std::filesystem::path& dir, const std::map<std::string, Stamp>& files) {
  std::ostringstream text;
  for (const auto& [name, stamp] : files)
    text << name << ' ' << std::get<0>(stamp) << ' ' << std::get<1>(stamp) << ' ' << std::get<2>(stamp) << '\n';
  // One temporary file per process: two readers opening at once each rename a whole record.
  const std::filesystem::path tmp = dir / (std::string(kRecord) + ".tmp." + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text.str();
    if (!out.flush()) return;  // an optimisation only: verified again next time
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dir / kRecord, ec);
}

}  // namespace

rocksdb::Status VerifyTableFilesOnce(rocksdb::DB& db, const rocksdb::Options& options,
                                     const std::filesystem::path& dir, size_t* files_read) {
  *files_read = 0;
  std::vector<rocksdb::LiveFileMetaData> live;
  db.GetLiveFilesMetaData(&live);
  const std::map<std::string, Stamp> before = ReadRecord(dir);
  // A file changed within the file system's timestamp granularity (a few ms)
  // of being verified could change again under the same time: files younger
  // than this are verified but not recorded.
  const int64_t recent = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch() - std::chrono::seconds(2))
                             .count();
  std::map<std::string, Stamp> now;
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
    // global one that the reader checks against it.
    rocksdb::Status s = rocksdb::VerifySstFileChecksum(options, rocksdb::EnvOptions(options), rocksdb::ReadOptions(),
                                                       path.string(), f.largest_seqno);
    if (!s.ok()) return s;
    if (stamped && std::get<1>(stamp) < recent) now[name] = stamp;
  }
  if (now != before) WriteRecord(dir, now);
  return rocksdb::Status::OK();
}

}  // namespace ledger
