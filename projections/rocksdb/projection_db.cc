#include "projections/rocksdb/projection_db.h"
#include "projections/rocksdb/verified_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <array>
#include <deque>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/cache.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include "projections/view_codec.h"

namespace ledger {
namespace {

// The scope of a statistics key "s<tier>|<scope>|<period>".
std::optional<Scope> ScopeOfStatKey(std::string_view key) {
  if (key.size() < 4 || key[0] != 's' || key[2] != '|') return std::nullopt;
  key.remove_prefix(3);
  return ParseScope(key.substr(0, key.find('|')));
}

// Adds statistics tables (EncodeStatTable) of one scope and period. All the
// operands of a key are summed first (they are small: the cells a batch
// changed), then folded into the base table in one pass over its bytes
// (AddToEncodedStatTable): a base of thousands of cells (classes) is copied,
// never decoded.
class StatAddOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::optional<Scope> scope = ScopeOfStatKey(std::string_view(in.key.data(), in.key.size()));
    if (!scope) return false;
    StatTable delta;  // the operands: a few cells each
    for (const rocksdb::Slice& op : in.operand_list)
      if (!AddStatTable(ToView(op), *scope, delta).ok()) return false;
    if (!in.existing_value) {
      out->new_value = EncodeStatTable(delta);
      return true;
    }
    Result<std::string> sum = AddToEncodedStatTable(ToView(*in.existing_value), delta);
    if (!sum.ok()) return false;
    out->new_value = std::move(*sum);
    return true;
  }
  bool PartialMergeMulti(const rocksdb::Slice& key, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger*) const override {
    std::optional<Scope> scope = ScopeOfStatKey(std::string_view(key.data(), key.size()));
    if (!scope) return false;
    StatTable sum;
    for (const rocksdb::Slice& op : operands)
      if (!AddStatTable(ToView(op), *scope, sum).ok()) return false;
    *new_value = EncodeStatTable(sum);
    return true;
  }
  const char* Name() const override { return "ledger.StatTableAdd"; }  // stored in existing stores: keep

 private:
  static std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }
};

// The prefix of a history key "h|<stream>|<seq:20>" is "h|<stream>|": its
// tables' Bloom filters then also hold the streams, and a history's seek
// skips every file without that stream (a store fresh from a bulk load has
// dozens of level-0 files, which a seek otherwise visits one by one). Other
// keys are outside the domain: their filters hold whole keys, as before.
class HistoryPrefixTransform : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "ledger.HistoryPrefix"; }  // stored in table files: keep
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - kSeqWidth);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() >= 3 + kSeqWidth && key[0] == 'h' && key[1] == '|' && key[key.size() - kSeqWidth - 1] == '|';
  }

 private:
  static constexpr size_t kSeqWidth = 20;
};

std::string Fixed(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  return buf;
}

std::string OffsetKey(int32_t p) { return "o|" + Fixed(p, 4); }
std::string ViewKey(const std::string& a) { return "v|" + a; }
std::string SealedKey(const std::string& a) { return "vs|" + a; }
std::string HeadKey(const std::string& s) { return "c|" + s; }
std::string HistoryPrefix(const std::string& s) { return "h|" + s + "|"; }
std::string MemberPrefix(const std::string& uai) { return "e|" + uai + "|"; }
constexpr char kFormatKey[] = "meta|format";
constexpr char kStatsFamily[] = "statistics";
// Whether files in `dir` can be written with O_DIRECT (tmpfs before Linux
// 6.6 refuses it; RocksDB would then fail every flush): a probe file, removed.
bool DirectWritesWork(const std::filesystem::path& dir) {
  const std::filesystem::path probe = dir / ".direct-io-probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  std::error_code ec;
  std::filesystem::remove(probe, ec);
  return true;
}

// A store is in `dir`: RocksDB's CURRENT names its MANIFEST (false when
// the folder cannot be read either).
bool HasStore(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / "CURRENT", ec);
}

// Whether the store in `dir` sizes its levels from the data it holds
// (RocksDB's level_compaction_dynamic_level_bytes): a new store does; one
// made before keeps the shape it was made with, read from the options file
// RocksDB keeps beside it — RocksDB 7 does not reshape an existing store's
// levels (its header: turning it on for an existing store "is not
// recommended"), and `ledger rebuild` makes a new one. Unreadable: as made
// before this, fixed sizes.
bool DynamicLevels(const std::filesystem::path& dir, rocksdb::Env* env) {
  if (!HasStore(dir)) return true;
  rocksdb::ConfigOptions config;
  config.env = env;
  config.ignore_unknown_options = true;  // ledger's merge operator and prefix extractor are not registered
  config.ignore_unsupported_options = true;
  rocksdb::DBOptions db;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  if (!rocksdb::LoadLatestOptions(config, dir.string(), &db, &families).ok()) return false;
  for (const rocksdb::ColumnFamilyDescriptor& f : families)
    if (f.name == rocksdb::kDefaultColumnFamilyName) return f.options.level_compaction_dynamic_level_bytes;
  return false;
}

constexpr size_t kBlockCacheBytes = size_t{128} << 20;  // filled only as blocks are read
constexpr int kBlockCacheShardBits = 2;
// What a compaction (Open) and a fold's view cursor (ViewCursor) read ahead
// in each table file they read: each file gets a buffer of that size, and
// both read hundreds of files at once — a live projector's level 0 holds
// 100-300 of them (337 at scale 20), which a compaction of level 0 merges
// with level 1's, and which a view cursor's merge seeks through. A scale-10
// year fed at 150 k events/s peaked at 1,462,052-1,609,940 KB resident with
// both at 2 MiB (the bound, 1.5 GiB, is 1,572,864 KB), 1,339,360-1,473,904
// KB with the compactions' at 256 KiB, 854,360-1,118,784 KB with both, at
// the same rate; with RocksDB's own readahead for the cursor (from 8 KiB up)
// 895,008-957,716 KB, no faster (README "National scale", session 37).
constexpr size_t kReadaheadBytes = size_t{256} << 10;

// "i|login|p.martin12\0": a key's entries, one per account.
std::string SearchPrefix(SearchIndex index, const std::string& key) {
  return "i|" + std::string(Name(index)) + "|" + key + std::string(1, '\0');
}

std::string StatPrefix(char tier, Scope scope) {
  return std::string("s") + tier + "|" + std::string(Name(scope)) + "|";
}

std::string StatKey(char tier, Scope scope, const std::string& period) {
  return StatPrefix(tier, scope) + period;
}

// Calls f(i, record) for each record of a history chunk; false if malformed.
template <typename F>
bool SplitChunk(std::string_view v, F f) {
  size_t i = 0, n = 0;
  while (i < v.size()) {
    uint32_t len;
    if (v.size() - i < 4) return false;
    std::memcpy(&len, v.data() + i, 4);
    i += 4;
    if (v.size() - i < len) return false;
    f(n++, v.substr(i, len));
    i += len;
  }
  return true;
}

std::string EncodeHead(const ChainHead& h) {
  std::string s(48, '\0');
  std::memcpy(s.data(), &h.seq, 8);
  std::memcpy(s.data() + 8, h.hash.data(), 32);
  std::memcpy(s.data() + 40, &h.occurred_at.micros, 8);
  return s;
}

// A full disk stays a recoverable (hard) error. RocksDB 7.8 files the
// failure to open a new write-ahead log when it switches memtables
// (DBImpl::SwitchMemtable, reason kMemTable) as fatal for any I/O error,
// NoSpace included (ErrorHandler's DefaultReasonMap), and a fatal error is
// never resumed: DBImpl::ResumeImpl refuses it until the store is reopened.
// Every recovery from a full disk switches memtables first (ResumeImpl
// flushes them all), so the first attempt made while the disk was still full
// (the SstFileManager's own, at once, or Commit's Resume) left the store
// unwritable for the life of the process. Nothing is lost by resuming: the
// write that failed was refused to its caller and its record is not written
// again (RocksDB drops a log buffer whose write failed), every acknowledged
// write's record had reached the file (no manual_wal_flush, no two-phase
// commit here), and the recovery flushes every memtable before it clears the
// error. Who retries: RocksDB's SstFileManager every 5 s when the first error
// was the failed write; when it was this switch itself (an ingestion's
// blocking flush on a full disk), RocksDB decided on no automatic recovery
// before asking, and the next Commit's or IngestTableFiles' Resume() does it.
class FullDiskStaysRecoverable : public rocksdb::EventListener {
 public:
  const char* Name() const override { return "FullDiskStaysRecoverable"; }
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override {
    if (reason == rocksdb::BackgroundErrorReason::kMemTable && error->IsNoSpace() &&
        error->severity() == rocksdb::Status::Severity::kFatalError)
      *error = rocksdb::Status(*error, rocksdb::Status::Severity::kHardError);
  }
};

// RocksDB's own diagnostics, errors only, to stderr instead of the store's
// LOG file: on a full disk that file is the first to fail, and RocksDB 7.8
// (Debian's, built with assertions) aborts the process at the next line it
// logs to a file that failed (WritableFileWriter::AssertFalseAndGetStatusForPrevError).
class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger(std::string dir, rocksdb::InfoLogLevel level) : rocksdb::Logger(level), dir_(std::move(dir)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    std::fprintf(stderr, "projection store %s: %s\n", dir_.c_str(), line);
  }

 private:
  std::string dir_;
};

// What an operator reads about a damaged store: the projections are derived
// data, so the fix is always to make them again from the log.
Status Damaged(const std::filesystem::path& dir, const std::string& what) {
  return DataLoss("projection store " + dir.string() + " is damaged (" + what +
                  "): run `ledger rebuild`, which projects the log again into a new store and "
                  "discards this one (the log is untouched)");
}

// A file the store names but cannot find (a table file, the MANIFEST CURRENT
// points to) is damage too, not a passing I/O failure.
Status FromRocks(const rocksdb::Status& s, const std::filesystem::path& dir) {
  if (s.ok()) return OkStatus();
  if (s.IsCorruption() || s.IsPathNotFound()) return Damaged(dir, s.ToString());
  std::string m = "projection store " + dir.string() + ": " + s.ToString();
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
    return FailedPrecondition(m + " (another ledger process is using it: wait for it or stop it)");
  return Unavailable(m);
}

// A file of a store's state: a MANIFEST, a table file, a write-ahead log.
bool IsStateFile(const std::filesystem::path& f) {
  return f.filename().string().starts_with("MANIFEST-") || f.extension() == ".sst" || f.extension() == ".log";
}

// True when `dir` holds files of a store (table files, a MANIFEST, a
// write-ahead log) but no CURRENT: RocksDB would take it for no store and
// create a new one over the remains, or fail half-way through doing so.
bool LostCurrent(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  if (HasStore(dir)) return false;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (IsStateFile(it->path())) return true;
  return false;
}

// A store whose creation was killed before RocksDB named its first MANIFEST
// in CURRENT: MANIFEST-000001 and no other MANIFEST, no table file, no
// write-ahead log — nothing was ever written to it. Its MANIFEST and
// temporary files are removed, so that the store is created again.
bool ClearedInterruptedCreation(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> remove;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& f = it->path();
    if (f.filename() == "MANIFEST-000001" || f.extension() == ".dbtmp") remove.push_back(f);
    else if (IsStateFile(f)) return false;
  }
  if (ec) return false;
  for (const fs::path& f : remove)
    if (!fs::remove(f, ec) || ec) return false;
  return true;
}

}  // namespace

ProjectionDb::ProjectionDb(std::filesystem::path dir, std::unique_ptr<rocksdb::DB> db,
                           std::vector<rocksdb::ColumnFamilyHandle*> families, bool bulk_load)
    : dir_(std::move(dir)), db_(std::move(db)), families_(std::move(families)), bulk_load_(bulk_load) {
  for (rocksdb::ColumnFamilyHandle* h : families_)
    if (h->GetName() == kStatsFamily) stats_ = h;
}

ProjectionDb::~ProjectionDb() { (void)Close(); }

Status ProjectionDb::Close() {
  if (!db_) return OkStatus();
  Status s;
  if (bulk_load_) s = FromRocks(db_->Flush(rocksdb::FlushOptions(), families_), dir_);
  for (rocksdb::ColumnFamilyHandle* h : families_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  families_.clear();
  stats_ = nullptr;
  db_.reset();
  return s;
}

rocksdb::ColumnFamilyHandle* ProjectionDb::Family(std::string_view key) const {
  return !key.empty() && key[0] == 's' && stats_ != nullptr ? stats_ : db_->DefaultColumnFamily();
}

Status ProjectionDb::FoldStatistics() {
  if (bulk_load_ && stats_ != nullptr) return FoldStatisticsIntoFiles();
  std::vector<std::pair<std::string, std::string>> folded;
  LEDGER_RETURN_IF_ERROR(Scan("s", [&](std::string_view k, std::string_view v) {
    if (ScopeOfStatKey(k)) folded.emplace_back(k, v);
    return true;
  }));
  rocksdb::WriteOptions wo;
  rocksdb::WriteBatch wb;
  for (const auto& [k, v] : folded) wb.Put(Family(k), k, v);
  return FromRocks(db_->Write(wo, &wb), dir_);
}

// A bulk load (a rebuild, discarded if it crashes): the folded values are
// streamed into table files, the family and its operands dropped (which
// deletes their files), and the files taken into a new family at its bottom
// level. Memory stays small however big the statistics are (at scale 20,
// reading them all into memory first took the rebuild's peak RSS to 2.9 GB);
// compacting instead had cost 3.8 s at scale 1.0.
Status ProjectionDb::FoldStatisticsIntoFiles() {
  const std::filesystem::path tmp = dir_.string() + ".statistics";
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  std::unique_ptr<TableFiles> files(new TableFiles(*this, tmp, "statistics", /*statistics=*/true, /*mixed=*/false));
  Status added;
  LEDGER_RETURN_IF_ERROR(Scan("s", [&](std::string_view k, std::string_view v) {
    if (ScopeOfStatKey(k)) added = files->Add(k, v);
    return added.ok();
  }));
  LEDGER_RETURN_IF_ERROR(added);
  LEDGER_RETURN_IF_ERROR(files->Finish());
  rocksdb::ColumnFamilyDescriptor descriptor;
  LEDGER_RETURN_IF_ERROR(FromRocks(stats_->GetDescriptor(&descriptor), dir_));
  LEDGER_RETURN_IF_ERROR(FromRocks(db_->DropColumnFamily(stats_), dir_));
  rocksdb::ColumnFamilyHandle* fresh = nullptr;
  LEDGER_RETURN_IF_ERROR(FromRocks(db_->CreateColumnFamily(descriptor.options, kStatsFamily, &fresh), dir_));
  std::replace(families_.begin(), families_.end(), stats_, fresh);
  db_->DestroyColumnFamilyHandle(stats_).PermitUncheckedError();
  stats_ = fresh;
  Status s = IngestTableFiles({files.get()});
  std::filesystem::remove_all(tmp, ec);
  return s;
}

Status ProjectionDb::CompactStatistics() {
  rocksdb::CompactRangeOptions o;
  // The bottom level too: operands there would otherwise stay under the
  // folded values until some later compaction reached them.
  o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  return FromRocks(db_->CompactRange(o, Family("s"), nullptr, nullptr), dir_);
}


Result<std::unique_ptr<ProjectionDb>> ProjectionDb::Open(const std::filesystem::path& dir,
                                                         Options options) {
  rocksdb::Options o;
  o.create_if_missing = options.create_if_missing;
  if (options.env != nullptr) o.env = options.env;
  // A reader's errors are returned to it; a writer's background ones are only logged.
  o.info_log = std::make_shared<StderrLogger>(
      dir.string(), options.read_only ? rocksdb::InfoLogLevel::FATAL_LEVEL : rocksdb::InfoLogLevel::ERROR_LEVEL);
  if (options.create_if_missing && !options.read_only) {
    std::error_code ec;  // else RocksDB logs an error for the directory it then creates
    std::filesystem::create_directories(dir, ec);
  }
  if (!options.read_only) o.listeners.push_back(std::make_shared<FullDiskStaysRecoverable>());
  o.merge_operator = std::make_shared<StatAddOperator>();
  // A projector reads each stream's view before it folds the stream's events:
  // for a new account that key is in no file, and without a filter every
  // level is searched for it — the rebuild slowed as the store grew. Bloom
  // filters answer "not here" from memory. XXH3 block checksums: Debian's
  // RocksDB computes CRC32C in software here. (Rebuild of 1.8 M events:
  // 64 s → 58 s with the filters → 52 s with XXH3; README "Benchmarks".)
  // Files written before keep their own checksum type and are read as they are.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.checksum = rocksdb::kXXH3;
  // Blocks of 16 KiB rather than RocksDB's 4. Histories first (a history is
  // read by a prefix scan of a chunk or more, and its records compress better
  // together; a scale-1 rebuild: store 667 -> 588 MB, CPU 12.7 -> 11.9 s;
  // 32 KiB: a little smaller and faster again, but a history read
  // decompresses twice as much), then every kind: a live fold walks every
  // view block of the store in key order, and a block costs a look-up, a
  // read, a checksum and a decompression whatever its size. Scale 1, fed at
  // 150 k events/s: 116-118 k -> 121-122 k events/s; batches only: 39 k ->
  // 46 k; queries unchanged (README "National scale"). Files written before
  // keep their blocks.
  table.block_size = size_t{16} << 10;
  // A statistics value of a big scope (every class of the académie, every
  // establishment) is one block of its own, megabytes at scale 10, and the
  // small values next to it (a department's table) share its block. In
  // RocksDB's default cache (32 MB in 64 shards) a block that large does not
  // stay, so every table read decompressed it again: 0.47 ms for the
  // department table at scale 10 against 0.008 at scale 1. 4 shards of 32 MB
  // keep it (0.008 ms at both scales; README "Benchmarks").
  table.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes, kBlockCacheShardBits);
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  o.prefix_extractor = std::make_shared<HistoryPrefixTransform>();
  // LZ4 rather than RocksDB's default Snappy: the same size here (667 MB at
  // scale 1 either way; 1.5 GB uncompressed) for less CPU when a rebuild
  // writes its table files (README "National scale"). Files written before
  // keep the compression they were written with.
  o.compression = rocksdb::kLZ4Compression;
  o.write_buffer_size = 64 << 20;
  // Flushes and compactions write (and compactions read) past the page
  // cache where the file system allows it: on this project's virtual
  // machines every page put in the cache is a fresh page of the host, and
  // the copy cost the live projector's background threads a fifth of their
  // CPU (README "National scale"). Reads of the store stay cached.
  // Their reads through a buffer per input file (kReadaheadBytes; with
  // direct I/O RocksDB's default would be 2 MiB).
  if (!options.read_only && DirectWritesWork(dir)) {
    o.use_direct_io_for_flush_and_compaction = true;
    o.compaction_readahead_size = kReadaheadBytes;
  }
  o.max_background_jobs = 2;
  // A live projector far behind folds in key order (live_projector.h): each
  // fold lays a dozen table files on level 0 (one per kind and folder),
  // faster than one compaction thread merges them down. RocksDB's write stop
  // (36 files by default) then held the projector's next batches until the
  // compactions caught up — two batches of 899 records took 8 s — while the
  // folds' own ingestions are never held, so the stop bounded nothing. Scale
  // 1 fed at 150 k events/s: level 0 reached 129 files, and 5 runs of ~41
  // lost 6-8 s (76-87 k events/s instead of 121-129 k); none of 20 since.
  // The price: level 0 stays larger, and the median is ~2 % lower at scale 1,
  // the same at scale 5 (README "National scale"). The stop remains for a
  // store so far behind its compactions that something else is wrong.
  o.level0_slowdown_writes_trigger = 400;
  o.level0_stop_writes_trigger = 800;
  // Level sizes follow the data rather than fixed ones from 256 MB up: a
  // live projector's folds lay level-0 files over every account, which the
  // compactions merge down. The scale-10 year fed at 75 k events/s on a
  // machine at half speed (as 150 k on a fast day), four runs each,
  // alternated: the folds waited 28.6-36.1 s for the compactions against
  // 47.9-58.4, level 0 ended at 188-219 files against 249-337, for 3-6 %
  // more CPU per event; the rate moved by less than the noise (README
  // "National scale", session 40). A reader compacts nothing: left as is.
  if (!options.read_only) o.level_compaction_dynamic_level_bytes = DynamicLevels(dir, o.env);
  o.keep_log_file_num = 3;
  // A statistics key takes one merge operand per batch: past this many in the
  // memtable, the write folds them, so reads of "now" stay short between
  // compactions (CompactStatistics folds those in files).
  o.max_successive_merges = 64;
  // A reader opens the files the MANIFEST names while a live writer's flush
  // or compaction may delete some of them (a table file, or the write-ahead
  // log holding the layout key): that looks like damage, or like a store of
  // another layout, once, not eight times in a row. A damaged store fails
  // every attempt.
  for (int attempt = 1;; ++attempt) {
    Result<std::unique_ptr<ProjectionDb>> db = OpenOnce(dir, options, o);
    const StatusCode code = db.ok() ? StatusCode::kOk : db.status().code();
    const bool raced = code == StatusCode::kDataLoss || code == StatusCode::kFailedPrecondition;
    if (db.ok() || !options.read_only || !raced || attempt == 8) return db;
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
  }
}

Result<std::unique_ptr<ProjectionDb>> ProjectionDb::OpenOnce(const std::filesystem::path& dir, const Options& options,
                                                             rocksdb::Options o) {
  if (LostCurrent(dir) && (options.read_only || !ClearedInterruptedCreation(dir)))
    return Damaged(dir, "its CURRENT file is missing");
  if (options.read_only) {
    // Every table file is opened now: files the writer's compactions delete
    // later stay readable through the open descriptors.
    o.max_open_files = -1;
  }
  // The families the store has (every one must be opened to write); a new
  // store gets the statistics family. A store of layout 2 or earlier has only
  // the default one: it is opened as it is, and CheckFormat refuses it.
  std::vector<std::string> names;
  const bool exists = HasStore(dir);
  if (exists) LEDGER_RETURN_IF_ERROR(FromRocks(rocksdb::DB::ListColumnFamilies(o, dir.string(), &names), dir));
  if (!exists && !options.read_only) names = {rocksdb::kDefaultColumnFamilyName, kStatsFamily};
  o.create_missing_column_families = !exists;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions(o));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    if (!exists) return NotFound("no projection store at " + dir.string() + ": run `ledger rebuild`");
    s = rocksdb::DB::OpenForReadOnly(o, dir.string(), families, &handles, &raw);
  } else {
    s = rocksdb::DB::Open(o, dir.string(), families, &handles, &raw);
  }
  if (!s.ok()) {
    if (s.IsInvalidArgument() && !options.create_if_missing)
      return NotFound("no projection store at " + dir.string() + ": run `ledger rebuild`");
    return FromRocks(s, dir);
  }
  std::unique_ptr<ProjectionDb> db(new ProjectionDb(dir, std::unique_ptr<rocksdb::DB>(raw), std::move(handles),
                                                    options.bulk_load && !options.read_only));
  if (options.verify_checksums)
    LEDGER_RETURN_IF_ERROR(FromRocks(VerifyTableFilesOnce(*db->db_, o, dir, options.verify_every_file,
                                                          &db->files_verified_), dir));
  LEDGER_RETURN_IF_ERROR(db->CheckFormat(options.read_only));
  return db;
}

Status ProjectionDb::CheckFormat(bool read_only) {
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> format, Get(kFormatKey));
  const std::string want = std::to_string(kFormat);
  if (format == want) return stats_ != nullptr ? OkStatus() : Damaged(dir_, "its statistics family is missing");
  bool empty = true;
  if (!format) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    it->SeekToFirst();
    LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), dir_));
    empty = !it->Valid();
  }
  if (!empty || format)
    return FailedPrecondition("the projection store " + dir_.string() + " has layout " +
                              (format ? *format : std::string("1")) + ", this ledger reads layout " + want +
                              ": run `ledger rebuild` (the log is untouched; the projections are made again from it)");
  if (read_only) return OkStatus();  // an empty store a writer has just created
  if (stats_ == nullptr) {
    // A creation killed after RocksDB made the store and before it added the
    // statistics family: the store is empty, it is finished now (before the
    // layout key, which says the store is whole).
    // Both families are opened with the same options (merge operator included).
    rocksdb::ColumnFamilyDescriptor like;
    LEDGER_RETURN_IF_ERROR(FromRocks(db_->DefaultColumnFamily()->GetDescriptor(&like), dir_));
    rocksdb::ColumnFamilyHandle* h = nullptr;
    LEDGER_RETURN_IF_ERROR(FromRocks(db_->CreateColumnFamily(like.options, kStatsFamily, &h), dir_));
    families_.push_back(h);
    stats_ = h;
  }
  rocksdb::WriteOptions wo;
  return FromRocks(db_->Put(wo, kFormatKey, want), dir_);
}

const std::string& ProjectionDb::Batch::PutView(const AccountView& v) {
  if (!v.sealed.empty()) puts_.emplace_back(SealedKey(v.id), v.sealed);
  return puts_.emplace_back(ViewKey(v.id), EncodeView(v, /*with_sealed=*/false)).second;
}
void ProjectionDb::Batch::PutHead(const std::string& stream, const ChainHead& head) {
  puts_.emplace_back(HeadKey(stream), EncodeHead(head));
}
void ProjectionDb::Batch::PutHistory(const std::string& stream, uint64_t seq, std::string_view record) {
  Chunk& c = history_[stream];  // a batch applies a stream's records in consecutive seqs
  if (c.bytes.empty()) c.first_seq = seq;
  uint32_t len = static_cast<uint32_t>(record.size());
  c.bytes.append(reinterpret_cast<const char*>(&len), 4);
  c.bytes.append(record);
}
void ProjectionDb::Batch::PutLink(const LinkView& l) {
  std::string v = EncodeLink(l);
  puts_.emplace_back("lg|" + l.guardian + "|" + l.pupil, v);
  puts_.emplace_back("lp|" + l.pupil + "|" + l.guardian, std::move(v));
}
namespace {
// The tiers of the statistics keys a change on `day` is added to, with their
// periods: all time, the year, the month, the day — in the order of
// StatAccumulator::Period.
std::array<std::pair<char, std::string>, 4> TiersOf(const Date& day) {
  const std::string d = FormatIsoDate(day);  // 2026-09-14
  return {{{'c', "-"}, {'y', d.substr(0, 4)}, {'m', d.substr(0, 7)}, {'d', d}}};
}
}  // namespace

void ProjectionDb::Batch::AddStats(const StatTable& delta, Timestamp at) {
  const auto tiers = TiersOf(DateOf(at));
  StatTable* tables[4] = {};
  std::optional<Scope> current;
  for (const auto& [cell, c] : delta) {
    if (cell.scope != current) {  // cells come grouped by scope (StatCell order)
      current = cell.scope;
      for (int i = 0; i < 4; ++i) tables[i] = &stats_[StatKey(tiers[i].first, cell.scope, tiers[i].second)];
    }
    for (StatTable* t : tables) (*t)[cell] += c;  // zero sums are dropped when encoded
  }
}
void ProjectionDb::Batch::AddStats(StatAccumulator& stats) {
  std::map<Date, StatTable> by_day;
  stats.Drain(by_day);
  for (const auto& [day, table] : by_day) AddStats(table, StartOfDay(day));
}
size_t ProjectionDb::Batch::stat_cells() const {
  size_t n = 0;
  for (const auto& [_, t] : stats_) n += t.size();
  return n;
}
Status ProjectionDb::Batch::AddPeriodStats(StatAccumulator& stats, size_t slice, const CommitFn& commit) {
  // The same keys as AddStats(delta, at) for an `at` in the period. The
  // sums come grouped by period: each scope's table of the current period
  // is looked up once.
  std::optional<std::pair<StatAccumulator::Period, Date>> current;
  std::pair<char, std::string> tier;  // of the current period
  std::array<StatTable*, 5> tables{};  // by Scope, for the current period
  size_t cells = 0;  // added since the last commit
  Status error;
  stats.DrainPeriods([&](StatAccumulator::Period p, const Date& first_day, const StatCell& cell, const StatCounts& c) {
    if (!error.ok()) return;
    if (commit && cells >= slice) {
      error = commit(*this);  // empties stats_: the tables are looked up again
      cells = 0;
      current.reset();
      if (!error.ok()) return;
    }
    if (!current || current->first != p || current->second != first_day) {
      current.emplace(p, first_day);
      tier = TiersOf(first_day)[static_cast<size_t>(p)];
      tables.fill(nullptr);
    }
    StatTable*& table = tables.at(static_cast<size_t>(cell.scope));
    if (table == nullptr) table = &stats_[StatKey(tier.first, cell.scope, tier.second)];
    (*table)[cell] += c;
    ++cells;
  });
  return error;
}
void ProjectionDb::Batch::PutQuarantine(const QuarantineEntry& q) {
  nlohmann::json j{{"partition", q.partition}, {"offset", q.offset}, {"key", q.key},
                   {"reason", q.reason}, {"bytes", q.bytes}};
  puts_.emplace_back("q|" + Fixed(q.partition, 4) + "|" + Fixed(q.offset, 20),
                     j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}
void ProjectionDb::Batch::PutSearchEntry(SearchIndex index, const std::string& key,
                                         const std::string& account) {
  if (key.empty()) return;
  puts_.emplace_back(SearchPrefix(index, key) + account, std::string());
}
void ProjectionDb::Batch::PutPlace(const Placement& p) {
  if (p.uai.empty()) return;
  places_["pu|" + p.uai.str()] = p.department + std::string(1, '\0') + p.academy;
  if (!p.department.empty()) places_["pd|" + p.department] = p.academy;
}
void ProjectionDb::Batch::SetMember(const std::string& uai, const std::string& account, bool member) {
  if (!uai.empty()) members_[MemberPrefix(uai) + account] = member;
}
void ProjectionDb::Batch::SetNextOffset(int32_t partition, int64_t offset) {
  puts_.emplace_back(OffsetKey(partition), std::string(reinterpret_cast<const char*>(&offset), 8));
}

Status ProjectionDb::Commit(Batch& batch, std::optional<std::pair<int32_t, int64_t>> expect_next) {
  std::unique_lock<std::mutex> fence(fence_mu_, std::defer_lock);
  if (expect_next) {
    fence.lock();
    LEDGER_ASSIGN_OR_RETURN(std::optional<int64_t> stored, NextOffset(expect_next->first));
    if (stored.value_or(0) != expect_next->second)
      return Aborted("partition " + std::to_string(expect_next->first) + " is at offset " +
                     std::to_string(stored.value_or(0)) + " in the store, not " +
                     std::to_string(expect_next->second) + ": another projector advanced it");
  }
  rocksdb::WriteBatch wb;
  for (const auto& [k, v] : batch.puts_) wb.Put(k, v);
  for (const auto& [k, v] : batch.places_) wb.Put(k, v);
  for (const auto& [k, member] : batch.members_) member ? wb.Put(k, "") : wb.Delete(k);
  for (const auto& [stream, c] : batch.history_)
    wb.Put(HistoryPrefix(stream) + Fixed(static_cast<int64_t>(c.first_seq), 20), c.bytes);
  for (const auto& [k, t] : batch.stats_)
    if (!t.empty()) wb.Merge(Family(k), k, EncodeStatTable(t));
  // No fsync: the WAL survives a process crash, and a machine crash can only
  // lose whole batches together with their offsets, which are then re-projected.
  rocksdb::WriteOptions wo;
  wo.disableWAL = bulk_load_;
  // After a failed write (disk full) RocksDB holds a background error and
  // refuses writes until resumed (or until its own recovery, under way, ends:
  // Resume() then says Busy); the write below says whether either worked.
  if (write_failed_) db_->Resume().PermitUncheckedError();
  write_failed_ = false;
  if (rocksdb::Status s = db_->Write(wo, &wb); !s.ok()) {
    write_failed_ = true;
    return FromRocks(s, dir_);
  }
  batch.puts_.clear();
  batch.stats_.clear();
  batch.history_.clear();
  batch.places_.clear();
  batch.members_.clear();
  return OkStatus();
}

Status ProjectionDb::Batch::Take(const EntryFn& put, const EntryFn& history, const KeyFn& removed) {
  for (const auto& [k, v] : puts_) LEDGER_RETURN_IF_ERROR(put(k, v));
  for (const auto& [k, member] : members_) {
    if (member) LEDGER_RETURN_IF_ERROR(put(k, ""));
    else if (removed) LEDGER_RETURN_IF_ERROR(removed(k));
  }
  for (const auto& [stream, c] : history_)
    LEDGER_RETURN_IF_ERROR(history(HistoryPrefix(stream) + Fixed(static_cast<int64_t>(c.first_seq), 20), c.bytes));
  puts_.clear();
  members_.clear();
  history_.clear();
  return OkStatus();
}

Status ProjectionDb::Batch::TakeRest(const EntryFn& put, const EntryFn& merge) {
  for (const auto& [k, v] : places_) LEDGER_RETURN_IF_ERROR(put(k, v));
  for (const auto& [k, t] : stats_)
    if (!t.empty()) LEDGER_RETURN_IF_ERROR(merge(k, EncodeStatTable(t)));
  places_.clear();
  stats_.clear();
  return OkStatus();
}

// A bulk load's table files are written past the page cache (O_DIRECT)
// where the file system allows it: RocksDB's SstFileWriter drops the pages
// it wrote from the cache anyway, and putting them there first cost the
// rebuild ~4 % of its CPU on this project's virtual machines (fresh pages
// of the host: consumers/run_file.h). Where it does not (tmpfs), as before.
struct ProjectionDb::TableFiles::Writer {
  Writer(const rocksdb::Options& o, bool direct) : sst(EnvOptionsOf(o, direct), o) {}
  static rocksdb::EnvOptions EnvOptionsOf(const rocksdb::Options& o, bool direct) {
    rocksdb::EnvOptions e(o);
    e.use_direct_writes = direct;
    return e;
  }
  rocksdb::SstFileWriter sst;
};

namespace {
// A bulk load's table files are cut at this size: an SstFileWriter keeps its
// whole file's filter and index in memory until it finishes, and the
// key-order rebuild has five per folder thread open at once (ten with the
// default two threads; scale 10: peak RSS 1,034,428 KB
// with 256 MB files, 931,000 with 64 MB, and no slower).
constexpr uint64_t kTableFileBytes = uint64_t{64} << 20;

// A key's kind: up to and including its first '|' (all of it if none).
std::string_view KindOf(std::string_view key) {
  const size_t bar = key.find('|');
  return bar == std::string_view::npos ? key : key.substr(0, bar + 1);
}
}  // namespace

ProjectionDb::TableFiles::TableFiles(const ProjectionDb& db, std::filesystem::path dir, std::string name,
                                     bool statistics, bool mixed)
    : db_(db), dir_(std::move(dir)), name_(std::move(name)), statistics_(statistics), mixed_(mixed) {}
ProjectionDb::TableFiles::~TableFiles() = default;

std::unique_ptr<ProjectionDb::TableFiles> ProjectionDb::NewTableFiles(const std::filesystem::path& dir,
                                                                      const std::string& name, Kinds kinds) const {
  return std::unique_ptr<TableFiles>(new TableFiles(*this, dir, name, /*statistics=*/false, kinds == Kinds::kMixed));
}

std::unique_ptr<ProjectionDb::TableFiles> ProjectionDb::NewStatisticsTableFiles(const std::filesystem::path& dir,
                                                                                const std::string& name,
                                                                                Kinds kinds) const {
  return std::unique_ptr<TableFiles>(new TableFiles(*this, dir, name, /*statistics=*/true, kinds == Kinds::kMixed));
}

Status ProjectionDb::TableFiles::Add(std::string_view key, std::string_view value) {
  return Stage(Op::kPut, key, value);
}
Status ProjectionDb::TableFiles::Delete(std::string_view key) { return Stage(Op::kDelete, key, {}); }
Status ProjectionDb::TableFiles::Merge(std::string_view key, std::string_view value) {
  return Stage(Op::kMerge, key, value);
}

// Holds the last entry back until the next: an equal key given again replaces it.
Status ProjectionDb::TableFiles::Stage(Op op, std::string_view key, std::string_view value) {
  if ((db_.Family(key) != db_.db_->DefaultColumnFamily()) != statistics_)
    return InvalidArgument("table file " + name_ + ": a key of another column family");
  if (pending_) {
    if (key == pending_key_) {
      pending_op_ = op;
      pending_value_.assign(value);
      return OkStatus();
    }
    if (std::string_view(pending_key_) > key)
      return InvalidArgument("table file " + name_ + ": keys out of order");
    LEDGER_RETURN_IF_ERROR(Write(pending_op_, pending_key_, pending_value_));
  }
  pending_op_ = op;
  pending_key_.assign(key);
  pending_value_.assign(value);
  pending_ = true;
  return OkStatus();
}

Status ProjectionDb::TableFiles::Write(Op op, std::string_view key, std::string_view value) {
  const std::filesystem::path& store = db_.dir_;
  if (writer_ && ((!mixed_ && KindOf(key) != kind_) || writer_->sst.FileSize() >= kTableFileBytes)) {
    LEDGER_RETURN_IF_ERROR(FromRocks(writer_->sst.Finish(), store));
    writer_.reset();
  }
  if (!writer_) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    const rocksdb::Options o = db_.db_->GetOptions(statistics_ ? db_.stats_ : db_.db_->DefaultColumnFamily());
    files_.push_back((dir_ / (name_ + "-" + std::to_string(files_.size()) + ".sst")).string());
    writer_ = std::make_unique<Writer>(o, direct_);
    rocksdb::Status opened = writer_->sst.Open(files_.back());
    if (!opened.ok() && direct_) {  // O_DIRECT refused: through the page cache from now on
      direct_ = false;
      writer_ = std::make_unique<Writer>(o, direct_);
      opened = writer_->sst.Open(files_.back());
    }
    LEDGER_RETURN_IF_ERROR(FromRocks(opened, store));
    kind_.assign(KindOf(key));
  }
  ++entries_;
  const rocksdb::Slice k(key.data(), key.size()), v(value.data(), value.size());
  switch (op) {
    case Op::kPut: return FromRocks(writer_->sst.Put(k, v), store);
    case Op::kDelete: return FromRocks(writer_->sst.Delete(k), store);
    case Op::kMerge: return FromRocks(writer_->sst.Merge(k, v), store);
  }
  return Internal("table file " + name_ + ": unknown operation");
}

Status ProjectionDb::TableFiles::Finish() {
  if (pending_) LEDGER_RETURN_IF_ERROR(Write(pending_op_, pending_key_, pending_value_));
  pending_ = false;
  if (!writer_) return OkStatus();
  Status s = FromRocks(writer_->sst.Finish(), db_.dir_);
  writer_.reset();
  return s;
}

Status ProjectionDb::IngestTableFiles(const std::vector<const TableFiles*>& writers, Layer layer) {
  std::vector<std::string> files[2];  // by family: default, statistics
  for (const TableFiles* w : writers) files[w->statistics_].insert(files[w->statistics_].end(), w->files().begin(), w->files().end());
  rocksdb::IngestExternalFileOptions o;
  o.move_files = true;  // a hard link: the same file system
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (int statistics = 0; statistics < 2; ++statistics) {
    if (files[statistics].empty()) continue;
    rocksdb::IngestExternalFileArg a;
    a.column_family = statistics ? stats_ : db_->DefaultColumnFamily();
    a.external_files = files[statistics];
    a.options = o;
    args.push_back(std::move(a));
  }
  if (args.empty()) return OkStatus();
  if (layer == Layer::kBottom) {
    for (const auto& a : args)  // one family's files at a time, as before
      LEDGER_RETURN_IF_ERROR(FromRocks(db_->IngestExternalFile(a.column_family, a.external_files, a.options), dir_));
    return OkStatus();
  }
  // Over the memtable's entries too (RocksDB flushes it first if they overlap).
  for (auto& a : args) a.options.allow_blocking_flush = true;
  if (write_failed_) db_->Resume().PermitUncheckedError();
  write_failed_ = false;
  if (rocksdb::Status s = db_->IngestExternalFiles(args); !s.ok()) {
    write_failed_ = true;
    return FromRocks(s, dir_);
  }
  return OkStatus();
}

Result<std::optional<std::string>> ProjectionDb::Get(const std::string& key, const rocksdb::Snapshot* snapshot) const {
  std::string v;
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  rocksdb::Status s = db_->Get(ro, Family(key), key, &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  LEDGER_RETURN_IF_ERROR(FromRocks(s, dir_));
  return std::optional<std::string>(std::move(v));
}

Status ProjectionDb::Scan(const std::string& prefix,
                          const std::function<bool(std::string_view, std::string_view)>& f,
                          const std::string& seek) const {
  rocksdb::ReadOptions ro;
  const std::string& from = seek.empty() ? prefix : seek;
  // A history's seek (a whole "h|<stream>|<seq>" key) may skip the files
  // without that stream's prefix; every other scan reads in total order.
  // Skipped files hold none of the stream's keys, so the loop below still
  // sees all of them in order; past them it may miss keys of other prefixes
  // (a stream named "<stream>|<digits>"), which History() skips anyway.
  const bool history = HistoryPrefixTransform().InDomain(from) && from.size() == prefix.size() + 20;
  ro.total_order_seek = !history;
  // An empty prefix (Dump) visits every family, each in key order.
  std::vector<rocksdb::ColumnFamilyHandle*> families{Family(prefix)};
  if (prefix.empty()) families = families_;
  for (rocksdb::ColumnFamilyHandle* family : families) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, family));
    for (it->Seek(from); it->Valid() && it->key().starts_with(prefix); it->Next())
      if (!f(std::string_view(it->key().data(), it->key().size()),
             std::string_view(it->value().data(), it->value().size())))
        return FromRocks(it->status(), dir_);
    LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), dir_));
  }
  return OkStatus();
}

Result<std::optional<int64_t>> ProjectionDb::NextOffset(int32_t partition) const {
  LEDGER_ASSIGN_OR_RETURN(auto v, Get(OffsetKey(partition)));
  if (!v) return std::optional<int64_t>();
  if (v->size() != 8) return DataLoss("projection store " + dir_.string() + ": bad offset entry");
  int64_t o;
  std::memcpy(&o, v->data(), 8);
  return std::optional<int64_t>(o);
}

namespace {
Result<std::optional<AccountView>> FoundView(std::string_view bytes) {
  LEDGER_ASSIGN_OR_RETURN(AccountView view, DecodeView(bytes));
  return std::optional<AccountView>(std::move(view));
}
}  // namespace

Status ProjectionDb::ForEachView(const std::function<bool(std::string_view, std::string_view)>& f) const {
  const std::string prefix = ViewKey("");
  return Scan(prefix, [&](std::string_view k, std::string_view v) { return f(k.substr(prefix.size()), v); });
}

// A live projector's folds lay a dozen table files on level 0 each, and one
// compaction thread merges level 0 into level 1 — all of level 1 each time,
// for a fold's files span every account. At normal priority it took a third
// of the two cores while the projector followed a feed of 150 k events/s at
// scale 1, and the faster the folds, the more often it ran (each run
// rewriting all of level 1 again): freeing the folds' view reads gave the
// projector nothing. At nice 19 the folds and the service's requests come
// first; compactions take the idle time and merge more files at once (1.1 →
// 0.5 GB rewritten in that run), and the projector slows the debt they
// leave (LiveProjector::Options::fold_level0_limit). The pool is the
// process's: ledgerd's write-state and key stores compact there too, at nice
// 19 as well — small compactions, but they wait longer for a CPU while the
// folds keep both busy. README "National scale".
void ProjectionDb::LowerCompactionPriority() {
  rocksdb::Env::Default()
      ->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW, rocksdb::CpuPriority::kLow)
      .PermitUncheckedError();
}

Result<std::optional<AccountView>> ProjectionDb::View(const std::string& account, bool with_sealed) const {
  LEDGER_ASSIGN_OR_RETURN(auto v, Get(ViewKey(account)));
  if (!v) return std::optional<AccountView>();
  LEDGER_ASSIGN_OR_RETURN(std::optional<AccountView> view, FoundView(*v));
  if (!with_sealed) return view;
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> sealed, Get(SealedKey(account)));
  if (sealed && !sealed->empty()) {
    view->sealed = std::move(*sealed);
    view->personal = PersonalData::kSealed;
  }
  return view;
}

ProjectionDb::ViewCursor::ViewCursor(const ProjectionDb& db) : db_(db), snapshot_(db.db_->GetSnapshot()) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  ro.readahead_size = kReadaheadBytes;  // per table file read: hundreds of them
  ro.fill_cache = false;      // a fold's reads: not what queries read next
  ro.total_order_seek = true;  // views are outside the histories' prefixes anyway
  it_.reset(db_.db_->NewIterator(ro, db_.db_->DefaultColumnFamily()));
}
ProjectionDb::ViewCursor::~ViewCursor() {
  it_.reset();
  db_.db_->ReleaseSnapshot(snapshot_);
}
std::unique_ptr<ProjectionDb::ViewCursor> ProjectionDb::NewViewCursor() const {
  return std::unique_ptr<ViewCursor>(new ViewCursor(*this));
}

void ProjectionDb::ViewCursor::Reach(const std::string& key) {
  if (!positioned_) {
    it_->Seek(key);
    ++reads_.seeks;
    positioned_ = true;
    return;
  }
  // Steps forward cost less than a seek: a seek searches the index of every
  // table file on level 0 (a live projector's folds leave 100-300 there), a
  // step moves one file's block iterator and the merge's heap. Up to 256 steps
  // (16 before): a fed scale-10 live run 12.0 -> 11.0-11.3 us of CPU per
  // event; 1,024 no better (README "National scale", session 35).
  for (int step = 0; step < kStepsBeforeSeek && it_->Valid() && it_->key().compare(key) < 0; ++step) {
    const rocksdb::Slice k = it_->key();
    if (key.starts_with(std::string_view(k.data(), k.size()))) {
      if (passed_.size() >= kPassedViews) passed_.clear();
      passed_.insert_or_assign(k.ToString(), it_->value().ToString());
    }
    it_->Next();
    ++reads_.steps;
  }
  if (it_->Valid() && it_->key().compare(key) < 0) {
    it_->Seek(key);
    ++reads_.seeks;
  }
}

Result<std::optional<AccountView>> ProjectionDb::ViewCursor::View(const std::string& account) {
  ++reads_.views;
  const std::string key = ViewKey(account);
  if (positioned_ && key < last_) {  // behind the iterator
    if (auto it = passed_.find(key); it != passed_.end()) {
      Result<std::optional<AccountView>> view = FoundView(it->second);
      passed_.erase(it);
      return view;
    }
    ++point_lookups_;  // of the cursor's snapshot, as the iterator reads
    LEDGER_ASSIGN_OR_RETURN(auto v, db_.Get(key, snapshot_));
    if (!v) return std::optional<AccountView>();
    return FoundView(*v);
  }
  if (!positioned_ || (it_->Valid() && it_->key().compare(key) < 0)) Reach(key);
  last_ = key;
  LEDGER_RETURN_IF_ERROR(FromRocks(it_->status(), db_.dir_));
  // The iterator is at the first key >= every key asked so far, so at this one if it exists.
  if (!it_->Valid() || it_->key() != rocksdb::Slice(key)) return std::optional<AccountView>();
  return FoundView(std::string_view(it_->value().data(), it_->value().size()));
}

namespace {
// A numeric property of `h`, read as text (level 0's file count is not among
// RocksDB's integer properties); 0 when RocksDB cannot give it.
int64_t NumericProperty(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* h, const std::string& name) {
  std::string v;
  if (!db.GetProperty(h, name, &v)) return 0;
  int64_t n = 0;
  return std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc() ? n : 0;
}
}  // namespace

ProjectionDb::CompactionDebt ProjectionDb::Compaction() const {
  CompactionDebt d;
  auto property = [this](rocksdb::ColumnFamilyHandle* h, const std::string& name) {
    return NumericProperty(*db_, h, name);
  };
  for (rocksdb::ColumnFamilyHandle* h : families_) {
    d.level0_files += property(h, rocksdb::DB::Properties::kNumFilesAtLevelPrefix + std::string("0"));
    d.pending_bytes += property(h, rocksdb::DB::Properties::kEstimatePendingCompactionBytes);
  }
  d.running = property(db_->DefaultColumnFamily(), rocksdb::DB::Properties::kNumRunningCompactions);
  d.writes_stopped = property(db_->DefaultColumnFamily(), rocksdb::DB::Properties::kIsWriteStopped) != 0;
  return d;
}

ProjectionDb::MemoryUse ProjectionDb::Memory() const {
  MemoryUse m;
  auto property = [this](rocksdb::ColumnFamilyHandle* h, const std::string& name) {
    return NumericProperty(*db_, h, name);
  };
  for (rocksdb::ColumnFamilyHandle* h : families_) {
    m.memtables += property(h, rocksdb::DB::Properties::kCurSizeAllMemTables);
    m.table_readers += property(h, rocksdb::DB::Properties::kEstimateTableReadersMem);
  }
  // One cache for both families (their table options share it).
  m.block_cache = property(db_->DefaultColumnFamily(), rocksdb::DB::Properties::kBlockCacheUsage);
  m.block_cache_pinned = property(db_->DefaultColumnFamily(), rocksdb::DB::Properties::kBlockCachePinnedUsage);
  return m;
}

Result<std::optional<ChainHead>> ProjectionDb::Head(const std::string& stream) const {
  LEDGER_ASSIGN_OR_RETURN(auto v, Get(HeadKey(stream)));
  if (!v) return std::optional<ChainHead>();
  if (v->size() != 48) return DataLoss("projection store " + dir_.string() + ": bad head of " + stream);
  ChainHead h;
  std::memcpy(&h.seq, v->data(), 8);
  std::memcpy(h.hash.data(), v->data() + 8, 32);
  std::memcpy(&h.occurred_at.micros, v->data() + 40, 8);
  return std::optional<ChainHead>(h);
}

Result<std::vector<std::string>> ProjectionDb::History(const std::string& stream) const {
  std::vector<std::string> out;
  const std::string prefix = HistoryPrefix(stream);
  Status err;
  LEDGER_RETURN_IF_ERROR(Scan(prefix, [&](std::string_view k, std::string_view v) {
    if (k.size() != prefix.size() + 20) return true;  // a stream named "<stream>|…"
    if (!SplitChunk(v, [&](size_t, std::string_view r) { out.emplace_back(r); })) {
      err = DataLoss("projection store " + dir_.string() + ": malformed history chunk " + std::string(k));
      return false;
    }
    return true;
  }, prefix + Fixed(0, 20)));  // a whole key: the seek may use the stream's filter
  LEDGER_RETURN_IF_ERROR(err);
  return out;
}

Result<std::vector<LinkView>> ProjectionDb::LinksOfPupil(const std::string& pupil) const {
  std::vector<LinkView> out;
  Status err;
  LEDGER_RETURN_IF_ERROR(Scan("lp|" + pupil + "|", [&](std::string_view, std::string_view v) {
    Result<LinkView> l = DecodeLink(v);
    if (!l.ok()) {
      err = l.status();
      return false;
    }
    if (l->pupil == pupil) out.push_back(std::move(*l));
    return true;
  }));
  LEDGER_RETURN_IF_ERROR(err);
  return out;
}

Status ProjectionDb::SumPeriods(Scope scope, char tier, const PeriodRange& r, StatTable& table) const {
  const std::string prefix = StatPrefix(tier, scope);
  Status err;
  LEDGER_RETURN_IF_ERROR(Scan(prefix, [&](std::string_view k, std::string_view v) {
    std::string_view p = k.substr(prefix.size());
    if (p == r.lo && !r.lo_inclusive) return true;
    if (p > r.hi || (p == r.hi && !r.hi_inclusive)) return false;  // periods are in key order
    Result<StatTable> t = DecodeStatTable(v, scope);
    if (!t.ok()) {
      err = t.status().WithContext("projection store " + dir_.string() + " key " + std::string(k));
      return false;
    }
    Accumulate(table, *t);
    return true;
  }, prefix + r.lo));
  return err;
}

Result<StatTable> ProjectionDb::Stats(Scope scope, std::optional<Date> as_of) const {
  StatTable table;
  if (!as_of) {
    LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'c', {"-", true, "-", true}, table));
    return table;
  }
  // Whole years before D's year, whole months before D's month, days up to D.
  const std::string day = FormatIsoDate(*as_of), year = day.substr(0, 4), month = day.substr(0, 7);
  LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'y', {"", true, year, false}, table));
  LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'm', {year + "-", true, month, false}, table));
  LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'd', {month + "-", true, day, true}, table));
  return table;
}

Result<StatTable> ProjectionDb::StatsChange(Scope scope, Date after, Date upto) const {
  StatTable table;
  if (upto <= after) return table;
  const std::string a = FormatIsoDate(after), b = FormatIsoDate(upto);
  const std::string a_month = a.substr(0, 7), b_month = b.substr(0, 7);
  const std::string a_year = a.substr(0, 4), b_year = b.substr(0, 4);
  if (a_month == b_month) {  // one month: its days (a, b]
    LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'd', {a, false, b, true}, table));
    return table;
  }
  // The rest of a's month, whole months (and years) up to b's month, then b's days.
  LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'd', {a, false, a_month + "-31", true}, table));
  if (a_year == b_year) {
    LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'm', {a_month, false, b_month, false}, table));
  } else {
    LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'm', {a_month, false, a_year + "-12", true}, table));
    LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'y', {a_year, false, b_year, false}, table));
    LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'm', {b_year + "-", true, b_month, false}, table));
  }
  LEDGER_RETURN_IF_ERROR(SumPeriods(scope, 'd', {b_month + "-", true, b, true}, table));
  return table;
}

Result<std::vector<QuarantineEntry>> ProjectionDb::Quarantine() const {
  std::vector<QuarantineEntry> out;
  LEDGER_RETURN_IF_ERROR(Scan("q|", [&](std::string_view, std::string_view v) {
    nlohmann::json j = nlohmann::json::parse(v, nullptr, false);
    if (j.is_discarded()) return true;
    out.push_back(QuarantineEntry{j.value("partition", 0), j.value("offset", int64_t{0}),
                                  j.value("key", ""), j.value("reason", ""),
                                  j.value("bytes", size_t{0})});
    return true;
  }));
  return out;
}

Result<std::vector<std::string>> ProjectionDb::FindAccounts(SearchIndex index,
                                                           const std::string& key) const {
  std::vector<std::string> out;
  if (key.empty()) return out;
  const std::string prefix = SearchPrefix(index, key);
  LEDGER_RETURN_IF_ERROR(Scan(prefix, [&](std::string_view k, std::string_view) {
    out.emplace_back(k.substr(prefix.size()));
    return true;
  }));
  return out;
}

Result<std::vector<std::string>> ProjectionDb::MembersOf(const std::string& uai) const {
  std::vector<std::string> out;
  if (uai.empty()) return out;
  const std::string prefix = MemberPrefix(uai);
  LEDGER_RETURN_IF_ERROR(Scan(prefix, [&](std::string_view k, std::string_view) {
    out.emplace_back(k.substr(prefix.size()));
    return true;
  }));
  return out;
}

Result<std::optional<Place>> ProjectionDb::PlaceOfEstablishment(const std::string& uai) const {
  LEDGER_ASSIGN_OR_RETURN(auto v, Get("pu|" + uai));
  if (!v) return std::optional<Place>();
  size_t sep = v->find('\0');
  if (sep == std::string::npos) return DataLoss("projection store " + dir_.string() + ": bad place of " + uai);
  return std::optional<Place>(Place{v->substr(0, sep), v->substr(sep + 1)});
}

Result<std::optional<std::string>> ProjectionDb::AcademyOfDepartment(const std::string& department) const {
  return Get("pd|" + department);
}

Result<std::map<std::string, std::string>> ProjectionDb::Dump(bool with_offsets) const {
  std::map<std::string, std::string> out;
  LEDGER_RETURN_IF_ERROR(Scan("", [&](std::string_view k, std::string_view v) {
    if (k.starts_with("o|") && !with_offsets) return true;
    if (std::optional<Scope> scope = ScopeOfStatKey(k)) {
      // Re-encoded: batches that summed differently leave the same cells.
      Result<StatTable> t = DecodeStatTable(v, *scope);
      if (t.ok() && t->empty()) return true;
      out.emplace(std::string(k), t.ok() ? EncodeStatTable(*t) : std::string(v));
      return true;
    }
    if (k.starts_with("h|") && k.size() > 22) {
      // One entry per record, whatever batches wrote them.
      std::string_view head = k.substr(0, k.size() - 20);
      uint64_t first = std::strtoull(std::string(k.substr(k.size() - 20)).c_str(), nullptr, 10);
      if (SplitChunk(v, [&](size_t i, std::string_view r) {
            out.emplace(std::string(head) + Fixed(static_cast<int64_t>(first + i), 20), std::string(r));
          }))
        return true;
    }
    out.emplace(std::string(k), std::string(v));
    return true;
  }));
  return out;
}

}  // namespace ledger
