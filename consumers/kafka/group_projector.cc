#include "consumers/kafka/group_projector.h"

#include <librdkafka/rdkafka.h>

#include <mutex>

#include "consumers/partition_batch.h"

namespace ledger {

class GroupProjector::Impl {
 public:
  using Control = GroupProjector::Control;
  Impl(ProjectionDb& db, GroupProjectorOptions o) : db_(db), o_(std::move(o)) {}
  ~Impl() {
    if (rk_ == nullptr) return;
    (void)CommitAll(/*only=*/nullptr);
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }

  Status Init() {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> settings = {
        {"bootstrap.servers", o_.brokers},     {"group.id", o_.group_id},
        {"enable.auto.commit", "false"},       {"enable.auto.offset.store", "false"},
        {"isolation.level", "read_committed"}, {"auto.offset.reset", "earliest"},
        {"enable.partition.eof", "false"}};
    for (const auto& [k, v] : o_.extra_config) settings[k] = v;
    for (const auto& [k, v] : settings)
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return InvalidArgument("Kafka consumer setting " + k + "=" + v + ": " + err);
      }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_rebalance_cb(conf, &Impl::OnRebalance);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (rk_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument(std::string("cannot create the Kafka consumer: ") + err);
    }
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, o_.topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
      return Unavailable("cannot subscribe to " + o_.topic + ": " + rd_kafka_err2str(e));
    return OkStatus();
  }

  Status Run(const std::function<Control()>& control) {
    while (true) {
      Control c = control();
      if (c == Control::kCrash) {
        batches_.clear();
        return OkStatus();
      }
      if (c == Control::kStop) break;
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, static_cast<int>(o_.poll_timeout.count()));
      if (!error_.ok()) return error_;
      if (m == nullptr) {  // idle: commit what we hold
        LEDGER_RETURN_IF_ERROR(CommitAll(nullptr));
        continue;
      }
      Status s = Handle(m);
      rd_kafka_message_destroy(m);
      LEDGER_RETURN_IF_ERROR(s);
    }
    return CommitAll(nullptr);
  }

  void Abandon() {
    batches_.clear();
    if (rk_ == nullptr) return;
    rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    rk_ = nullptr;
  }

  std::set<int32_t> assignment() const {
    std::lock_guard<std::mutex> lock(mu_);
    return assigned_;
  }
  ProjectionProgress progress() const {
    std::lock_guard<std::mutex> lock(mu_);
    return progress_;
  }

 private:
  Status Handle(rd_kafka_message_t* m) {
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return OkStatus();
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Transient consumer errors are retried by librdkafka; report only fatal ones.
      if (m->err == RD_KAFKA_RESP_ERR__FATAL || m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        return Unavailable("Kafka consumer of " + o_.topic + ": " + rd_kafka_message_errstr(m));
      return OkStatus();
    }
    const int32_t p = m->partition;
    if (!assigned_.count(p)) return OkStatus();  // a straggler from a revoked partition
    auto it = batches_.find(p);
    if (it == batches_.end()) {
      int64_t start = positions_.count(p) ? positions_[p] : m->offset;
      it = batches_.emplace(p, std::make_unique<PartitionBatch>(db_, p, start)).first;
    }
    if (m->offset != it->second->next_offset()) {
      // Not where the store says we are (e.g. a re-delivery after a seek): resync.
      batches_.erase(it);
      return Reposition(p);
    }
    LogRecord rec{p, m->offset,
                  m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : std::string(),
                  std::string(static_cast<const char*>(m->payload), m->len)};
    it->second->Add(rec);
    if (it->second->size() >= o_.batch_records) return CommitOne(p);
    return OkStatus();
  }

  // Commits the batch of `p` (fenced); on a lost fence, drops it and re-reads.
  Status CommitOne(int32_t p) {
    auto it = batches_.find(p);
    if (it == batches_.end()) return OkStatus();
    std::unique_ptr<PartitionBatch> b = std::move(it->second);
    batches_.erase(it);
    if (b->size() == 0) return OkStatus();
    Status s = b->Commit(/*fenced=*/true);
    if (s.code() == StatusCode::kAborted) return Reposition(p);
    LEDGER_RETURN_IF_ERROR(s);
    positions_[p] = b->next_offset();
    std::lock_guard<std::mutex> lock(mu_);
    progress_.applied += b->applied();
    progress_.quarantined += b->quarantined();
    progress_.done += static_cast<int64_t>(b->size());
    return OkStatus();
  }

  Status CommitAll(const rd_kafka_topic_partition_list_t* only) {
    std::vector<int32_t> ps;
    for (const auto& [p, b] : batches_) ps.push_back(p);
    for (int32_t p : ps) {
      bool wanted = only == nullptr;
      for (int i = 0; only && i < only->cnt; ++i) wanted |= only->elems[i].partition == p;
      if (wanted) LEDGER_RETURN_IF_ERROR(CommitOne(p));
    }
    return OkStatus();
  }

  // Seeks `p` to the store's next offset.
  Status Reposition(int32_t p) {
    LEDGER_ASSIGN_OR_RETURN(std::optional<int64_t> next, db_.NextOffset(p));
    positions_[p] = next.value_or(0);
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, o_.topic.c_str(), p)->offset = positions_[p];
    rd_kafka_error_t* e = rd_kafka_seek_partitions(rk_, l, 10000);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
      std::string msg = rd_kafka_error_string(e);
      rd_kafka_error_destroy(e);
      return Unavailable("cannot seek " + o_.topic + " partition " + std::to_string(p) + ": " + msg);
    }
    return OkStatus();
  }

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      // Start every partition where the store says its projection stands.
      for (int i = 0; i < parts->cnt; ++i) {
        auto next = self->db_.NextOffset(parts->elems[i].partition);
        if (!next.ok()) {
          self->error_ = next.status();
          rd_kafka_assign(rk, nullptr);
          return;
        }
        parts->elems[i].offset = next->value_or(0);
        self->positions_[parts->elems[i].partition] = parts->elems[i].offset;
      }
      rd_kafka_assign(rk, parts);
      std::lock_guard<std::mutex> lock(self->mu_);
      for (int i = 0; i < parts->cnt; ++i) self->assigned_.insert(parts->elems[i].partition);
    } else {
      // Revoked: commit what we hold for them before another member starts.
      Status s = self->CommitAll(parts);
      if (!s.ok()) self->error_ = s;
      for (int i = 0; i < parts->cnt; ++i) self->batches_.erase(parts->elems[i].partition);
      rd_kafka_assign(rk, nullptr);
      std::lock_guard<std::mutex> lock(self->mu_);
      for (int i = 0; i < parts->cnt; ++i) self->assigned_.erase(parts->elems[i].partition);
    }
  }

  ProjectionDb& db_;
  GroupProjectorOptions o_;
  rd_kafka_t* rk_ = nullptr;
  Status error_;
  std::map<int32_t, std::unique_ptr<PartitionBatch>> batches_;
  std::map<int32_t, int64_t> positions_;  // next offset to project, per assigned partition
  mutable std::mutex mu_;                 // guards assigned_ and progress_ (read from other threads)
  std::set<int32_t> assigned_;
  ProjectionProgress progress_;
};

GroupProjector::GroupProjector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GroupProjector::~GroupProjector() = default;

Result<std::unique_ptr<GroupProjector>> GroupProjector::Open(ProjectionDb& db,
                                                             const GroupProjectorOptions& options) {
  auto impl = std::make_unique<Impl>(db, options);
  LEDGER_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<GroupProjector>(new GroupProjector(std::move(impl)));
}

Status GroupProjector::Run(const std::function<Control()>& control) { return impl_->Run(control); }
void GroupProjector::Abandon() { impl_->Abandon(); }
std::set<int32_t> GroupProjector::assignment() const { return impl_->assignment(); }
ProjectionProgress GroupProjector::progress() const { return impl_->progress(); }

}  // namespace ledger
