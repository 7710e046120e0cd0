#include "ops/datadir/writer_role.h"

#include <mutex>

#include "events/kafka/kafka_writer_election.h"

namespace ledger {
namespace {

class SoleWriter final : public WriterRole {
 public:
  uint64_t term() const override { return 1; }
  Status Announce(const std::string& url) override {
    std::lock_guard<std::mutex> lock(mu_);
    url_ = url;
    return OkStatus();
  }
  std::string writer_url() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return url_;
  }

 private:
  mutable std::mutex mu_;
  std::string url_;
};

class ElectedWriter final : public WriterRole {
 public:
  explicit ElectedWriter(std::unique_ptr<KafkaWriterElection> election) : election_(std::move(election)) {}
  uint64_t term() const override { return election_->term(); }
  Status Announce(const std::string& url) override { return election_->Announce(url); }
  std::string writer_url() const override { return election_->writer_url(); }
  void Resign() override { election_->Resign(); }

 private:
  std::unique_ptr<KafkaWriterElection> election_;
};

}  // namespace

Result<std::unique_ptr<WriterRole>> SeekWriterRole(const LogFlags& flags,
                                                   std::function<void(const std::string&)> note) {
  if (flags.log.rfind("kafka://", 0) != 0) return std::unique_ptr<WriterRole>(std::make_unique<SoleWriter>());
  LEDGER_ASSIGN_OR_RETURN(KafkaLogOptions log, ParseKafkaUri(flags.log));
  {
    // The lease topic: created like the events topic (settings checked), one partition.
    KafkaLogOptions lease = log;
    lease.topic = KafkaWriterElection::LeaseTopic(log.topic);
    lease.partitions = 1;
    lease.partitions_given = true;
    lease.read_only = false;  // creating takes a producer handle
    lease.create_topic_if_missing = true;
    lease.on_warning = note;
    LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<KafkaEventLog> created, KafkaEventLog::Open(lease));
  }
  WriterElectionOptions options;
  options.note = std::move(note);
  LEDGER_ASSIGN_OR_RETURN(std::unique_ptr<KafkaWriterElection> election, KafkaWriterElection::Start(log, options));
  return std::unique_ptr<WriterRole>(std::make_unique<ElectedWriter>(std::move(election)));
}

}  // namespace ledger
