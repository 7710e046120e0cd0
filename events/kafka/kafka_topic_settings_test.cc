// CheckTopicSettings on hand-made facts: each refusal and warning, and the
// defaults a new topic is created with.
#include "events/kafka/kafka_topic_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ledger::kafka {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TopicFacts Good() {
  TopicFacts f;
  f.topic = "ledger.account-events";
  f.brokers = "k1:9092,k2:9092,k3:9092";
  f.partitions = 12;
  f.replication = 3;
  f.cluster_brokers = 3;
  f.configs = {{"cleanup.policy", "delete"},
               {"retention.ms", "-1"},
               {"retention.bytes", "-1"},
               {"min.insync.replicas", "2"},
               {"unclean.leader.election.enable", "false"}};
  return f;
}

TEST(TopicSettingsTest, TheLedgersOwnSettingsPassWithoutWarnings) {
  TopicVerdict v = CheckTopicSettings(Good());
  EXPECT_TRUE(v.refusal.ok()) << v.refusal.ToString();
  EXPECT_THAT(v.warnings, IsEmpty());
}

TEST(TopicSettingsTest, WhatLosesEventsOrBlocksWritesIsRefusedWithTheFix) {
  struct Case {
    std::string name, value, says, fix;
  };
  for (const Case& c : std::vector<Case>{
           {"cleanup.policy", "compact", "cleanup.policy=compact", "cleanup.policy=delete"},
           {"cleanup.policy", "compact,delete", "cleanup.policy=compact,delete",
            "cleanup.policy=delete"},
           {"retention.ms", "604800000", "retention.ms=604800000", "retention.ms=-1"},
           {"retention.bytes", "1073741824", "retention.bytes=1073741824", "retention.bytes=-1"},
           {"min.insync.replicas", "4", "3 replica(s) but min.insync.replicas=4",
            "min.insync.replicas=2"},
       }) {
    TopicFacts f = Good();
    f.configs[c.name] = c.value;
    TopicVerdict v = CheckTopicSettings(f);
    EXPECT_EQ(v.refusal.code(), StatusCode::kFailedPrecondition) << c.value;
    EXPECT_THAT(v.refusal.message(), HasSubstr(c.says));
    EXPECT_THAT(v.refusal.message(),
                HasSubstr("kafka-configs.sh --bootstrap-server k1:9092,k2:9092,k3:9092 --alter "
                          "--entity-type topics --entity-name ledger.account-events "
                          "--add-config " +
                          c.fix));
  }
  // The fault a real cluster showed: 1 replica, the brokers' default of 2.
  TopicFacts f = Good();
  f.replication = 1;
  TopicVerdict v = CheckTopicSettings(f);
  EXPECT_THAT(v.refusal.message(), HasSubstr("NOT_ENOUGH_REPLICAS"));
  EXPECT_THAT(v.refusal.message(), HasSubstr("--add-config min.insync.replicas=1"));
}

TEST(TopicSettingsTest, WeakButWorkableSettingsAreWarnedAbout) {
  TopicFacts f = Good();
  f.replication = 2;
  f.configs["min.insync.replicas"] = "1";
  f.configs["unclean.leader.election.enable"] = "true";
  f.wanted_partitions = 24;
  TopicVerdict v = CheckTopicSettings(f);
  EXPECT_TRUE(v.refusal.ok()) << v.refusal.ToString();
  ASSERT_EQ(v.warnings.size(), 3u);
  EXPECT_THAT(v.warnings[0], HasSubstr("has 2 replica(s) on a cluster of 3 brokers"));
  EXPECT_THAT(v.warnings[1], HasSubstr("allows unclean leader election"));
  EXPECT_THAT(v.warnings[2], HasSubstr("exists with 12 partitions, not the 24 asked for"));

  TopicFacts weak_isr = Good();
  weak_isr.configs["min.insync.replicas"] = "1";
  EXPECT_THAT(CheckTopicSettings(weak_isr).warnings,
              ElementsAre(HasSubstr("min.insync.replicas=1 with 3 replicas")));
}

TEST(TopicSettingsTest, UnknownSettingsJudgeOnlyWhatTheMetadataShows) {
  TopicFacts f = Good();
  f.configs.clear();  // DescribeConfigs unanswered
  f.replication = 1;
  TopicVerdict v = CheckTopicSettings(f);
  EXPECT_TRUE(v.refusal.ok());
  EXPECT_THAT(v.warnings, ElementsAre(HasSubstr("1 replica(s) on a cluster of 3 brokers")));
}

TEST(TopicSettingsTest, NewTopicsGetMinOfThreeAndTheBrokersAndAMatchingMinInsync) {
  EXPECT_EQ(DefaultReplication(1), 1);
  EXPECT_EQ(DefaultReplication(2), 2);
  EXPECT_EQ(DefaultReplication(3), 3);
  EXPECT_EQ(DefaultReplication(9), 3);
  EXPECT_EQ(DefaultReplication(0), 1);
  EXPECT_EQ(MinInsyncFor(1), 1);
  EXPECT_EQ(MinInsyncFor(2), 1);
  EXPECT_EQ(MinInsyncFor(3), 2);
  EXPECT_EQ(MinInsyncFor(5), 2);
}

// The key store of the privacy issue: compaction is what it needs.
TopicFacts KeyStore() {
  TopicFacts f = Good();
  f.topic = "ledger.person-keys";
  f.purpose = TopicPurpose::kKeyStore;
  f.max_compaction_lag_ms = 604800000;
  f.configs = {{"cleanup.policy", "compact"},
               {"max.compaction.lag.ms", "604800000"},
               {"min.insync.replicas", "2"},
               {"unclean.leader.election.enable", "false"}};
  return f;
}

TEST(TopicSettingsTest, AKeyStoreIsCompactedAndItsErasureBoundIsChecked) {
  TopicVerdict ok = CheckTopicSettings(KeyStore());
  EXPECT_TRUE(ok.refusal.ok()) << ok.refusal.ToString();
  EXPECT_THAT(ok.warnings, IsEmpty());

  for (const std::string policy : {"delete", "compact,delete"}) {
    TopicFacts f = KeyStore();
    f.configs["cleanup.policy"] = policy;
    TopicVerdict v = CheckTopicSettings(f);
    EXPECT_EQ(v.refusal.code(), StatusCode::kFailedPrecondition) << policy;
    EXPECT_THAT(v.refusal.message(), HasSubstr("cleanup.policy=" + policy + ": a key store"));
    EXPECT_THAT(v.refusal.message(), HasSubstr("--add-config cleanup.policy=compact"));
  }
  TopicFacts insync = KeyStore();
  insync.configs["min.insync.replicas"] = "4";
  EXPECT_THAT(CheckTopicSettings(insync).refusal.message(), HasSubstr("min.insync.replicas=4"));

  for (const std::string lag : {"", "9223372036854775807"}) {
    TopicFacts f = KeyStore();
    if (lag.empty()) f.configs.erase("max.compaction.lag.ms");
    else f.configs["max.compaction.lag.ms"] = lag;
    TopicVerdict v = CheckTopicSettings(f);
    EXPECT_TRUE(v.refusal.ok());
    ASSERT_EQ(v.warnings.size(), 1u) << lag;
    EXPECT_THAT(v.warnings[0], HasSubstr("erased or replaced key may stay"));
    EXPECT_THAT(v.warnings[0], HasSubstr("--add-config max.compaction.lag.ms=604800000"));
  }
  // An event topic opened as a key store is refused, and the other way round.
  TopicFacts events_as_keys = Good();
  events_as_keys.purpose = TopicPurpose::kKeyStore;
  EXPECT_FALSE(CheckTopicSettings(events_as_keys).refusal.ok());
  TopicFacts keys_as_events = KeyStore();
  keys_as_events.purpose = TopicPurpose::kEvents;
  EXPECT_FALSE(CheckTopicSettings(keys_as_events).refusal.ok());
  // Settings that could not be read are not a refusal.
  TopicFacts unknown = KeyStore();
  unknown.configs.clear();
  EXPECT_TRUE(CheckTopicSettings(unknown).refusal.ok());
}

}  // namespace
}  // namespace ledger::kafka
