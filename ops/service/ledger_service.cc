#include "ops/service/ledger_service.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "aggregates/command_json.h"
#include "ops/datadir/personal_vault.h"
#include "consumers/live_projector.h"
#include "consumers/projector.h"
#include "ops/datadir/server_lock.h"
#include "ops/datadir/writer_role.h"

namespace ledger {
namespace {

using Steady = std::chrono::steady_clock;

double Since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

}  // namespace

class LedgerService::Impl {
 public:
  Impl(const LogFlags& flags, const ServiceOptions& options, Clock clock, WriterProbe& wp, ProjectorProbe& pp)
      : flags_(flags), options_(options), clock_(std::move(clock)), writer_probe_(wp), versions_(pp) {}

  ~Impl() { Stop(); }

  Status Open() {
    LEDGER_ASSIGN_OR_RETURN(lock_, ServerLock::Acquire(flags_, "ledgerd"));
    // The key store: the writer seals with it, readers open with it (kept for the process's life).
    LEDGER_ASSIGN_OR_RETURN(vault_, OpenVault(flags_, VaultAccess::kWrite));
    // The log first: its identity names the projections' directory.
    LEDGER_RETURN_IF_ERROR(OpenLog());
    projection_dir_ = ProjectionDir(flags_, *log_).string();
    RecoverProjectionSwap(flags_, *log_);
    const auto deadline = Steady::now() + options_.store_wait;
    bool waited = false;
    for (;;) {
      Result<std::unique_ptr<ProjectionDb>> db = ProjectionDb::Open(projection_dir_, {});
      if (db.ok()) {
        db_ = std::move(*db);
        break;
      }
      // A `ledger` read is catching the projections up: it finishes soon.
      if (db.status().code() != StatusCode::kFailedPrecondition || Steady::now() > deadline) return db.status();
      if (!waited) Note("waiting for another ledger process to release " + projection_dir_);
      waited = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    LEDGER_RETURN_IF_ERROR(CheckProjectedWithinLog(*log_, *db_));
    partitions_ = log_->partition_count();
    LEDGER_ASSIGN_OR_RETURN(role_, SeekWriterRole(flags_, [this](const std::string& line) { Note(line); }));
    StartProjector();  // every instance projects, writer or standby
    if (Kafka()) follower_ = std::thread([this] { FollowerMain(); });
    writer_ = std::thread([this] { WriterMain(); });
    maintenance_ = std::thread([this] { MaintenanceMain(); });
    return OkStatus();
  }

  std::future<BatchResult> Submit(std::vector<Command> commands) {
    std::promise<BatchResult> p;
    std::future<BatchResult> f = p.get_future();
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (stopping_) {
        p.set_value(Unavailable("ledgerd is shutting down: resubmit to the next instance"));
        return f;
      }
      if (!loaded_) {
        p.set_value(Unavailable(Standby()           ? StandbyMessage()
                                : Problem().empty() ? "ledgerd is loading the log: retry in a few seconds"
                                                    : "the writer is unavailable: " + Problem()));
        return f;
      }
      queue_.push_back(Pending{std::move(commands), std::move(p)});
    }
    queue_cv_.notify_one();
    return f;
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (stopping_ && !writer_.joinable()) return;
      stopping_ = true;
    }
    queue_cv_.notify_all();
    maintenance_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (maintenance_.joinable()) maintenance_.join();
    if (follower_.joinable()) follower_.join();
    StopProjector();
    handler_.reset();
    writer_log_.reset();
    role_.reset();  // leaves the writer election: a standby takes over at once
    log_.reset();
    if (db_) (void)db_->Close();
  }

  const ProjectionDb& db() const { return *db_; }

  Readiness readiness() const {
    Readiness r;
    r.writer_loaded = loaded_;
    r.standby = Standby();
    r.writer_url = role_ ? role_->writer_url() : "";
    {
      std::shared_lock<std::shared_mutex> lock(projector_mu_);
      if (projector_) {
        r.caught_up = projector_->caught_up();
        r.lag_records = projector_->lag();
      }
    }
    r.problem = Problem();
    if (std::string p = versions_.failure(); !p.empty()) r.problem += (r.problem.empty() ? "" : "; ") + p;
    return r;
  }

  uint64_t version() const { return versions_.version(); }
  uint64_t WaitForVersion(uint64_t seen, std::chrono::milliseconds timeout) const {
    return versions_.Wait(seen, timeout);
  }
  int32_t partition_count() const { return partitions_; }
  PersonalDataVault* vault() const { return vault_.vault.get(); }
  std::string log_dir() const { return flags_.log == "embedded" ? EmbeddedLogDir(flags_).string() : ""; }
  std::string projection_dir() const { return projection_dir_; }
  Status SetUrl(const std::string& url) {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      url_ = url;
    }
    return lock_->SetUrl(url);
  }

 private:
  struct Pending {
    std::vector<Command> commands;
    std::promise<BatchResult> promise;
  };

  // Forwards the projector's reports and counts its commits (the version).
  class Versions final : public ProjectorProbe {
   public:
    explicit Versions(ProjectorProbe& next) : next_(next) {}
    void BatchCommitted(int32_t p, int64_t records, int64_t quarantined, double seconds) override {
      next_.BatchCommitted(p, records, quarantined, seconds);
      Committed();
    }
    void Folded(int64_t records, int64_t quarantined, double seconds) override {
      next_.Folded(records, quarantined, seconds);
      Committed();
    }
    void Committed() {
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++version_;
        failure_.clear();  // projecting again
      }
      cv_.notify_all();
    }
    void Failed(const std::string& why) {
      std::lock_guard<std::mutex> lock(mu_);
      failure_ = why;
    }
    std::string failure() const {
      std::lock_guard<std::mutex> lock(mu_);
      return failure_;
    }
    void Lag(int32_t p, int64_t records, double seconds) override { next_.Lag(p, records, seconds); }
    void ViewsCached(size_t bytes, bool complete) override { next_.ViewsCached(bytes, complete); }
    void FoldReadViews(int64_t views, int64_t steps, int64_t seeks) override {
      next_.FoldReadViews(views, steps, seeks);
    }
    void FoldAwaitedCompactions(double seconds) override { next_.FoldAwaitedCompactions(seconds); }
    uint64_t version() const {
      std::lock_guard<std::mutex> lock(mu_);
      return version_;
    }
    uint64_t Wait(uint64_t seen, std::chrono::milliseconds timeout) const {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, timeout, [&] { return version_ > seen; });
      return version_;
    }

   private:
    ProjectorProbe& next_;
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    uint64_t version_ = 0;
    std::string failure_;  // why the projector stopped, until it commits again
  };

  void Note(const std::string& line) const {
    if (options_.note) options_.note(line);
  }

  bool Kafka() const { return flags_.log.rfind("kafka://", 0) == 0; }
  // Another process holds the writer's role (or nobody does yet, or this one
  // was fenced and waits for the role to be granted anew).
  bool Standby() const {
    const uint64_t term = role_ ? role_->term() : 0;
    return !loaded_ && (term == 0 || term == fenced_term_.load());
  }
  std::string StandbyMessage() const {
    const std::string url = role_ ? role_->writer_url() : "";
    return "this ledgerd is a standby: another instance writes the log" +
           (url.empty() ? std::string(" (its address is not known yet): retry in a few seconds")
                        : ": send commands to the writer at " + url);
  }

  std::string Problem() const {
    std::lock_guard<std::mutex> lock(problem_mu_);
    return problem_;
  }
  void SetProblem(const std::string& p) {
    std::lock_guard<std::mutex> lock(problem_mu_);
    problem_ = p;
  }

  Status OpenLog() {
    LEDGER_ASSIGN_OR_RETURN(log_, ledger::OpenLog(flags_, LogAccess::kServe));
    std::vector<int64_t> ends;
    for (int32_t p = 0; p < log_->partition_count(); ++p) {
      LEDGER_ASSIGN_OR_RETURN(int64_t end, log_->EndOffset(p));
      ends.push_back(end);
    }
    ends_ = std::make_unique<DurableEnds>(std::move(ends));
    return OkStatus();
  }

  void StartProjector() {
    {
      std::unique_lock<std::shared_mutex> lock(projector_mu_);
      LiveProjector::Options o{options_.projector_batch, options_.projector_threads};
      o.fold_from = options_.projector_fold_from;
      o.fold_records = options_.projector_fold_records;
      o.fold_dir = db_->dir().string() + ".fold";
      o.view_cache_bytes = options_.projector_view_cache_mb << 20;
      projector_ = std::make_unique<LiveProjector>(*log_, *db_, *ends_, versions_, o);
    }
    projector_thread_ = std::thread([this] {
      for (int attempt = 0;; ++attempt) {
        Status s = projector_->Run();
        if (s.ok() || ends_->stopped()) return;
        versions_.Failed("projection stopped: " + s.ToString());
        Note("projection stopped: " + s.ToString() + " (retrying)");
        // A failing store or an unreadable record: retry from the stored offsets
        // after a backoff that a stop cuts short (no end ever reaches "never").
        const std::vector<int64_t> never(static_cast<size_t>(ends_->partition_count()), INT64_MAX);
        ends_->WaitBeyond(never, std::chrono::seconds(std::min(30, 1 << std::min(attempt, 5))));
      }
    });
  }

  void StopProjector() {
    if (!projector_thread_.joinable()) return;
    projector_->Stop();
    projector_thread_.join();
    std::unique_lock<std::shared_mutex> lock(projector_mu_);
    projector_.reset();
  }

  // (Re)opens what the writer needs: the log if a failure closed it, the
  // projector following it, and the write path's state.
  Status OpenWriter(uint64_t term) {
    if (!log_) {
      StopProjector();
      LEDGER_RETURN_IF_ERROR(OpenLog());
    }
    if (!projector_thread_.joinable()) StartProjector();
    const auto start = Steady::now();
    // On Kafka the writer appends through its own transactional producer,
    // which fences every earlier writer of the topic; the state is loaded
    // after that, so it includes everything the previous writer committed.
    if (Kafka()) {
      LEDGER_ASSIGN_OR_RETURN(writer_log_, ledger::OpenLog(flags_, LogAccess::kServeWriter));
      Note("transactional writer open: every earlier writer of the topic is fenced");
    }
    if (!write_state_.db) {  // kept across reopens (it is the same log)
      LEDGER_ASSIGN_OR_RETURN(write_state_, OpenWriteState(flags_, WriteLog()));
    }
    LEDGER_ASSIGN_OR_RETURN(handler_,
                            CommandHandler::Open(WriteLog(), clock_, vault_.vault.get(), write_state_.options()));
    Note("writer ready: " + std::to_string(handler_->event_count()) + " events in " +
         std::to_string(handler_->stream_count()) + " streams loaded in " +
         std::to_string(static_cast<int>(Since(start) * 1000)) + " ms");
    SetProblem("");
    term_ = term;
    announced_ = false;
    loaded_ = true;
    return OkStatus();
  }

  EventLog& WriteLog() { return writer_log_ ? *writer_log_ : *log_; }

  // Gives up writing: what is queued is answered with the standby message.
  void StepDown(const std::string& why) {
    Note("stepping down as the writer: " + why);
    loaded_ = false;
    handler_.reset();
    writer_log_.reset();
    FailQueued(Unavailable(StandbyMessage()));
  }

  // Tells the other instances where the writer is, once its URL is known.
  void AnnounceOnce() {
    std::string url;
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      url = url_;
    }
    if (announced_ || url.empty()) return;
    Status s = role_->Announce(url);
    announced_ = s.ok();
    if (s.ok() && Kafka()) Note("announced as the writer at " + url);
  }

  // Waits up to `wait` for requests; takes every queued request up to the
  // group's size (at least one). Empty when none came or once stopping.
  std::vector<Pending> TakeGroup(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(queue_mu_);
    queue_cv_.wait_for(lock, wait, [&] { return stopping_ || !queue_.empty(); });
    std::vector<Pending> group;
    size_t commands = 0;
    while (!queue_.empty() &&
           (group.empty() || commands + queue_.front().commands.size() <= options_.max_group_commands)) {
      commands += queue_.front().commands.size();
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return group;
  }

  void FailQueued(const Status& s) {
    std::deque<Pending> failed;
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      failed.swap(queue_);
    }
    for (Pending& p : failed) p.promise.set_value(s);
  }

  void Commit(std::vector<Pending>& group) {
    const auto start = Steady::now();
    std::vector<Command> all;
    for (Pending& p : group)
      for (Command& c : p.commands) all.push_back(std::move(c));
    std::vector<Result<Outcome>> results = handler_->HandleBatch(all);
    for (const Result<Outcome>& r : results) {
      if (r.ok() || IsRefusal(r.status())) continue;
      // The log failed: nothing of this group is known durable. The clients
      // resubmit the same command ids; the reopened writer answers from the log.
      Status s = Unavailable("the log failed, nothing acknowledged (resubmit): " + r.status().message());
      // The group's requests are answered after the line saying why is
      // written: whoever reads the log on an answer finds the reason there.
      auto answer_group = [&] {
        for (Pending& p : group) p.promise.set_value(s);
      };
      loaded_ = false;
      handler_.reset();
      if (writer_log_) {
        // Kafka: only the writer's producer goes; the projector keeps following.
        // A fenced log keeps answering Aborted (kafka_event_log.h); the
        // handler's own error is always Unavailable.
        const bool fenced = writer_log_->Flush().code() == StatusCode::kAborted;
        writer_log_.reset();
        // Reopening fences whoever holds the role: wait until the group has
        // had time to tell this instance it lost it.
        reopen_after_ = Steady::now() + std::chrono::seconds(2);
        if (fenced) {
          // Fenced: another instance holds the role now. Writing again before
          // the group grants it anew would fence that writer in turn.
          fenced_term_ = term_.load();
          Note("fenced by another writer (" + r.status().ToString() + "): standing by");
          // Still holding the lease: whoever fenced it was not granted the
          // role. Give it back, so the group grants it anew.
          if (role_->term() == term_) role_->Resign();
          answer_group();
          FailQueued(Unavailable(StandbyMessage()));
          return;
        }
      } else {
        StopProjector();  // it reads through the log being closed
        log_.reset();     // reopened (with recovery) by OpenWriter
      }
      SetProblem(r.status().ToString());
      Note("the log failed (" + r.status().ToString() + "): reopening it");
      answer_group();
      FailQueued(s);
      return;
    }
    for (const Result<Outcome>& r : results) {
      if (!r.ok()) {
        writer_probe_.CommandDone("refused", StatusCodeName(r.status().code()));
        continue;
      }
      writer_probe_.CommandDone(r->replayed ? "replayed" : "appended", "");
      if (r->replayed || r->count == 0) continue;
      for (const Event& e : r->events) writer_probe_.EventAppended(EventTypeName(e.payload));
      ends_->Publish(r->partition, r->first_offset + static_cast<int64_t>(r->count));
    }
    writer_probe_.GroupCommitted(group.size(), all.size(), Since(start));
    size_t next = 0;
    for (Pending& p : group) {
      const size_t n = p.commands.size();
      std::vector<Result<Outcome>> mine(std::make_move_iterator(results.begin() + static_cast<long>(next)),
                                        std::make_move_iterator(results.begin() + static_cast<long>(next + n)));
      next += n;
      p.promise.set_value(std::move(mine));
    }
  }

  // Folds the statistics' merge operands: once the projections first catch
  // up, then every compact_every if anything was projected since.
  void MaintenanceMain() {
    uint64_t compacted_at = 0;
    bool first = true;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(queue_mu_);
        maintenance_cv_.wait_for(lock, first ? std::chrono::seconds(1) : options_.compact_every,
                                 [&] { return stopping_; });
        if (stopping_) return;
      }
      if (first && !readiness().caught_up) continue;
      const uint64_t version = versions_.version();
      if (!first && version == compacted_at) continue;
      const auto start = Steady::now();
      Status s = db_->CompactStatistics();
      Note(s.ok() ? "statistics compacted in " + std::to_string(static_cast<int>(Since(start) * 1000)) + " ms"
                  : "statistics compaction failed: " + s.ToString());
      compacted_at = version;
      first = false;
    }
  }

  // Sleeps for `d` on the writer's condition; a stop cuts it short.
  void PauseUnlessStopping(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(queue_mu_);
    queue_cv_.wait_for(lock, d, [&] { return stopping_; });
  }

  void WriterMain() {
    int attempt = 0;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(queue_mu_);
        if (stopping_ && queue_.empty()) break;
      }
      const uint64_t term = role_->term();
      if (handler_ && term != term_) StepDown(term == 0 ? "the group moved the role" : "the role was granted anew");
      if (!handler_) {
        if (term == 0 || term == fenced_term_) {
          // A standby: commands are answered with the writer's address.
          FailQueued(Unavailable(StandbyMessage()));
          PauseUnlessStopping(std::chrono::milliseconds(100));
          continue;
        }
        if (Steady::now() < reopen_after_) {
          PauseUnlessStopping(std::chrono::milliseconds(100));
          continue;
        }
        Status s = OpenWriter(term);
        if (!s.ok()) {
          SetProblem(s.ToString());
          Note("the writer cannot start: " + s.ToString());
          FailQueued(Unavailable("the writer is unavailable: " + s.ToString()));
          PauseUnlessStopping(std::chrono::seconds(std::min(30, 1 << std::min(attempt++, 5))));
          continue;
        }
        attempt = 0;
      }
      AnnounceOnce();
      std::vector<Pending> group = TakeGroup(std::chrono::milliseconds(100));
      if (group.empty()) continue;
      if (role_->term() != term_) {  // lost between two groups: nothing of it is written
        for (Pending& p : group) p.promise.set_value(Unavailable(StandbyMessage()));
        continue;
      }
      Commit(group);
    }
    FailQueued(Unavailable("ledgerd is shutting down: resubmit to the next instance"));
  }

  // Kafka: other instances may write the topic, so the ends to project come
  // from the brokers (the last stable offsets), polled, besides this
  // instance's own appends. Each instance is a full read replica.
  void FollowerMain() {
    Result<std::unique_ptr<EventLog>> log = ledger::OpenLog(flags_, LogAccess::kRead);
    std::string reported;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(queue_mu_);
        maintenance_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; });
        if (stopping_) return;
      }
      if (!log.ok()) log = ledger::OpenLog(flags_, LogAccess::kRead);
      Result<std::vector<int64_t>> ends = log.ok() ? (*log)->EndOffsets() : Result<std::vector<int64_t>>(log.status());
      if (!ends.ok()) {
        if (ends.status().ToString() != reported) Note("following the topic: " + ends.status().ToString());
        reported = ends.status().ToString();
        continue;
      }
      reported.clear();
      for (size_t p = 0; p < ends->size(); ++p) ends_->Publish(static_cast<int32_t>(p), (*ends)[p]);
    }
  }

  LogFlags flags_;
  std::string projection_dir_;  // ProjectionDir of the log, fixed at Open
  ServiceOptions options_;
  Clock clock_;
  WriterProbe& writer_probe_;
  Versions versions_;
  std::unique_ptr<ServerLock> lock_;
  std::unique_ptr<ProjectionDb> db_;
  OpenedVault vault_;
  std::atomic<int32_t> partitions_{0};

  // The writer thread's (replaced when the log fails).
  std::unique_ptr<EventLog> log_;
  OpenedWriteState write_state_;  // the handler's store (declared first: outlives it)
  std::unique_ptr<CommandHandler> handler_;
  std::unique_ptr<EventLog> writer_log_;  // Kafka: the transactional writer (else log_ writes)
  std::unique_ptr<WriterRole> role_;
  std::atomic<uint64_t> term_{0};         // the role's term the writer loaded under
  std::atomic<uint64_t> fenced_term_{0};  // a term this instance was fenced in (not to be reused)
  bool announced_ = false;     // the writer's URL is published for this term
  Steady::time_point reopen_after_{};  // Kafka: no reopening before (after a failure)
  std::string url_;            // under queue_mu_
  std::thread follower_;
  std::unique_ptr<DurableEnds> ends_;
  std::unique_ptr<LiveProjector> projector_;  // replaced under projector_mu_
  mutable std::shared_mutex projector_mu_;
  std::thread projector_thread_;
  std::thread writer_;
  std::thread maintenance_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;        // the writer waits on it (and only the writer)
  std::condition_variable maintenance_cv_;  // the maintenance thread waits on it
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::atomic<bool> loaded_{false};

  mutable std::mutex problem_mu_;
  std::string problem_;
};

Result<std::unique_ptr<LedgerService>> LedgerService::Start(const LogFlags& flags, const ServiceOptions& options,
                                                             Clock clock, WriterProbe& writer_probe,
                                                             ProjectorProbe& projector_probe) {
  auto impl = std::make_unique<Impl>(flags, options, std::move(clock), writer_probe, projector_probe);
  LEDGER_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<LedgerService>(new LedgerService(std::move(impl)));
}

LedgerService::LedgerService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LedgerService::~LedgerService() = default;
std::future<LedgerService::BatchResult> LedgerService::Submit(std::vector<Command> commands) {
  return impl_->Submit(std::move(commands));
}
void LedgerService::Stop() { impl_->Stop(); }
const ProjectionDb& LedgerService::db() const { return impl_->db(); }
PersonalDataVault* LedgerService::vault() const { return impl_->vault(); }
Readiness LedgerService::readiness() const { return impl_->readiness(); }
uint64_t LedgerService::version() const { return impl_->version(); }
uint64_t LedgerService::WaitForVersion(uint64_t seen, std::chrono::milliseconds timeout) const {
  return impl_->WaitForVersion(seen, timeout);
}
int32_t LedgerService::partition_count() const { return impl_->partition_count(); }
std::string LedgerService::log_dir() const { return impl_->log_dir(); }
std::string LedgerService::projection_dir() const { return impl_->projection_dir(); }
Status LedgerService::SetUrl(const std::string& url) { return impl_->SetUrl(url); }

}  // namespace ledger
