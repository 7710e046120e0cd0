#include "consumers/bulk_rebuild.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "consumers/external_sorter.h"
#include "consumers/record_fold.h"
#include "events/hash_chain.h"

namespace ledger {
namespace {

constexpr size_t kPositionBytes = 1 + 4 + 8;   // '|', partition, offset (big-endian)
// The statistics' sums by day are rolled into sums by period every this
// many records (StatAccumulator::Roll), and those committed (as merges)
// once they hold kMaxPeriodSums: at scale 1, once at the end.
constexpr int64_t kRollEvery = 65536;
constexpr size_t kMaxPeriodSums = size_t{1} << 20;  // ~64 MiB per folder
// They are committed this many cells at a time: the batch's tables and its
// WriteBatch, each larger than the sums, are then held for a slice only.
constexpr size_t kStatSlice = size_t{1} << 16;

void AppendBigEndian(std::string& s, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

// "<stream>|<partition:4><offset:8>": with '|' right after the stream, two
// streams sort as their "h|<stream>|…" history keys do (unless one of them
// holds a '|' itself; views' "v|<stream>" keys also differ when one stream
// is another's prefix: see EntrySink).
std::string SortKey(const LogRecord& rec) {
  std::string k;
  k.reserve(rec.key.size() + kPositionBytes);
  k.append(rec.key);
  k.push_back('|');
  AppendBigEndian(k, static_cast<uint32_t>(rec.partition), 4);
  AppendBigEndian(k, static_cast<uint64_t>(rec.offset), 8);
  return k;
}

struct PartitionEnds {
  std::vector<int64_t> from;  // the first offset to read
  std::vector<int64_t> end;   // one past the last (a rebuild: the log's end when it started)
  std::vector<int64_t> next;  // one past the last record read (-1: none)
};

// Phase 1: partitions t, t + threads, … of the log into sorters[t].
Status ReadPartitions(EventLog& log, PartitionEnds& ends, std::vector<std::unique_ptr<ExternalSorter>>& sorters,
                      int64_t total, const BulkProgressFn& progress) {
  const int threads = static_cast<int>(sorters.size());
  const int32_t partitions = static_cast<int32_t>(ends.end.size());
  std::vector<Status> errors(threads);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> read{0};
  std::mutex progress_mu;
  std::mutex open_mu;  // the port opens readers one at a time (event_log.h); they then run side by side
  auto work = [&](int t) {
    for (int32_t p = t; p < partitions && !stop; p += threads) {
      if (ends.end[p] <= ends.from[p]) continue;
      Status s = [&]() -> Status {
        std::unique_lock<std::mutex> opening(open_mu);
        LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, log.OpenReader(p, ends.from[p]));
        opening.unlock();
        int64_t n = 0;
        while (!stop) {
          LEDGER_ASSIGN_OR_RETURN(std::optional<LogRecord> rec, reader->Next());
          if (!rec || rec->offset >= ends.end[p]) break;
          rec->partition = p;
          LEDGER_RETURN_IF_ERROR(sorters[t]->Add(SortKey(*rec), rec->value));
          ends.next[p] = rec->offset + 1;
          if (++n % 65536 == 0 && progress) {
            const int64_t done = read += 65536;
            std::lock_guard<std::mutex> lock(progress_mu);
            progress("reading", done, total);
          }
        }
        read += n % 65536;
        return OkStatus();
      }();
      if (!s.ok()) {
        errors[t] = s.WithContext("rebuilding: reading partition " + std::to_string(p));
        stop = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (const Status& e : errors) LEDGER_RETURN_IF_ERROR(e);
  if (progress) progress("reading", read, total);
  return OkStatus();
}

// The entries that go through the second sorter are split by kind in two
// groups, sorted and written to table files by one thread each in phase 3:
// the search entries ("i|…", about half of them) and the rest. A table file
// holds one kind (TableFiles), so the groups' files never overlap.
constexpr size_t kRestGroups = 2;
size_t RestGroup(std::string_view key) { return key.starts_with("i|") ? 0 : 1; }

// A membership's end (FoldOnto), as it goes through the entries' sorter: the
// value of an "e|" entry is otherwise empty.
constexpr std::string_view kRemoved = "\x01removed";
bool IsRemoval(std::string_view key, std::string_view value) { return key.starts_with("e|") && value == kRemoved; }

// Where a folder's entries go. Those whose keys come in the streams' order
// — histories ("h|<stream>|<seq>"), views ("v|<account>") and their sealed
// fields ("vs|<account>"), chain heads
// ("c|<stream>") and a guardian's links ("lg|<guardian>|<pupil>") — straight
// into table files, one writer per kind; the others (search entries,
// memberships, a pupil's links, …) into the sorter. So does an entry of the
// first kinds that would come before the last one its writer took: a stream
// whose name makes its keys sort elsewhere than its records ("a" comes after
// "a1" in the sort, for "a|" > "a1|", but "v|a" < "v|a1").
class EntrySink {
 public:
  // `sorters`: one per group of kinds (RestGroup).
  EntrySink(ProjectionDb& db, const std::filesystem::path& dir, const std::string& name,
            std::array<ExternalSorter*, kRestGroups> sorters)
      : sorters_(sorters) {
    for (Ordered& o : ordered_) o.files = db.NewTableFiles(dir, name + "-" + std::string(o.kind, 0, o.kind.size() - 1));
  }

  Status Put(std::string_view key, std::string_view value) {
    for (Ordered& o : ordered_) {
      if (!key.starts_with(o.kind)) continue;
      if (o.any && key < std::string_view(o.last)) break;
      o.any = true;
      o.last.assign(key);
      return o.files->Add(key, value);
    }
    return sorters_[RestGroup(key)]->Add(key, value);
  }
  // A key to delete from the store (only memberships are ever removed).
  Status Remove(std::string_view key) {
    if (!key.starts_with("e|")) return Internal("rebuilding: a removal of a key that is not a membership");
    return sorters_[RestGroup(key)]->Add(key, kRemoved);
  }

  Status Finish() {
    for (Ordered& o : ordered_) LEDGER_RETURN_IF_ERROR(o.files->Finish());
    return OkStatus();
  }
  // The writers' files: of different kinds, so no two of them overlap.
  std::vector<const ProjectionDb::TableFiles*> files() const {
    std::vector<const ProjectionDb::TableFiles*> out;
    for (const Ordered& o : ordered_) out.push_back(o.files.get());
    return out;
  }

 private:
  struct Ordered {
    std::string_view kind;
    std::unique_ptr<ProjectionDb::TableFiles> files;
    std::string last;
    bool any = false;
  };
  std::array<Ordered, 5> ordered_{Ordered{"h|"}, Ordered{"v|"}, Ordered{"vs|"}, Ordered{"c|"}, Ordered{"lg|"}};
  std::array<ExternalSorter*, kRestGroups> sorters_;
};

// Phase 2: the fold of one stream at a time, into an EntrySink. `onto`: the
// streams' state is read from the store (FoldOnto), memberships that end are
// removed, and the statistics and places go into table files too.
class StreamFolder {
 public:
  StreamFolder(ProjectionDb& db, EntrySink& sink, size_t chunk_bytes, bool onto, ViewCache* views,
               std::filesystem::path dir, std::string name, int32_t partitions)
      : db_(db),
        sink_(sink),
        chunk_bytes_(chunk_bytes),
        onto_(onto),
        dir_(std::move(dir)),
        name_(std::move(name)),
        fold_(onto ? &db : nullptr, &stats_, /*in_key_order=*/true, onto ? views : nullptr),
        records_(static_cast<size_t>(partitions)),
        quarantined_(static_cast<size_t>(partitions)) {
    to_sink_ = [this](std::string_view k, std::string_view v) { return sink_.Put(k, v); };
    if (onto_) removed_ = [this](std::string_view k) { return sink_.Remove(k); };
  }

  Status Add(std::string_view sort_key, std::string_view value) {
    const std::string_view stream = sort_key.substr(0, sort_key.size() - kPositionBytes);
    if (!folding_ || stream != stream_) {
      LEDGER_RETURN_IF_ERROR(EndStream());
      stream_.assign(stream);
      folding_ = true;
    }
    const auto partition = static_cast<int32_t>(ReadBigEndian(sort_key.substr(sort_key.size() - 12, 4)));
    const auto offset = static_cast<int64_t>(ReadBigEndian(sort_key.substr(sort_key.size() - 8)));
    if (fold_.Add(batch_, partition, offset, stream_, value)) {
      ++progress_.applied;
    } else {
      ++progress_.quarantined;
      ++quarantined_.at(static_cast<size_t>(partition));
    }
    ++records_.at(static_cast<size_t>(partition));
    ++progress_.done;
    stream_bytes_ += value.size();
    if (stream_bytes_ >= chunk_bytes_) {  // a long stream: its history so far, as one chunk
      LEDGER_RETURN_IF_ERROR(batch_.Take(to_sink_, to_sink_, removed_));
      stream_bytes_ = 0;
    }
    return OkStatus();
  }

  // The last stream's changes, and (with `ends`) each partition's next offset.
  Status Finish(const PartitionEnds* ends) {
    LEDGER_RETURN_IF_ERROR(EndStream());
    if (ends != nullptr) {
      for (size_t p = 0; p < ends->next.size(); ++p)
        if (ends->next[p] >= 0) batch_.SetNextOffset(static_cast<int32_t>(p), ends->next[p]);
    }
    // The offsets are puts: Take hands them to the sorter with the rest.
    LEDGER_RETURN_IF_ERROR(batch_.Take(to_sink_, to_sink_, removed_));
    return Commit();
  }

  const ProjectionProgress& progress() const { return progress_; }
  const std::vector<int64_t>& records() const { return records_; }
  const std::vector<int64_t>& quarantined() const { return quarantined_; }
  ProjectionDb::ViewCursor::Reads cursor_reads() const { return fold_.cursor_reads(); }
  // The statistics' table files (onto the store), finished.
  std::vector<const ProjectionDb::TableFiles*> statistics_files() const {
    std::vector<const ProjectionDb::TableFiles*> out;
    for (const auto& f : stat_files_) out.push_back(f.get());
    return out;
  }

 private:
  Status EndStream() {
    if (!folding_) return OkStatus();
    fold_.WriteTo(batch_);
    fold_.Clear();
    folding_ = false;
    stream_bytes_ = 0;
    LEDGER_RETURN_IF_ERROR(batch_.Take(to_sink_, to_sink_, removed_));
    if (progress_.done - rolled_at_ < kRollEvery) return OkStatus();
    rolled_at_ = progress_.done;
    stats_.Roll();
    return stats_.period_sums() < kMaxPeriodSums ? OkStatus() : Commit();
  }

  // What is left in the batch (places) and the statistics, as merges:
  // committed to a fresh store; onto a store that serves, the places to the
  // sink and the statistics to a table file of their own (its keys in order).
  Status Commit() {
    stats_.Roll();
    if (onto_) {
      LEDGER_RETURN_IF_ERROR(batch_.AddPeriodStats(stats_));
      // On top of the store: level 0 whatever their kinds, so one file for all (Kinds).
      auto files = db_.NewStatisticsTableFiles(dir_, name_ + "-statistics" + std::to_string(stat_files_.size()),
                                               ProjectionDb::Kinds::kMixed);
      ProjectionDb::TableFiles& f = *files;
      stat_files_.push_back(std::move(files));
      LEDGER_RETURN_IF_ERROR(
          batch_.TakeRest(to_sink_, [&f](std::string_view k, std::string_view v) { return f.Merge(k, v); }));
      return f.Finish();
    }
    LEDGER_RETURN_IF_ERROR(
        batch_.AddPeriodStats(stats_, kStatSlice, [this](ProjectionDb::Batch& b) { return db_.Commit(b); }));
    return db_.Commit(batch_);
  }

  ProjectionDb& db_;
  EntrySink& sink_;
  const size_t chunk_bytes_;
  const bool onto_;
  const std::filesystem::path dir_;
  const std::string name_;
  ProjectionDb::Batch::EntryFn to_sink_;
  ProjectionDb::Batch::KeyFn removed_;  // onto a store: memberships ended; else none
  ProjectionDb::Batch batch_;  // places between commits
  StatAccumulator stats_;  // by day, between commits
  RecordFold fold_;  // one stream's at a time (Clear between two)
  std::vector<std::unique_ptr<ProjectionDb::TableFiles>> stat_files_;
  std::vector<int64_t> records_, quarantined_;  // by partition
  bool folding_ = false;
  std::string stream_;
  size_t stream_bytes_ = 0;
  int64_t rolled_at_ = 0;
  ProjectionProgress progress_;
};

// Whole streams' records, copied out of the merge for a folder. Each value
// starts on an 8-byte boundary (`bytes` is allocated aligned): the folder
// decodes it in place, and a flatbuffer's fields need their alignment.
struct Chunk {
  struct Entry {
    size_t at;
    uint32_t key, value;
  };
  std::string bytes;
  std::vector<Entry> entries;
  static size_t ValueAt(const Entry& e) { return (e.at + e.key + 7) & ~size_t{7}; }
  std::string_view Key(const Entry& e) const { return std::string_view(bytes).substr(e.at, e.key); }
  std::string_view Value(const Entry& e) const { return std::string_view(bytes).substr(ValueAt(e), e.value); }
  void Append(std::string_view key, std::string_view value) {
    const Entry e{bytes.size(), static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size())};
    entries.push_back(e);
    bytes.append(key);
    bytes.resize(ValueAt(e));
    bytes.append(value);
  }
};
constexpr size_t kChunkBytes = size_t{4} << 20;

// A folder's inbox: a few chunks at most, so the merge never runs far ahead.
class ChunkQueue {
 public:
  bool Push(std::unique_ptr<Chunk> c) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return closed_ || q_.size() < 3; });
    if (closed_) return false;
    q_.push_back(std::move(c));
    cv_.notify_all();
    return true;
  }
  std::unique_ptr<Chunk> Pop() {  // null once closed and empty
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !q_.empty(); });
    if (q_.empty()) return nullptr;
    std::unique_ptr<Chunk> c = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return c;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Chunk>> q_;
  bool closed_ = false;
};

// The sorted records in chunks of about kChunkBytes, cut between streams
// only, dealt to the queues in turn. Stops early if a queue is closed (a
// folder failed).
Status DealChunks(SortedEntries& sorted, std::vector<std::unique_ptr<ChunkQueue>>& queues) {
  size_t next = 0;
  auto chunk = std::make_unique<Chunk>();
  std::string last_stream;
  for (;;) {
    LEDGER_ASSIGN_OR_RETURN(bool more, sorted.Next());
    const std::string_view key = more ? sorted.key() : std::string_view();
    const std::string_view stream = more ? key.substr(0, key.size() - kPositionBytes) : std::string_view();
    if (!chunk->entries.empty() && (!more || (chunk->bytes.size() >= kChunkBytes && stream != last_stream))) {
      if (!queues[next]->Push(std::move(chunk))) return OkStatus();
      next = (next + 1) % queues.size();
      chunk = std::make_unique<Chunk>();
      chunk->bytes.reserve(kChunkBytes + (kChunkBytes >> 2));
    }
    if (!more) return OkStatus();
    if (stream != last_stream) last_stream.assign(stream);
    chunk->Append(key, sorted.value());
  }
}

// BulkRebuild (`onto` false: a fresh store) and FoldOnto (true).
Result<BulkRebuildResult> KeyOrderFold(EventLog& log, ProjectionDb& db, PartitionEnds ends, bool onto,
                                       const BulkRebuildOptions& options, const BulkProgressFn& progress) {
  BulkRebuildResult result;
  auto clock = std::chrono::steady_clock::now();
  auto lap = [&clock] {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - clock).count();
    clock = now;
    return s;
  };
  const auto partitions = static_cast<int32_t>(ends.end.size());
  int64_t total = 0;
  for (int32_t p = 0; p < partitions; ++p) total += std::max<int64_t>(0, ends.end[p] - ends.from[p]);
  const int threads = std::max(1, std::min<int>(options.threads, partitions));
  // Half the memory to the log's records, half to the entries made from them
  // (the records are sorted and merged before the entries' sorter fills).
  const size_t per_reader = options.memory_bytes / 2 / static_cast<size_t>(threads);
  const std::filesystem::path& runs_dir = options.runs_dir.empty() ? options.tmp_dir : options.runs_dir;
  std::vector<std::unique_ptr<ExternalSorter>> records;
  for (int t = 0; t < threads; ++t)
    records.push_back(std::make_unique<ExternalSorter>(runs_dir, "records" + std::to_string(t), per_reader,
                                                       total >= options.compress_runs_from));
  LEDGER_RETURN_IF_ERROR(ReadPartitions(log, ends, records, total, progress));
  result.read_seconds = lap();

  std::vector<ExternalSorter*> inputs;
  for (auto& r : records) inputs.push_back(r.get());
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<SortedEntries> sorted, ExternalSorter::Merge(inputs));
  // Phase 2 on `threads` folders; this thread merges the runs and deals out
  // chunks of whole streams, the n-th to folder n % threads.
  std::vector<std::unique_ptr<ExternalSorter>> entries;  // folder t, group g: t * kRestGroups + g
  std::vector<std::unique_ptr<EntrySink>> sinks;
  std::vector<std::unique_ptr<StreamFolder>> folders;
  std::vector<std::unique_ptr<ChunkQueue>> queues;
  for (int t = 0; t < threads; ++t) {
    std::array<ExternalSorter*, kRestGroups> groups;
    for (size_t g = 0; g < kRestGroups; ++g) {
      entries.push_back(std::make_unique<ExternalSorter>(
          runs_dir, "entries" + std::to_string(t) + "-" + std::to_string(g),
          options.memory_bytes / 2 / kRestGroups / static_cast<size_t>(threads)));
      groups[g] = entries.back().get();
    }
    sinks.push_back(std::make_unique<EntrySink>(db, options.tmp_dir, "folder" + std::to_string(t), groups));
    folders.push_back(std::make_unique<StreamFolder>(db, *sinks.back(), options.history_chunk_bytes, onto,
                                                     options.views, options.tmp_dir, "folder" + std::to_string(t), partitions));
    queues.push_back(std::make_unique<ChunkQueue>());
  }
  std::vector<Status> errors(threads);
  std::atomic<int64_t> folded{0};
  std::mutex progress_mu;
  auto fold = [&](int t) {
    while (std::unique_ptr<Chunk> chunk = queues[t]->Pop()) {
      for (const Chunk::Entry& e : chunk->entries) {
        Status s = folders[t]->Add(chunk->Key(e), chunk->Value(e));
        if (!s.ok()) {
          errors[t] = s;
          for (auto& q : queues) q->Close();
          return;
        }
      }
      const int64_t done = folded += static_cast<int64_t>(chunk->entries.size());
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mu);
        progress("folding", done, total);
      }
    }
    errors[t] = folders[t]->Finish(t == 0 ? &ends : nullptr);
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(fold, t);
  Status dealt = DealChunks(*sorted, queues);
  for (auto& q : queues) q->Close();
  for (auto& th : pool) th.join();
  LEDGER_RETURN_IF_ERROR(dealt);
  for (const Status& e : errors) LEDGER_RETURN_IF_ERROR(e);
  sorted.reset();
  records.clear();
  for (auto& sink : sinks) LEDGER_RETURN_IF_ERROR(sink->Finish());
  result.fold_seconds = lap();

  // Phase 3: each group of the rest merged from every folder's sorter and
  // written by a thread of its own.
  std::vector<std::unique_ptr<ProjectionDb::TableFiles>> rest;
  std::vector<Status> written(kRestGroups);
  auto write_group = [&](size_t g) {
    written[g] = [&]() -> Status {
      std::vector<ExternalSorter*> group;
      for (int t = 0; t < threads; ++t) group.push_back(entries[static_cast<size_t>(t) * kRestGroups + g].get());
      LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<SortedEntries> sorted_entries, ExternalSorter::Merge(group));
      for (;;) {
        LEDGER_ASSIGN_OR_RETURN(bool more, sorted_entries->Next());
        if (!more) break;
        const std::string_view k = sorted_entries->key(), v = sorted_entries->value();
        LEDGER_RETURN_IF_ERROR(IsRemoval(k, v) ? rest[g]->Delete(k) : rest[g]->Add(k, v));
      }
      return rest[g]->Finish();
    }();
  };
  // Onto a store the files land on level 0 whatever their kinds: one file for
  // a group's kinds rather than one per kind (ProjectionDb::Kinds). Into a
  // fresh store, one kind per file, so that none overlaps and all go to the
  // bottom level.
  const auto rest_kinds = onto ? ProjectionDb::Kinds::kMixed : ProjectionDb::Kinds::kOnePerFile;
  for (size_t g = 0; g < kRestGroups; ++g)
    rest.push_back(db.NewTableFiles(options.tmp_dir, "entries" + std::to_string(g), rest_kinds));
  std::vector<std::thread> writers;
  for (size_t g = 1; g < kRestGroups; ++g) writers.emplace_back(write_group, g);
  write_group(0);
  for (auto& th : writers) th.join();
  for (const Status& e : written) LEDGER_RETURN_IF_ERROR(e);
  std::vector<const ProjectionDb::TableFiles*> rest_files;
  for (auto& r : rest) rest_files.push_back(r.get());
  if (onto) {
    // Every file at once, offsets included: the store takes the whole range or none of it.
    std::vector<const ProjectionDb::TableFiles*> all = rest_files;
    for (auto& sink : sinks) for (const auto* f : sink->files()) all.push_back(f);
    for (auto& f : folders) for (const auto* s : f->statistics_files()) all.push_back(s);
    if (options.before_ingest) LEDGER_RETURN_IF_ERROR(options.before_ingest());
    LEDGER_RETURN_IF_ERROR(db.IngestTableFiles(all, ProjectionDb::Layer::kOnTop));
  } else {
    // One ingestion per folder: the folders' files of a kind overlap (they
    // took chunks in turn), so RocksDB puts the second's a level above the
    // first's; the sorted rest may overlap both (EntrySink), and goes above
    // (its groups' files do not overlap each other: one kind per file).
    for (auto& sink : sinks) LEDGER_RETURN_IF_ERROR(db.IngestTableFiles(sink->files()));
    LEDGER_RETURN_IF_ERROR(db.IngestTableFiles(rest_files));
  }
  std::error_code ec;
  std::filesystem::remove_all(options.tmp_dir, ec);
  result.records.assign(static_cast<size_t>(partitions), 0);
  result.quarantined.assign(static_cast<size_t>(partitions), 0);
  for (auto& f : folders) {
    result.progress.applied += f->progress().applied;
    result.progress.quarantined += f->progress().quarantined;
    result.progress.done += f->progress().done;
    result.view_reads += f->cursor_reads();
    for (size_t p = 0; p < result.records.size(); ++p) {
      result.records[p] += f->records()[p];
      result.quarantined[p] += f->quarantined()[p];
    }
  }
  result.next = ends.next;
  result.progress.total = total;
  result.load_seconds = lap();
  return result;
}

}  // namespace

Result<std::filesystem::path> MakeRunsFolder(const std::filesystem::path& parent,
                                             const std::filesystem::path& store) {
  const std::string path = std::filesystem::absolute(store).lexically_normal().string();
  std::string readable = path.substr(path.size() > 120 ? path.size() - 120 : 0);
  for (char& c : readable)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  const std::string name = "ledger-rebuild" + readable + "-" + HexOf(ChainHash(Hash{}, path)).substr(0, 16);
  const std::filesystem::path folder = parent / name;
  std::error_code ec;
  std::filesystem::remove_all(folder, ec);
  if (!std::filesystem::create_directories(folder, ec) && ec)
    return InvalidArgument(parent.string() + ": cannot make the folder " + name + " there (" + ec.message() + ")");
  return folder;
}

Result<BulkRebuildResult> BulkRebuild(EventLog& log, ProjectionDb& db, const BulkRebuildOptions& options,
                                      const BulkProgressFn& progress) {
  const int32_t partitions = log.partition_count();
  PartitionEnds ends{std::vector<int64_t>(partitions, 0), std::vector<int64_t>(partitions),
                     std::vector<int64_t>(partitions, -1)};
  for (int32_t p = 0; p < partitions; ++p) {
    LEDGER_ASSIGN_OR_RETURN(ends.end[p], log.EndOffset(p));
  }
  return KeyOrderFold(log, db, std::move(ends), /*onto=*/false, options, progress);
}

Result<BulkRebuildResult> FoldOnto(EventLog& log, ProjectionDb& db, const std::vector<int64_t>& from,
                                   const std::vector<int64_t>& to, const BulkRebuildOptions& options,
                                   const BulkProgressFn& progress) {
  const auto partitions = static_cast<size_t>(log.partition_count());
  if (from.size() != partitions || to.size() != partitions)
    return InvalidArgument("folding onto the store: " + std::to_string(from.size()) + " start and " +
                           std::to_string(to.size()) + " end offsets for a log of " + std::to_string(partitions) +
                           " partitions");
  std::error_code ec;
  std::filesystem::remove_all(options.tmp_dir, ec);  // what a crash left
  return KeyOrderFold(log, db, PartitionEnds{from, to, std::vector<int64_t>(partitions, -1)}, /*onto=*/true,
                      options, progress);
}

}  // namespace ledger
