#include "events/kafka/kafka_writer_election.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "events/kafka/kafka_client.h"
#include "events/kafka/kafka_status.h"

namespace ledger {

class KafkaWriterElection::Impl {
 public:
  Impl(KafkaLogOptions log, WriterElectionOptions options)
      : log_(std::move(log)), options_(std::move(options)), lease_(LeaseTopic(log_.topic)) {}

  Status Start() {
    LEDGER_RETURN_IF_ERROR(Join());
    poller_ = std::thread([this] { PollMain(); });
    return OkStatus();
  }

  void Resign() { resign_ = true; }

  ~Impl() {
    stop_ = true;
    if (poller_.joinable()) poller_.join();
    Leave();
  }

  uint64_t term() const { return term_.load(); }

 private:
  // A new member: its own consumer, subscribed to the lease topic.
  Status Join() {
    const kafka::Settings settings = {
        {"bootstrap.servers", log_.brokers},
        {"client.id", "ledgerd-election"},
        {"group.id", options_.group_prefix + log_.topic},
        {"session.timeout.ms", std::to_string(options_.session_timeout.count())},
        {"heartbeat.interval.ms", std::to_string(std::max<int64_t>(100, options_.session_timeout.count() / 6))},
        // Also how long a rebalance waits for a member that does not rejoin
        // (Kafka's default, 5 minutes, would leave the topic without a writer).
        {"max.poll.interval.ms", std::to_string(std::max<int64_t>(20000, options_.session_timeout.count()))},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        // Cooperative: a member joining or leaving does not take the lease
        // from its holder (with the eager protocol every rebalance would stop
        // the writer for seconds); a partition that moves is revoked from its
        // holder in one rebalance before it is assigned in the next.
        {"partition.assignment.strategy", "cooperative-sticky"},
        {"auto.offset.reset", "latest"},
    };
    LEDGER_ASSIGN_OR_RETURN(kafka::Conf conf, kafka::MakeConf(settings, log_.extra_config));
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_rebalance_cb(conf.get(), OnRebalance);
    LEDGER_ASSIGN_OR_RETURN(rd_kafka_t * rk, kafka::NewHandle(RD_KAFKA_CONSUMER, std::move(conf)));
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, lease_.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_destroy(rk);
      return KafkaStatus(err, "joining the writer election of topic " + log_.topic);
    }
    std::lock_guard<std::mutex> lock(rk_mu_);
    rk_ = rk;
    return OkStatus();
  }

  // Leaves the group: the coordinator rebalances at once (the revocation
  // callback runs from here and drops the role).
  void Leave() {
    std::lock_guard<std::mutex> lock(rk_mu_);
    if (rk_ == nullptr) return;
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
    term_ = 0;
  }

 public:

  Status Announce(const std::string& url) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_t* p0 = rd_kafka_topic_partition_list_add(list, lease_.c_str(), 0);
    p0->offset = 0;  // never read from: the offset only carries the metadata
    p0->metadata = std::malloc(url.size());  // freed by the list (rd_free)
    std::memcpy(p0->metadata, url.data(), url.size());
    p0->metadata_size = url.size();
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__STATE;
    {
      std::lock_guard<std::mutex> lock(rk_mu_);  // not while a resignation replaces the member
      if (rk_ != nullptr) err = rd_kafka_commit(rk_, list, 0);
    }
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return Unavailable("announcing the writer of topic " + log_.topic + ": " + rd_kafka_err2str(err));
    std::lock_guard<std::mutex> lock(mu_);
    writer_url_ = url;
    return OkStatus();
  }

  std::string writer_url() const {
    std::lock_guard<std::mutex> lock(mu_);
    return writer_url_;
  }

 private:
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    bool has_p0 = false;
    for (int i = 0; i < parts->cnt; ++i) has_p0 = has_p0 || parts->elems[i].partition == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, parts);
      }
      rd_kafka_pause_partitions(rk, parts);  // never fetched: membership is all that counts
      if (has_p0) {
        self->term_ = ++self->granted_;
        self->Note("writer role granted by the group (term " + std::to_string(self->granted_) + ")");
      }
      return;
    }
    // Revoked, or lost (session timed out): the role goes before anyone else gets it.
    if ((has_p0 || !cooperative) && self->term_.exchange(0) != 0)
      self->Note(rd_kafka_assignment_lost(rk) ? "writer role lost (this member was removed from the group)"
                                              : "writer role handed back to the group");
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

  void Note(const std::string& line) const {
    if (options_.note) options_.note(line);
  }

  // Serves rebalances; reads the announced writer back about once a second.
  void PollMain() {
    auto next_read = std::chrono::steady_clock::now();
    while (!stop_) {
      if (resign_.exchange(false)) {
        // Leave, then join as a new member: the group grants the lease anew
        // (a new term), to another member or to this one.
        Note("resigning the writer role: leaving the group and joining it again");
        Leave();
      }
      if (rk_ == nullptr) {
        if (Status s = Join(); !s.ok()) {
          Note("joining the writer election failed: " + s.ToString() + " (retrying)");
          std::this_thread::sleep_for(std::chrono::seconds(1));
          continue;
        }
      }
      kafka::Message m(rd_kafka_consumer_poll(rk_, 100));
      if (m != nullptr && m->err == RD_KAFKA_RESP_ERR__FATAL) term_ = 0;
      if (std::chrono::steady_clock::now() < next_read) continue;
      next_read = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(list, lease_.c_str(), 0);
      if (rd_kafka_committed(rk_, list, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].metadata_size > 0) {
        std::lock_guard<std::mutex> lock(mu_);
        writer_url_.assign(static_cast<const char*>(list->elems[0].metadata), list->elems[0].metadata_size);
      }
      rd_kafka_topic_partition_list_destroy(list);
    }
  }

  const KafkaLogOptions log_;
  const WriterElectionOptions options_;
  const std::string lease_;
  std::mutex rk_mu_;        // rk_ is replaced on the poll thread (resignation)
  rd_kafka_t* rk_ = nullptr;
  std::thread poller_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> resign_{false};
  std::atomic<uint64_t> term_{0};
  uint64_t granted_ = 0;  // the poll thread's (callbacks run on it)
  mutable std::mutex mu_;
  std::string writer_url_;
};

Result<std::unique_ptr<KafkaWriterElection>> KafkaWriterElection::Start(const KafkaLogOptions& log,
                                                                        const WriterElectionOptions& options) {
  auto impl = std::make_unique<Impl>(log, options);
  LEDGER_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<KafkaWriterElection>(new KafkaWriterElection(std::move(impl)));
}

KafkaWriterElection::KafkaWriterElection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaWriterElection::~KafkaWriterElection() = default;
uint64_t KafkaWriterElection::term() const { return impl_->term(); }
void KafkaWriterElection::Resign() { impl_->Resign(); }
Status KafkaWriterElection::Announce(const std::string& url) { return impl_->Announce(url); }
std::string KafkaWriterElection::writer_url() const { return impl_->writer_url(); }
std::string KafkaWriterElection::LeaseTopic(const std::string& topic) { return topic + ".writer"; }
std::string KafkaWriterElection::TransactionalId(const std::string& topic) { return "ledgerd." + topic; }

}  // namespace ledger
