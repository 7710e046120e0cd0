// The privacy library: sealing and opening personal fields, erasure by key
// destruction, keyed lookups, the master key file and the RocksDB key store.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>

#include <gtest/gtest.h>

#include "events/codec.h"
#include "events/hash_chain.h"
#include "events/privacy/key_vault.h"
#include "events/privacy/master_key.h"
#include "events/privacy/rocksdb/rocksdb_key_store.h"
#include "events/testing/file_bytes.h"
#include "events/testing/temp_dir.h"

namespace ledger::privacy {
namespace {

using ::ledger::testing::AllBytes;

Secret32 Master(uint8_t fill) {
  Secret32 s;
  std::fill(s.data(), s.data() + s.size(), fill);
  return s;
}

Event Created(const std::string& account) {
  Event e;
  e.stream = StreamId(account);
  e.seq = 1;
  e.event_id = MakeEventId(e.stream, 1);
  e.occurred_at = Timestamp{1'700'000'000'000'000};
  AccountCreated a;
  a.kind = AccountKind::kPupil;
  a.login = "c.dupontel7";
  a.source_system = SourceSystem::kSiecle;
  a.source_id = "4242";
  a.source_file = "ElevesSansAdresses.xml";
  a.placement = Placement{Uai("0310001A"), "031", "toulouse", Level::kCollege, "4E1"};
  a.ine = Ine("123456789JA");
  a.birth_date = Date{2011, 3, 14};
  a.last_name = "DUPONTEL";
  a.first_name = "Capucine";
  a.has_email = true;
  e.payload = a;
  return e;
}

bool Contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// Accounts to prepare keys for, without their fields (nothing sealed ahead),
// from names that outlive the batch (literals, or Names()).
std::vector<AccountToCreate> KeysFor(std::initializer_list<std::string_view> persons) {
  std::vector<AccountToCreate> out;
  for (std::string_view p : persons) out.push_back(AccountToCreate{p, nullptr});
  return out;
}

// "acc-0" … "acc-<n-1>", for KeysOf.
std::vector<std::string> Names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("acc-" + std::to_string(i));
  return out;
}

std::vector<AccountToCreate> KeysOf(const std::vector<std::string>& names) {
  std::vector<AccountToCreate> out;
  for (const std::string& p : names) out.push_back(AccountToCreate{p, nullptr});
  return out;
}

TEST(KeyVaultTest, ASealedRecordHoldsNoPersonalFieldAndOpensToTheSameEvent) {
  MemoryKeyStore store;
  KeyVault vault(store, Master(7));
  const std::string who = "acc-1";
  ASSERT_TRUE(vault.PrepareKeys(KeysFor({who})).ok());
  EXPECT_EQ(store.syncs(), 1u);
  Event e = Created(who);
  const AccountCreated clear = std::get<AccountCreated>(e.payload);
  ASSERT_TRUE(vault.Seal(e).ok());
  EXPECT_EQ(e.schema_version, kSealedSchemaVersion);
  const std::string record = SealEvent(e);
  for (const char* secret : {"DUPONTEL", "Capucine", "c.dupontel7", "123456789JA", "20110314", "4242"})
    EXPECT_FALSE(Contains(record, secret)) << secret;
  EXPECT_TRUE(Contains(record, "0310001A"));  // the placement is not personal: tables need it

  Result<DecodedRecord> d = DecodeRecord(record);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto& read = std::get<AccountCreated>(d->event.payload);
  EXPECT_EQ(read.personal, PersonalData::kSealed);
  EXPECT_TRUE(read.login.empty());
  EXPECT_EQ(ChainHash(d->event.prev_hash, d->body), d->event.hash);
  // Re-encoding what was read gives the stored bytes (opened or not).
  EXPECT_EQ(EncodeBody(d->event), d->body);
  ASSERT_TRUE(vault.Open(d->event.stream, read).ok());
  EXPECT_EQ(read.personal, PersonalData::kClear);
  EXPECT_EQ(read.login, clear.login);
  EXPECT_EQ(read.ine, clear.ine);
  EXPECT_EQ(read.birth_date, clear.birth_date);
  EXPECT_EQ(read.last_name, clear.last_name);
  EXPECT_EQ(read.first_name, clear.first_name);
  EXPECT_EQ(read.source_id, clear.source_id);
  EXPECT_EQ(EncodeBody(d->event), d->body);
}

TEST(KeyVaultTest, SealingTwiceDiffersByItsNonceAndIsBoundToTheAccount) {
  MemoryKeyStore store;
  KeyVault vault(store, Master(7));
  ASSERT_TRUE(vault.PrepareKeys(KeysFor({"acc-1", "acc-2"})).ok());
  Event a = Created("acc-1"), b = Created("acc-1");
  ASSERT_TRUE(vault.Seal(a).ok());
  ASSERT_TRUE(vault.Seal(b).ok());
  const std::string& sa = std::get<AccountCreated>(a.payload).sealed;
  const std::string& sb = std::get<AccountCreated>(b.payload).sealed;
  EXPECT_EQ(sa.size(), sb.size());
  EXPECT_NE(sa.substr(1, 24), sb.substr(1, 24));  // fresh nonces
  for (Event* e : {&a, &b}) {
    auto read = std::get<AccountCreated>(DecodeRecord(SealEvent(*e))->event.payload);
    ASSERT_TRUE(vault.Open(StreamId("acc-1"), read).ok());
    EXPECT_EQ(read.login, "c.dupontel7");
  }
  // acc-1's ciphertext pasted into acc-2's event does not open.
  Event c = Created("acc-2");
  ASSERT_TRUE(vault.Seal(c).ok());
  auto moved = std::get<AccountCreated>(DecodeRecord(SealEvent(c))->event.payload);
  moved.sealed = std::get<AccountCreated>(a.payload).sealed;
  Status s = vault.Open(StreamId("acc-2"), moved);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(s.message(), "acc-2")) << s.message();
  EXPECT_FALSE(Contains(s.message(), "DUPONTEL"));
}

TEST(KeyVaultTest, ErasureLeavesTheChainWholeAndTheFieldsErased) {
  MemoryKeyStore store;
  KeyVault vault(store, Master(7));
  ASSERT_TRUE(vault.PrepareKeys(KeysFor({"acc-1"})).ok());
  Event e = Created("acc-1");
  ASSERT_TRUE(vault.Seal(e).ok());
  const std::string record = SealEvent(e);
  ASSERT_TRUE(vault.Erase("acc-1").ok());
  EXPECT_FALSE(*vault.HasKey("acc-1"));
  Result<DecodedRecord> d = DecodeRecord(record);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(ChainHash(d->event.prev_hash, d->body), d->event.hash);
  auto& read = std::get<AccountCreated>(d->event.payload);
  ASSERT_TRUE(vault.Open(d->event.stream, read).ok());
  EXPECT_EQ(read.personal, PersonalData::kErased);
  EXPECT_TRUE(read.last_name.empty());
  EXPECT_TRUE(vault.Erase("acc-1").ok());  // idempotent
  // Sealing for an account whose key is gone is refused, naming it.
  Event again = Created("acc-1");
  Status s = vault.Seal(again);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_TRUE(Contains(s.message(), "acc-1"));
}

TEST(KeyVaultTest, ASharedStoreKeepsAKeyFoundThereAndSyncsOnlyWhenOneWasCreated) {
  MemoryKeyStore store;  // shared: another writer may have created a key
  KeyVault vault(store, Master(7));
  ASSERT_TRUE(vault.PrepareKeys(KeysFor({"a", "b", "c"})).ok());
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.syncs(), 1u);
  const std::string a_key = **store.Get("a");
  ASSERT_TRUE(vault.PrepareKeys(KeysFor({"a", "b"})).ok());
  EXPECT_EQ(store.syncs(), 1u);
  EXPECT_EQ(**store.Get("a"), a_key);
  store.fail = true;
  EXPECT_EQ(vault.PrepareKeys(KeysFor({"d"})).code(), StatusCode::kUnavailable);
}

TEST(KeyVaultTest, AKeyStoreFailingUnderTheWorkerMakesSealUnavailable) {
  MemoryKeyStore store;
  store.exclusive_writer = true;
  store.fail = true;
  KeyVault vault(store, Master(7));
  const std::vector<std::string> names = Names(40);
  const std::vector<AccountToCreate> accounts = KeysOf(names);
  // The batch goes to the worker: PrepareKeys returns, the write fails there,
  // and Seal of one of its accounts says so instead of sealing without a durable key.
  ASSERT_TRUE(vault.PrepareKeys(accounts).ok());
  Event e = Created("acc-3");
  Status s = vault.Seal(e);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(s.message(), "key store")) << s.message();
  EXPECT_TRUE(std::get<AccountCreated>(e.payload).sealed.empty());
  vault.FinishBatch();
  // The next batch tries again.
  store.fail = false;
  ASSERT_TRUE(vault.PrepareKeys(KeysFor({"acc-3"})).ok());
  EXPECT_TRUE(vault.Seal(e).ok());
}

// A store whose Sync waits until the test opens it.
class GatedStore : public MemoryKeyStore {
 public:
  Status Sync() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    ++synced_;
    return MemoryKeyStore::Sync();
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int synced() {
    std::lock_guard lock(mu_);
    return synced_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int synced_ = 0;
};

TEST(KeyVaultTest, SealWaitsUntilTheAccountsKeyIsDurable) {
  GatedStore store;
  store.exclusive_writer = true;
  KeyVault vault(store, Master(7));
  std::vector<Event> events;
  for (int i = 0; i < 100; ++i) events.push_back(Created("acc-" + std::to_string(i)));
  std::vector<AccountToCreate> accounts;
  for (const Event& e : events) accounts.push_back(AccountToCreate{e.stream.str(), &std::get<AccountCreated>(e.payload)});
  ASSERT_TRUE(vault.PrepareKeys(accounts).ok());  // returns before any sync
  EXPECT_EQ(store.synced(), 0);
  // The writer's Seal (here on a thread of its own) blocks while the sync has not returned…
  auto sealed = std::async(std::launch::async, [&] { return vault.Seal(events[0]); });
  EXPECT_EQ(sealed.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  EXPECT_TRUE(std::get<AccountCreated>(events[0].payload).sealed.empty());
  // …and returns once it has.
  store.Open();
  ASSERT_TRUE(sealed.get().ok());
  EXPECT_GE(store.synced(), 1);
  EXPECT_FALSE(std::get<AccountCreated>(events[0].payload).sealed.empty());
  // The last account, in the last chunk, was synced before Seal returned too.
  ASSERT_TRUE(vault.Seal(events[99]).ok());
  EXPECT_EQ(store.synced(), 2);  // chunks of 64 then 36
  EXPECT_EQ(store.size(), 100u);
  vault.FinishBatch();
}

TEST(KeyVaultTest, AnExclusiveStoreReplacesAnOrphanKeyWithoutReadingIt) {
  MemoryKeyStore store;
  store.exclusive_writer = true;  // DATA/keys: the log's writer alone
  KeyVault vault(store, Master(7));
  ASSERT_TRUE(vault.PrepareKeys(KeysFor({"a"})).ok());
  const std::string orphan = **store.Get("a");  // a batch that never reached the log
  ASSERT_TRUE(vault.PrepareKeys(KeysFor({"a"})).ok());
  EXPECT_EQ(store.syncs(), 2u);
  EXPECT_NE(**store.Get("a"), orphan);
  Event e = Created("a");
  ASSERT_TRUE(vault.Seal(e).ok());
  auto read = std::get<AccountCreated>(DecodeRecord(SealEvent(e))->event.payload);
  ASSERT_TRUE(vault.Open(StreamId("a"), read).ok());
  EXPECT_EQ(read.login, "c.dupontel7");
}

TEST(KeyVaultTest, SealingAheadOnTheWorkerGivesWhatSealingInlineGives) {
  MemoryKeyStore store;
  KeyVault vault(store, Master(7));
  // Enough accounts for the second core; each with fields of its own.
  std::vector<Event> events;
  for (int i = 0; i < 100; ++i) {
    events.push_back(Created("acc-" + std::to_string(i)));
    auto& a = std::get<AccountCreated>(events.back().payload);
    a.login = "login" + std::to_string(i);
    a.first_name = "Prenom" + std::to_string(i);
  }
  // The commands' fields, apart from the events.
  const std::vector<Event> commands = events;
  std::vector<AccountToCreate> accounts;
  for (const Event& c : commands)
    accounts.push_back(AccountToCreate{c.stream.str(), &std::get<AccountCreated>(c.payload)});
  // The event of acc-7 is not what its command said: it is sealed from the event.
  std::get<AccountCreated>(events[7].payload).first_name = "Autre";
  ASSERT_TRUE(vault.PrepareKeys(accounts).ok());  // written and synced by the worker
  for (size_t i = 0; i < events.size(); ++i) {
    Event ahead = events[i];
    Event inline_sealed = events[i];
    ASSERT_TRUE(vault.Seal(ahead).ok());          // what PrepareKeys sealed
    ASSERT_TRUE(vault.Seal(inline_sealed).ok());  // with the key read back from the store
    for (const Event* e : {&ahead, &inline_sealed}) {
      const auto& a = std::get<AccountCreated>(e->payload);
      EXPECT_EQ(a.login_key, LoginKey(vault.keyer(), "login" + std::to_string(i)));
      EXPECT_EQ(a.ine_key, IneKey(vault.keyer(), "123456789JA"));
      Event copy = *e;
      auto read = std::get<AccountCreated>(DecodeRecord(SealEvent(copy))->event.payload);
      ASSERT_TRUE(vault.Open(e->stream, read).ok()) << i;
      EXPECT_EQ(read.first_name, i == 7 ? "Autre" : "Prenom" + std::to_string(i));
      EXPECT_EQ(read.login, "login" + std::to_string(i));
    }
  }
  vault.FinishBatch();
  EXPECT_EQ(store.syncs(), 2u);  // chunks of 64 and 36
  EXPECT_EQ(store.size(), 100u);
}

TEST(KeyVaultTest, APersonNamedTwiceInABatchIsSealedUnderTheKeyTheStoreKeeps) {
  for (int n : {3, 100}) {  // on the writer's thread, and on the worker
    MemoryKeyStore store;
    store.exclusive_writer = true;
    KeyVault vault(store, Master(7));
    std::vector<std::string> names = Names(n);
    names[n - 1] = names[1];  // acc-1 first at index 1, again last
    ASSERT_TRUE(vault.PrepareKeys(KeysOf(names)).ok());
    Event e = Created("acc-1");
    ASSERT_TRUE(vault.Seal(e).ok());
    vault.FinishBatch();
    EXPECT_EQ(store.size(), static_cast<size_t>(n - 1));
    // What the store holds opens what was sealed.
    auto read = std::get<AccountCreated>(DecodeRecord(SealEvent(e))->event.payload);
    ASSERT_TRUE(vault.Open(StreamId("acc-1"), read).ok()) << n;
    EXPECT_EQ(read.last_name, "DUPONTEL");
  }
}

TEST(KeyVaultTest, AnotherMasterKeyCannotOpenAndSaysSo) {
  MemoryKeyStore store;
  KeyVault vault(store, Master(7));
  ASSERT_TRUE(vault.PrepareKeys(KeysFor({"acc-1"})).ok());
  Event e = Created("acc-1");
  ASSERT_TRUE(vault.Seal(e).ok());
  auto read = std::get<AccountCreated>(DecodeRecord(SealEvent(e))->event.payload);
  KeyVault other(store, Master(8));
  Status s = other.Open(StreamId("acc-1"), read);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(s.message(), "master key")) << s.message();
}

TEST(KeyVaultTest, SchemaOneEventsReadAsBefore) {
  MemoryKeyStore store;
  KeyVault vault(store, Master(7));
  Event e = Created("acc-old");
  const std::string record = SealEvent(e);  // never sealed: schema 1, in clear
  EXPECT_TRUE(Contains(record, "DUPONTEL"));
  auto d = DecodeRecord(record);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->event.schema_version, kSchemaVersion);
  auto& read = std::get<AccountCreated>(d->event.payload);
  ASSERT_TRUE(vault.Open(d->event.stream, read).ok());
  EXPECT_EQ(read.personal, PersonalData::kClear);
  EXPECT_EQ(read.last_name, "DUPONTEL");
  EXPECT_EQ(d->event, e);
}

TEST(LookupKeyTest, KeyedByTheDeploymentNormalisedAndSeparatedByDomain) {
  LookupKeyer a = LookupKeyer::FromMasterKey(Master(1)), b = LookupKeyer::FromMasterKey(Master(2));
  EXPECT_EQ(LoginKey(a, "c.dupontel7"), LoginKey(a, "  C.Dupontel7 "));
  EXPECT_EQ(IneKey(a, "123456789ja"), IneKey(a, "123456789JA"));
  EXPECT_NE(LoginKey(a, "c.dupontel7"), LoginKey(b, "c.dupontel7"));
  EXPECT_NE(a.Key("login", "x"), a.Key("ine", "x"));
  EXPECT_NE(a.Key("ab", "c"), a.Key("a", "bc"));
  EXPECT_EQ(a.Key("login", "x").size(), 32u);
  // Not the unkeyed digest a log reader could compute by trying values.
  EXPECT_NE(a.Key("match", "DUPONT|JEAN|0612345678"), LookupKeyer(Secret32()).Key("match", "DUPONT|JEAN|0612345678"));
}

TEST(MasterKeyTest, CreatedOnceWithMode0600AndReadBack) {
  testing::TempDir dir("masterkey");
  const std::string path = (dir.path() / "master.key").string();
  std::string note;
  Result<Secret32> k = LoadOrCreateMasterKey(path, &note);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_TRUE(Contains(note, path) && Contains(note, "0600")) << note;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string again;
  Result<Secret32> k2 = LoadOrCreateMasterKey(path, &again);
  ASSERT_TRUE(k2.ok());
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(k->ToHex(), k2->ToHex());
}

TEST(MasterKeyTest, RefusesAFileOthersMayReadAndAMalformedOne) {
  testing::TempDir dir("masterkey");
  const std::string path = (dir.path() / "master.key").string();
  ASSERT_TRUE(LoadOrCreateMasterKey(path, nullptr).ok());
  ::chmod(path.c_str(), 0644);
  Status s = LoadMasterKey(path).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(s.message(), "chmod 600 " + path)) << s.message();
  ::chmod(path.c_str(), 0600);
  { std::ofstream(path) << "ledger-master-key-v1 zz\n"; }
  s = LoadMasterKey(path).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.message(), path + ":1:")) << s.message();
  s = LoadMasterKey((dir.path() / "absent.key").string()).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(s.message(), "--master-key-file")) << s.message();
}

TEST(RocksDbKeyStoreTest, KeysSurviveReopenAndErasureLeavesNoCopyInTheFiles) {
  testing::TempDir dir("keystore");
  const auto path = dir.path() / "keys";
  std::string wrapped_1;
  {
    auto store = RocksDbKeyStore::Open(path, /*read_only=*/false);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    KeyVault vault(**store, Master(3));
    const std::vector<std::string> names = Names(200);
    const std::vector<AccountToCreate> persons = KeysOf(names);
    ASSERT_TRUE(vault.PrepareKeys(persons).ok());
    vault.FinishBatch();  // the worker's writes are done
    wrapped_1 = **(*store)->Get("acc-1");
  }
  auto reader = RocksDbKeyStore::Open(path, /*read_only=*/true);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(**(*reader)->Get("acc-1"), wrapped_1);
  reader->reset();
  ASSERT_TRUE(Contains(AllBytes(path), wrapped_1));

  auto store = RocksDbKeyStore::Open(path, false);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Erase("acc-1").ok());
  EXPECT_FALSE((*store)->Get("acc-1")->has_value());
  EXPECT_TRUE((*store)->Get("acc-2")->has_value());
  EXPECT_FALSE(Contains(AllBytes(path), wrapped_1));
  EXPECT_EQ(RocksDbKeyStore::Open(dir.path() / "none", true).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ledger::privacy
