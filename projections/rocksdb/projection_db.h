// ProjectionDb: the read models (ARCHITECTURE.md §6) in one RocksDB database.
//
// Key space ('|' separates parts), in two RocksDB column families: the
// statistics keys ("s…") in `statistics`, every other key in the default one.
// A table read then seeks among the statistics' few files alone, not among
// every view and history of a national store (ProjectionDb::Family):
//   o|<partition:4>                      next source offset to project (8 bytes LE)
//   v|<account>                          AccountView (view_codec), its state alone: its
//                                        `sealed` is empty here (the next key)
//   vs|<account>                         the account's sealed personal fields
//                                        (AccountView::sealed), written once, at its creation
//   c|<stream>                           an establishment stream's chain head (seq, hash,
//                                        occurred_at); an account's head is in its view
//   h|<stream>|<seq:20>                  the stream's records from that seq on, as stored
//                                        in the log, that one batch applied (u32 length + bytes each)
//   lg|<guardian>|<pupil>, lp|<pupil>|<guardian>   LinkView, both ways
//   s<tier>|<scope>|<period>             the deltas of every cell of that scope in that
//        period (EncodeStatTable); tier c: period "-" (the current table); y "2026";
//        m "2026-09"; d "2026-09-14". Added by a merge operator: writers never read them.
//   q|<partition:4>|<offset:20>          a quarantined record (JSON)
//   i|<index>|<key>\0<account>          account search (index "login" or "ine"; key =
//                                        SearchKey(), see search_key.h); empty value
//   pu|<uai>                             an establishment's department and academy
//                                        ("<department>\0<academy>"), from placements seen
//   pd|<department>                      a department's academy
//   e|<uai>|<account>                    the accounts of an establishment now: a pupil
//                                        schooled there, a guardian with an active link
//                                        to a pupil there; closed accounts in none. Empty value
//   meta|format                          the store's layout version (kFormat); a store
//                                        without it, or another, is refused: `ledger rebuild`
//
// Everything a batch of events changes, and the source offsets it advances,
// are written in ONE WriteBatch (Commit): after a crash the store is exactly
// the projection of a prefix of each partition. Stats "as of D" sum the year
// deltas before D's year, the month deltas before D's month in that year and
// the day deltas up to D: at most ~45 keys per query, whatever the history.
//
// One process opens a store for writing at a time (RocksDB's LOCK): a second
// gets FailedPrecondition. Other processes may read it meanwhile, read-only
// (Options::Reader): they see what the writer had committed when they opened.
// (Not as a RocksDB secondary instance: its catch-up re-applied merge
// operands already replayed — statistics counted twice.)
// Thread-safety: reads are thread-safe; a Batch is not.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/hash_chain.h"
#include "events/status.h"
#include "projections/account_view.h"
#include "projections/search_key.h"
#include "projections/stat_accumulator.h"
#include "projections/stats.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Iterator;
class Snapshot;
}

namespace rocksdb {
class Env;
struct Options;
}

namespace ledger {

// Where an establishment sits (from the placements events carry).
struct Place {
  std::string department;
  std::string academy;
  friend bool operator==(const Place&, const Place&) = default;
};

struct QuarantineEntry {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string reason;
  size_t bytes = 0;
};

class ProjectionDb {
 public:
  // The layout version this code writes and reads: 2 added the establishment
  // index and the contact and notice fields of views; 3 moved the statistics
  // into their own column family; 4 keeps the views' sealed personal fields
  // under keys of their own (vs|), out of the state every event rewrites.
  static constexpr int kFormat = 4;
  struct Options {
    bool create_if_missing = true;
    bool read_only = false;
    // For a rebuild into a fresh directory: no write-ahead log (a crash loses
    // the whole rebuild, which is then discarded), one flush at Close().
    bool bulk_load = false;
    // Check the blocks' checksums of the table files at Open, so a damaged
    // store is refused at once rather than at the first read of the damaged
    // block (README "Damage": ~0.3 s per GB from the page cache) — each file
    // once: one verified before and unchanged since is not read again
    // (verified_files.h; damage that changes no file time is then found by
    // the read that meets it). `verify_every_file` reads them all.
    bool verify_checksums = true;
    bool verify_every_file = false;
    // The store's file system port (RocksDB's Env, LevelDB's idea): null is
    // the machine's; tests pass one that injects faults (a full disk).
    rocksdb::Env* env = nullptr;
    static Options BulkLoad() {
      Options o;
      o.bulk_load = true;
      o.verify_checksums = false;  // a fresh directory
      return o;
    }
    // Reading a store another process may be writing.
    static Options Reader() {
      Options o;
      o.create_if_missing = false;
      o.read_only = true;
      return o;
    }
  };
  // A damaged store (a table file, MANIFEST or CURRENT missing, truncated or
  // corrupt) is DataLoss naming `dir` and saying to run `ledger rebuild`; so
  // is any later read or write that meets damage. FailedPrecondition while
  // another process holds it; NotFound when there is none and
  // !create_if_missing (or read_only). A new store sizes its RocksDB levels
  // from its data; a writer keeps the shape an existing store was made with.
  static Result<std::unique_ptr<ProjectionDb>> Open(const std::filesystem::path& dir, Options options);
  ~ProjectionDb();
  // Flushes a bulk load to its files. Called by the destructor; call it to see the error.
  Status Close();
  // Compacts the statistics family: folds their merge operands into single
  // values, so a table read is one value per key again. Safe at any time
  // (RocksDB compaction; projectors may keep committing).
  Status CompactStatistics();
  // Folds the statistics keys at once: reads each one (RocksDB merges its
  // operands) and writes the result back as a plain value. In a bulk load
  // (the end of a rebuild) the statistics family is dropped and made again
  // from those values alone, so no operand is left under them to step over;
  // otherwise the values are written on top. The bulk load's fold streams
  // (table files), the other reads them all first. Only while nothing else commits
  // to the store: a batch committed between the read and the write of a key
  // would be lost from it.
  Status FoldStatistics();

  // Changes to commit atomically. Accumulates stats deltas in memory so each
  // cell gets one merge per batch.
  class Batch {
   public:
    // Returns the view's bytes as they will be stored (view_codec: its
    // state, without its sealed fields), valid until the batch's next
    // change. Sealed fields, when the view has any, are put under their own
    // key (vs|): a fold passes them once, in the batch of the account's
    // creation, and views it read from the store (View with !with_sealed,
    // ViewCursor, ForEachView) have none, so later batches leave them be.
    const std::string& PutView(const AccountView& v);
    void PutHead(const std::string& stream, const ChainHead& head);
    void PutHistory(const std::string& stream, uint64_t seq, std::string_view record);
    void PutLink(const LinkView& l);
    void AddStats(const StatTable& delta, Timestamp at);
    // Every day's sums of `stats` (Drain: it is left empty).
    void AddStats(StatAccumulator& stats);
    // Every period's sums of `stats` (DrainPeriods: it is left empty). With
    // `commit`, the batch is handed to it each time it holds `slice` cells,
    // so it never holds more: a key's sums may then span two commits (they
    // are merges, and add up). The first error of `commit` is returned (the
    // rest of the sums are then dropped).
    using CommitFn = std::function<Status(Batch&)>;
    Status AddPeriodStats(StatAccumulator& stats, size_t slice = SIZE_MAX, const CommitFn& commit = {});
    void PutQuarantine(const QuarantineEntry& q);
    void SetNextOffset(int32_t partition, int64_t offset);
    // `key` as SearchKey() made it; an empty key is not indexed.
    void PutSearchEntry(SearchIndex index, const std::string& key, const std::string& account);
    // Records the establishment's department and academy (and the
    // department's academy); repeated placements in a batch cost one write.
    void PutPlace(const Placement& p);
    // Adds or removes `account` from the establishment index of `uai`.
    void SetMember(const std::string& uai, const std::string& account, bool member);
    size_t puts() const { return puts_.size(); }
    // Statistics cells held (summed over the tables of every key).
    size_t stat_cells() const;
    // For a bulk load written as table files (TableFiles): hands over, and
    // removes, every view, head, link, search, member, quarantine and offset
    // entry (`put`) and every history chunk (`history`), each as its key and
    // value; statistics and places stay (for Commit, or TakeRest). A member
    // removed goes to `removed` (its key), or is dropped without it: a fresh
    // store has nothing to remove.
    using EntryFn = std::function<Status(std::string_view key, std::string_view value)>;
    using KeyFn = std::function<Status(std::string_view key)>;
    Status Take(const EntryFn& put, const EntryFn& history, const KeyFn& removed = {});
    // Hands over, and removes, the places (`put`) and the statistics (`merge`:
    // each key's encoded deltas once, in key order, for a merge), for table
    // files laid onto a store that serves (ProjectionDb::Layer::kOnTop).
    Status TakeRest(const EntryFn& put, const EntryFn& merge);

   private:
    friend class ProjectionDb;
    std::vector<std::pair<std::string, std::string>> puts_;
    std::map<std::string, StatTable> stats_;
    struct Chunk {
      uint64_t first_seq = 0;
      std::string bytes;
    };
    std::map<std::string, Chunk> history_;
    std::map<std::string, std::string> places_;
    std::map<std::string, bool> members_;
  };
  // With `expect_next` = (partition, offset): atomically with the write,
  // checks that the stored next offset of that partition (0 if none) is
  // `offset`; Aborted if not, and nothing is written (a fence between
  // projectors sharing this store). A failed write (disk full: Unavailable
  // naming the store) writes nothing and leaves the batch as it was; RocksDB
  // then refuses every write until resumed, which the next Commit asks for
  // first, so committing again once space is freed succeeds.
  Status Commit(Batch& batch, std::optional<std::pair<int32_t, int64_t>> expect_next = std::nullopt);

  // A bulk load written straight into table files, past the memtable, the
  // write-ahead log and compactions (`ledger rebuild`'s key-order fold,
  // consumers/bulk_rebuild.h). Keys come in strictly increasing bytewise
  // order, but for an equal key given again, which replaces the value (the
  // last wins, as with Put). A file holds keys of one kind only (the key up
  // to its first '|': "h|", "v|", "lp|", …), so writers that each write whole
  // kinds, or disjoint ranges of one, make files that never overlap, and
  // IngestTableFiles puts them all at the bottom level: nothing is compacted.
  // Statistics keys are refused (they are merges: Commit them; a bulk
  // load's FoldStatistics writes its folded values through TableFiles too).
  class TableFiles {
   public:
    ~TableFiles();
    Status Add(std::string_view key, std::string_view value);
    // A deletion of `key` (files laid on top of a store: a membership ended).
    Status Delete(std::string_view key);
    // A merge operand (a statistics writer's, NewStatisticsTableFiles).
    Status Merge(std::string_view key, std::string_view value);
    // Writes the last file; Add may not be called after.
    Status Finish();
    const std::vector<std::string>& files() const { return files_; }
    int64_t entries() const { return entries_; }

   private:
    friend class ProjectionDb;
    enum class Op { kPut, kDelete, kMerge };
    TableFiles(const ProjectionDb& db, std::filesystem::path dir, std::string name, bool statistics, bool mixed);
    Status Stage(Op op, std::string_view key, std::string_view value);
    Status Write(Op op, std::string_view key, std::string_view value);
    const ProjectionDb& db_;
    std::filesystem::path dir_;
    std::string name_;
    struct Writer;
    std::unique_ptr<Writer> writer_;
    std::string kind_;  // the open file's kind of key
    Op pending_op_ = Op::kPut;
    std::string pending_key_, pending_value_;
    bool pending_ = false;
    std::vector<std::string> files_;
    int64_t entries_ = 0;
    bool statistics_ = false;  // of the statistics family (FoldStatistics), else of the default one
    bool mixed_ = false;       // Kinds::kMixed: a file is not cut where the kind of key changes
    bool direct_ = true;       // written past the page cache, until the file system refuses it
  };
  // Table files of a bulk load, written under `dir` (a directory on the
  // store's file system, for the files are moved in) as `name`-N.sst. A
  // file holds one kind of key, unless `Kinds::kMixed`: files laid on top of
  // a store (Layer::kOnTop) land on level 0 whatever their kinds, and each
  // file there is one more for RocksDB to compact and for every read to
  // look into, so a writer of many kinds makes one file rather than one per
  // kind.
  enum class Kinds { kOnePerFile, kMixed };
  std::unique_ptr<TableFiles> NewTableFiles(const std::filesystem::path& dir, const std::string& name,
                                            Kinds kinds = Kinds::kOnePerFile) const;
  // The same for the statistics keys, written as merge operands (Merge).
  std::unique_ptr<TableFiles> NewStatisticsTableFiles(const std::filesystem::path& dir, const std::string& name,
                                                      Kinds kinds = Kinds::kOnePerFile) const;
  // Where IngestTableFiles puts the files.
  enum class Layer {
    // At the bottom level: their keys are new to the store (a fresh store
    // from a bulk load), and the writers' files do not overlap.
    kBottom,
    // Above everything the store holds (level 0 where they overlap it or
    // each other), every family's files in one atomic step: the store holds
    // all of them or none, across a crash — so offsets written in them move
    // with the changes they advance past (a live projector's key-order catch-up,
    // bulk_rebuild.h FoldOnto). Their entries replace, delete or merge into
    // what the store holds, as a WriteBatch would.
    kOnTop,
  };
  // Moves the finished files of every writer into the store in one step.
  Status IngestTableFiles(const std::vector<const TableFiles*>& writers, Layer layer = Layer::kBottom);

  // Reads views for accounts asked in increasing key order through one
  // iterator — a fold that takes streams in key order (bulk_rebuild.h
  // FoldOnto): each block is read once, in order and with readahead, where a
  // point lookup per account reads a block at random (a fold of 300,000
  // records at scale 1: from ~0.3 to ~35 µs per lookup as the store's fresh
  // files outgrew the page cache). An account before the last one asked is
  // read by a point lookup — unless the cursor stepped over it (rather than
  // seeking past it) on its way to an account whose id it begins: the fold
  // takes streams in the order of "<stream>|", so "tls-g62" comes after
  // "tls-g620" … "tls-g629" although its view comes before theirs (ids of
  // varying length: ~9 % of a fed scale-1 run's late folds' views, 9 µs each
  // by lookup). Such views are kept as they are passed (at most kPassedViews)
  // and taken from there. Every answer is of the store as it was when the
  // cursor was made (a snapshot, held until it is destroyed); one thread.
  class ViewCursor {
   public:
    ~ViewCursor();
    Result<std::optional<AccountView>> View(const std::string& account);
    // The views read by point lookup so far (behind the iterator, not kept).
    int64_t point_lookups() const { return point_lookups_; }
    // The views asked so far (found or not), and the iterator's steps and
    // seeks: what a fold's reads cost (a fed fold late in the year steps
    // through the store's whole range of views; README "National scale",
    // session 36). Summed over cursors with +=.
    struct Reads {
      int64_t views = 0, steps = 0, seeks = 0;
      Reads& operator+=(const Reads& o) {
        views += o.views;
        steps += o.steps;
        seeks += o.seeks;
        return *this;
      }
    };
    const Reads& reads() const { return reads_; }

   private:
    friend class ProjectionDb;
    static constexpr size_t kPassedViews = 4096;
    static constexpr int kStepsBeforeSeek = 256;
    explicit ViewCursor(const ProjectionDb& db);
    // Moves the iterator to the first key >= `key`, keeping the views it
    // steps over whose account id begins `key`'s.
    void Reach(const std::string& key);
    const ProjectionDb& db_;
    const rocksdb::Snapshot* snapshot_;
    std::unique_ptr<rocksdb::Iterator> it_;
    std::string last_;  // the last key asked: the iterator is at the first key >= it
    bool positioned_ = false;
    std::map<std::string, std::string, std::less<>> passed_;  // view key -> its bytes
    int64_t point_lookups_ = 0;
    Reads reads_;
  };
  std::unique_ptr<ViewCursor> NewViewCursor() const;

  // What the store's compactions still owe, for operators (ledgerd's
  // /metrics), both column families summed: the table files on level 0 (a
  // live projector's folds lay a dozen each, and every later fold's view
  // cursor and every lookup merges across them: the late folds of a fed
  // scale-1 run read a view in ~7 µs with 80-100 files there against ~2 µs
  // with 40-60; README "National scale"), the bytes RocksDB estimates its
  // compactions must still rewrite, the compactions running, and whether it
  // holds writes now (its write stop). Read from RocksDB's properties when
  // asked; a property it cannot give reads 0.
  struct CompactionDebt {
    int64_t level0_files = 0;
    int64_t pending_bytes = 0;
    int64_t running = 0;
    bool writes_stopped = false;
  };
  CompactionDebt Compaction() const;
  // What the store holds in memory, both column families summed, from
  // RocksDB's estimates when asked: its memtables (written, not yet flushed,
  // and those being flushed), its open table files' readers (their index
  // and filter blocks, outside the block cache), and the block cache's use
  // (and what of it is pinned by readers). A property it cannot give reads 0.
  struct MemoryUse {
    int64_t memtables = 0;
    int64_t table_readers = 0;
    int64_t block_cache = 0;
    int64_t block_cache_pinned = 0;
  };
  MemoryUse Memory() const;

  Result<std::optional<int64_t>> NextOffset(int32_t partition) const;
  // With `with_sealed`, the view's sealed personal fields are read too (a
  // second lookup); without, its state alone (a fold's read).
  Result<std::optional<AccountView>> View(const std::string& account, bool with_sealed = true) const;
  // Calls f on every stored view in account order, with its bytes as stored
  // (view_codec: the state, without sealed fields), until f returns false.
  Status ForEachView(const std::function<bool(std::string_view account, std::string_view bytes)>& f) const;
  // From now on, the compactions of every RocksDB store of this process
  // (this one, and ledgerd's write-state and key stores) run at a low CPU
  // priority (nice 19), for good: RocksDB's pool of compaction threads is
  // the process's. See the definition for why a live projector asks for
  // it. Flushes keep theirs.
  static void LowerCompactionPriority();
  Result<std::optional<ChainHead>> Head(const std::string& stream) const;
  // The stream's records in seq order.
  Result<std::vector<std::string>> History(const std::string& stream) const;
  Result<std::vector<LinkView>> LinksOfPupil(const std::string& pupil) const;
  // The table of `scope` now, or as of the end of `as_of` (UTC).
  Result<StatTable> Stats(Scope scope, std::optional<Date> as_of = std::nullopt) const;
  // What changed in the table of `scope` after the end of `after` up to the
  // end of `upto`: Stats(upto) - Stats(after), read from the fewest period
  // keys (days, months, years) — at most about as many as one Stats() read.
  // Empty when upto <= after.
  Result<StatTable> StatsChange(Scope scope, Date after, Date upto) const;
  Result<std::vector<QuarantineEntry>> Quarantine() const;
  // The accounts indexed under `key` (as SearchKey() made it), in id order.
  Result<std::vector<std::string>> FindAccounts(SearchIndex index, const std::string& key) const;
  // The accounts of the establishment index of `uai`, in id order.
  Result<std::vector<std::string>> MembersOf(const std::string& uai) const;
  Result<std::optional<Place>> PlaceOfEstablishment(const std::string& uai) const;
  Result<std::optional<std::string>> AcademyOfDepartment(const std::string& department) const;

  // Every logical entry, for comparing two stores: stats summed per cell and
  // tier-period with zero cells dropped, history one entry per record,
  // offsets left out unless asked for.
  Result<std::map<std::string, std::string>> Dump(bool with_offsets) const;

  const std::filesystem::path& dir() const { return dir_; }
  // How many table files Open read to check their checksums (0 when every
  // one was verified before and is unchanged, or verify_checksums is off).
  size_t files_verified_at_open() const { return files_verified_; }

 private:
  ProjectionDb(std::filesystem::path dir, std::unique_ptr<rocksdb::DB> db,
               std::vector<rocksdb::ColumnFamilyHandle*> families, bool bulk_load);
  // The family holding `key`: statistics for "s…", else the default one.
  rocksdb::ColumnFamilyHandle* Family(std::string_view key) const;
  // Of the store now, or as of `snapshot`.
  Result<std::optional<std::string>> Get(const std::string& key, const rocksdb::Snapshot* snapshot = nullptr) const;
  // Writes the layout version into a new store; refuses another layout.
  Status CheckFormat(bool read_only);
  Status FoldStatisticsIntoFiles();
  static Result<std::unique_ptr<ProjectionDb>> OpenOnce(const std::filesystem::path& dir, const Options& options,
                                                        rocksdb::Options o);
  // Periods of one tier between lo and hi (strings: "2026", "2026-09", "2026-09-14").
  struct PeriodRange {
    std::string lo;
    bool lo_inclusive = true;
    std::string hi;
    bool hi_inclusive = true;
  };
  // Adds into `table` the statistics keys of `tier` whose period is in `r`.
  Status SumPeriods(Scope scope, char tier, const PeriodRange& r, StatTable& table) const;
  // Calls f on each entry whose key starts with `prefix`, from `seek` (a key
  // inside the prefix; the prefix itself when empty) on, until f returns false.
  Status Scan(const std::string& prefix,
              const std::function<bool(std::string_view key, std::string_view value)>& f,
              const std::string& seek = "") const;

  std::filesystem::path dir_;
  std::unique_ptr<rocksdb::DB> db_;
  // The handles of every family opened (destroyed before db_); stats_ is one
  // of them, null in a store of an earlier layout (refused by CheckFormat).
  std::vector<rocksdb::ColumnFamilyHandle*> families_;
  rocksdb::ColumnFamilyHandle* stats_ = nullptr;
  bool bulk_load_ = false;
  size_t files_verified_ = 0;
  std::mutex fence_mu_;  // serialises fenced commits
  std::atomic<bool> write_failed_{false};  // the last write failed: Resume() before the next
};

}  // namespace ledger
