#include "events/privacy/rocksdb/rocksdb_key_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <thread>

namespace ledger::privacy {
namespace {

constexpr char kFormatKey[] = "\x01" "format";
constexpr char kFormat[] = "ledger-keys-1";
// Person keys never start with 0x01: the format key sorts first, apart.

// Errors only, to stderr (see projections/rocksdb/projection_db.cc: Debian's
// RocksDB aborts on a LOG file that failed).
class ErrorsToStderr : public rocksdb::Logger {
 public:
  explicit ErrorsToStderr(std::string dir, rocksdb::InfoLogLevel level)
      : rocksdb::Logger(level), dir_(std::move(dir)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    std::fprintf(stderr, "key store %s: %s\n", dir_.c_str(), line);
  }

 private:
  std::string dir_;
};

Status FromRocks(const rocksdb::Status& s, const std::filesystem::path& dir) {
  if (s.ok()) return OkStatus();
  std::string m = "key store " + dir.string() + ": " + s.ToString();
  if (s.IsCorruption())
    return DataLoss(m + " (restore DATA/keys from its backup: without it the personal fields it keys are lost)");
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
    return FailedPrecondition(m + " (another ledger process writes it: go through ledgerd, or wait)");
  return Unavailable(m);
}

}  // namespace

RocksDbKeyStore::RocksDbKeyStore(std::filesystem::path dir, std::unique_ptr<rocksdb::DB> db)
    : dir_(std::move(dir)), db_(std::move(db)) {}
RocksDbKeyStore::~RocksDbKeyStore() = default;

Result<std::unique_ptr<RocksDbKeyStore>> RocksDbKeyStore::Open(const std::filesystem::path& dir, bool read_only) {
  rocksdb::Options o;
  o.create_if_missing = !read_only;
  o.info_log = std::make_shared<ErrorsToStderr>(
      dir.string(), read_only ? rocksdb::InfoLogLevel::FATAL_LEVEL : rocksdb::InfoLogLevel::ERROR_LEVEL);
  o.keep_log_file_num = 2;
  o.max_background_jobs = 1;
  o.write_buffer_size = 16 << 20;
  // Most lookups of a write path are misses (a new person): a Bloom filter
  // answers them without reading table blocks.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (!read_only) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
  }
  for (int attempt = 1;; ++attempt) {
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s;
    if (read_only) {
      if (!std::filesystem::exists(dir / "CURRENT"))
        return NotFound("no key store at " + dir.string() + " (no personal data was ever written)");
      o.max_open_files = -1;
      s = rocksdb::DB::OpenForReadOnly(o, dir.string(), &raw);
    } else {
      s = rocksdb::DB::Open(o, dir.string(), &raw);
    }
    if (s.ok()) {
      std::unique_ptr<RocksDbKeyStore> store(new RocksDbKeyStore(dir, std::unique_ptr<rocksdb::DB>(raw)));
      std::string format;
      rocksdb::Status f = store->db_->Get(rocksdb::ReadOptions(), kFormatKey, &format);
      if (f.IsNotFound() && !read_only) {
        rocksdb::WriteOptions wo;
        wo.sync = true;
        LEDGER_RETURN_IF_ERROR(FromRocks(store->db_->Put(wo, kFormatKey, kFormat), dir));
      } else if (!f.ok() && !f.IsNotFound()) {
        return FromRocks(f, dir);
      } else if (f.ok() && format != kFormat) {
        return FailedPrecondition("key store " + dir.string() + " has format '" + format + "', this ledger reads '" +
                                  kFormat + "' (a newer ledger wrote it)");
      }
      return store;
    }
    // A reader meeting the writer's flush or compaction mid-way: try again.
    if (!read_only || !s.IsCorruption() || attempt == 8) return FromRocks(s, dir);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
  }
}

Result<std::optional<std::string>> RocksDbKeyStore::Get(const std::string& person) {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), person, &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  LEDGER_RETURN_IF_ERROR(FromRocks(s, dir_));
  return std::optional<std::string>(std::move(v));
}

Status RocksDbKeyStore::Put(const std::string& person, std::string_view wrapped) {
  if (person.empty() || person[0] == '\x01') return InvalidArgument("key store: not an account id");
  return FromRocks(db_->Put(rocksdb::WriteOptions(), person, rocksdb::Slice(wrapped.data(), wrapped.size())), dir_);
}

Status RocksDbKeyStore::ForEach(
    const std::function<Status(const std::string& person, std::string_view wrapped)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().starts_with("\x01")) continue;  // the format key
    LEDGER_RETURN_IF_ERROR(visit(it->key().ToString(), std::string_view(it->value().data(), it->value().size())));
  }
  return FromRocks(it->status(), dir_);
}

Status RocksDbKeyStore::PutMany(const std::vector<std::pair<std::string, std::string>>& keys) {
  rocksdb::WriteBatch batch;
  for (const auto& [person, wrapped] : keys) {
    if (person.empty() || person[0] == '\x01') return InvalidArgument("key store: not an account id");
    batch.Put(person, wrapped);
  }
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), dir_);
}

Status RocksDbKeyStore::Sync() { return FromRocks(db_->SyncWAL(), dir_); }

Status RocksDbKeyStore::Erase(const std::string& person) {
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> present, Get(person));
  if (!present) return OkStatus();  // erased already: nothing to rewrite
  rocksdb::WriteOptions wo;
  wo.sync = true;
  LEDGER_RETURN_IF_ERROR(FromRocks(db_->Delete(wo, person), dir_));
  // The value may still sit in the memtable (and its write-ahead log) and in
  // table files at any level: flush, then rewrite every file whose range
  // holds the key, down to the bottommost level, dropping it for good.
  LEDGER_RETURN_IF_ERROR(FromRocks(db_->Flush(rocksdb::FlushOptions()), dir_));
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  const rocksdb::Slice key(person);
  return FromRocks(db_->CompactRange(co, &key, &key), dir_);
}

}  // namespace ledger::privacy
