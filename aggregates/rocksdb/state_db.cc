#include "aggregates/rocksdb/state_db.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

namespace ledger {
namespace {

Status FromRocks(const rocksdb::Status& s, const std::filesystem::path& dir) {
  if (s.ok()) return OkStatus();
  std::string m = "state store " + dir.string() + ": " + s.ToString();
  if (s.IsCorruption()) return DataLoss(m + " (delete the directory: it is rebuilt from the log)");
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
    return FailedPrecondition(m + " (another ledger process is writing: wait for it or stop it)");
  return Unavailable(m);
}

rocksdb::Options StoreOptions() {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.checksum = rocksdb::kXXH3;
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  o.write_buffer_size = 64 << 20;
  o.max_write_buffer_number = 2;
  o.max_background_jobs = 2;
  o.keep_log_file_num = 2;
  o.compression = rocksdb::kLZ4Compression;
  // Most lookups are of keys that are in no file and not in the memtable
  // (a new command id, a new account): a filter over the memtable answers
  // them without a search of its skip list.
  o.memtable_prefix_bloom_size_ratio = 0.05;
  o.memtable_whole_key_filtering = true;
  o.info_log_level = rocksdb::InfoLogLevel::ERROR_LEVEL;
  return o;
}

}  // namespace

StateDb::StateDb(std::filesystem::path dir, std::unique_ptr<rocksdb::DB> db)
    : dir_(std::move(dir)), db_(std::move(db)) {}

StateDb::~StateDb() {
  if (!db_) return;
  // Writes skip the write-ahead log: what the memtable holds is kept by a flush.
  db_->Flush(rocksdb::FlushOptions()).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
}

Result<std::unique_ptr<StateDb>> StateDb::Open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const rocksdb::Options o = StoreOptions();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, dir.string(), &raw);
  bool recreated = false;
  if (s.IsCorruption()) {  // derived data: start again, the handler refolds the log
    LEDGER_RETURN_IF_ERROR(FromRocks(rocksdb::DestroyDB(dir.string(), o), dir));
    std::filesystem::create_directories(dir, ec);
    s = rocksdb::DB::Open(o, dir.string(), &raw);
    recreated = true;
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(s, dir));
  std::unique_ptr<StateDb> db(new StateDb(dir, std::unique_ptr<rocksdb::DB>(raw)));
  db->recreated_ = recreated;
  return db;
}

Result<std::optional<std::string>> StateDb::Get(std::string_view key) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  LEDGER_RETURN_IF_ERROR(FromRocks(s, dir_));
  return std::optional<std::string>(std::move(value));
}

Status StateDb::Apply(std::span<const std::pair<std::string, std::string>> puts,
                      std::span<const std::string> deletes) {
  rocksdb::WriteBatch batch;
  for (const auto& [k, v] : puts) LEDGER_RETURN_IF_ERROR(FromRocks(batch.Put(k, v), dir_));
  for (const std::string& k : deletes) LEDGER_RETURN_IF_ERROR(FromRocks(batch.Delete(k), dir_));
  // No write-ahead log: after a crash the store is what its last flushed
  // memtable held — whole batches, hence still the fold of a prefix of the
  // log, which Open completes. (A WAL would only shorten that fold.)
  rocksdb::WriteOptions w;
  w.disableWAL = true;
  return FromRocks(db_->Write(w, &batch), dir_);
}

Status StateDb::Scan(std::string_view prefix, const Visitor& visit) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next())
    if (!visit(std::string_view(it->key().data(), it->key().size()),
               std::string_view(it->value().data(), it->value().size())))
      break;
  return FromRocks(it->status(), dir_);
}

Status StateDb::Clear() {
  // Every key the handler writes begins with a byte below 0xff.
  const std::string end(1, '\xff');
  LEDGER_RETURN_IF_ERROR(FromRocks(db_->DeleteRange(rocksdb::WriteOptions(), db_->DefaultColumnFamily(), "", end), dir_));
  return FromRocks(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr), dir_);
}

}  // namespace ledger
