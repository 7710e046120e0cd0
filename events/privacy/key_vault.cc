#include "events/privacy/key_vault.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "events/codec.h"
#include "events/event_generated.h"

namespace ledger::privacy {
namespace {

constexpr uint8_t kFormat = 1;
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
// Random bytes drawn per new account: its key, the wrapping's nonce, the sealing's.
constexpr size_t kDraw = 32 + 2 * kNonce;
static_assert(kNonce == 24 && crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// 0x01 ‖ nonce ‖ ciphertext of `plain` under `key`. `nonce`: 24 random bytes
// (XChaCha20's extended nonce makes random nonces safe under one key).
std::string Encrypt(const Secret32& key, std::string_view ad, std::string_view plain, const uint8_t* nonce) {
  std::string out(1 + kNonce + plain.size() + kTag, '\0');
  out[0] = static_cast<char>(kFormat);
  std::copy(nonce, nonce + kNonce, out.begin() + 1);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(out.data()) + 1 + kNonce, &len,
                                             U(plain), plain.size(), U(ad), ad.size(), nullptr, nonce,
                                             key.data());
  return out;
}

// The plaintext, or nullopt when `sealed` does not authenticate under `key`.
std::optional<std::string> Decrypt(const Secret32& key, std::string_view ad, std::string_view sealed) {
  if (sealed.size() < 1 + kNonce + kTag || static_cast<uint8_t>(sealed[0]) != kFormat) return std::nullopt;
  std::string plain(sealed.size() - 1 - kNonce - kTag, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &len, nullptr,
                                                 U(sealed) + 1 + kNonce, sealed.size() - 1 - kNonce, U(ad),
                                                 ad.size(), U(sealed) + 1, key.data()) != 0)
    return std::nullopt;
  plain.resize(len);
  return plain;
}

std::string EncodeFields(const AccountCreated& a) {
  flatbuffers::FlatBufferBuilder b(256);
  b.Finish(fb::CreatePersonalFieldsDirect(b, a.login.c_str(), a.ine.str().c_str(), PackDate(a.birth_date),
                                          a.last_name.c_str(), a.first_name.c_str(), a.source_id.c_str()));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

bool DecodeFields(std::string_view bytes, AccountCreated& a) {
  flatbuffers::Verifier v(U(bytes), bytes.size());
  if (!v.VerifyBuffer<fb::PersonalFields>(nullptr)) return false;
  const auto* f = flatbuffers::GetRoot<fb::PersonalFields>(bytes.data());
  auto str = [](const flatbuffers::String* s) { return s ? std::string(s->c_str()) : std::string(); };
  a.login = str(f->login());
  a.ine = Ine(str(f->ine()));
  a.birth_date = UnpackDate(f->birth_date());
  a.last_name = str(f->last_name());
  a.first_name = str(f->first_name());
  a.source_id = str(f->source_id());
  return true;
}

std::string Trimmed(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  return std::string(v);
}

// Whether `a` and `b` carry the same personal fields (those sealed).
bool SamePersonalFields(const AccountCreated& a, const AccountCreated& b) {
  return a.login == b.login && a.ine == b.ine && a.birth_date == b.birth_date && a.last_name == b.last_name &&
         a.first_name == b.first_name && a.source_id == b.source_id;
}

}  // namespace

std::string NormalizeLogin(std::string_view login) {
  std::string s = Trimmed(login);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string NormalizeIne(std::string_view ine) {
  std::string s = Trimmed(ine);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string LoginKey(const LookupKeyer& keyer, std::string_view login) {
  return keyer.Key("login", NormalizeLogin(login));
}

std::string IneKey(const LookupKeyer& keyer, std::string_view ine) { return keyer.Key("ine", NormalizeIne(ine)); }

KeyVault::KeyVault(KeyStore& store, const Secret32& master)
    : store_(store), wrap_(DeriveSubkey(master, Subkey::kWrap)), keyer_(LookupKeyer::FromMasterKey(master)) {}

Result<std::optional<Secret32>> KeyVault::DataKey(const std::string& person) {
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> wrapped, store_.Get(person));
  if (!wrapped) return std::optional<Secret32>();
  LEDGER_ASSIGN_OR_RETURN(Secret32 key, Unwrap(person, *wrapped));
  return std::optional<Secret32>(key);
}

Result<Secret32> KeyVault::Unwrap(std::string_view person, const std::string& wrapped) const {
  std::optional<std::string> raw = Decrypt(wrap_, "ledger-key:" + std::string(person), wrapped);
  if (!raw || raw->size() != Secret32::size())
    return DataLoss("the data key of account " + std::string(person) +
                    " does not open under the master key (a key store or master key file from another "
                    "deployment, or a damaged key store)");
  Secret32 key;
  std::copy(raw->begin(), raw->end(), key.data());
  sodium_memzero(raw->data(), raw->size());
  return key;
}

Result<bool> KeyVault::HasKey(const std::string& person) {
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> wrapped, store_.Get(person));
  return wrapped.has_value();
}

KeyVault::Sealed KeyVault::SealWith(const Secret32& key, std::string_view person, const AccountCreated& a,
                                    const uint8_t* nonce) const {
  Sealed out;
  out.sealed = Encrypt(key, "ledger-personal:" + std::string(person), EncodeFields(a), nonce);
  if (!a.login.empty()) out.login_key = LoginKey(keyer_, a.login);
  if (!a.ine.empty()) out.ine_key = IneKey(keyer_, a.ine.str());
  return out;
}

// One PrepareKeys's accounts (the caller's, alive until FinishBatch). The
// writer builds it, then reads made[i] once `ready` > i; the worker fills
// made[] in order.
struct KeyVault::Batch {
  std::vector<AccountToCreate> accounts;
  std::vector<std::optional<std::string>> existing;  // a shared store's keys, kept
  std::vector<uint8_t> random;  // kDraw bytes per account: key, wrapping nonce, sealing nonce
  std::vector<Prepared> made;
  size_t cursor = 0;               // the writer's: where the next Seal's account is looked for
  std::mutex mu;
  std::condition_variable cv;
  size_t ready = 0;  // under mu: made[0, ready) is durable and sealed ahead
  Status failed;     // under mu: why the accounts from `ready` on have no key
  std::thread worker;

  ~Batch() {
    if (worker.joinable()) worker.join();
    sodium_memzero(random.data(), random.size());
  }
  void Publish(size_t upto, Status s) {
    std::lock_guard lock(mu);
    if (s.ok()) ready = upto;
    else failed = std::move(s);
    cv.notify_all();
  }
  // Blocks until made[i] is ready: OK, or why it never will be.
  Status WaitFor(size_t i) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return ready > i || !failed.ok(); });
    return ready > i ? OkStatus() : failed;
  }
};

KeyVault::~KeyVault() = default;

Status KeyVault::PrepareRange(Batch& b, size_t lo, size_t hi) const {
  std::vector<std::pair<std::string, std::string>> created;
  for (size_t i = lo; i < hi; ++i) {
    const std::string_view person = b.accounts[i].person;
    const uint8_t* draw = b.random.data() + i * kDraw;
    if (b.made[i].superseded) continue;  // named again later: that mention's key is the one kept
    if (b.existing[i]) {
      LEDGER_ASSIGN_OR_RETURN(b.made[i].key, Unwrap(person, *b.existing[i]));
      continue;
    }
    std::copy_n(draw, Secret32::size(), b.made[i].key.data());
    created.emplace_back(std::string(person),
                         Encrypt(wrap_, "ledger-key:" + std::string(person),
                                 std::string_view(reinterpret_cast<const char*>(b.made[i].key.data()),
                                                  Secret32::size()),
                                 draw + Secret32::size()));
  }
  if (!created.empty()) LEDGER_RETURN_IF_ERROR(store_.PutMany(created));
  // Sealing ahead needs the key, not its durability: done before the sync.
  for (size_t i = lo; i < hi; ++i) {
    const AccountCreated* f = b.accounts[i].fields;
    Prepared& p = b.made[i];
    if (f == nullptr || p.superseded) continue;
    p.from = f;
    p.sealed = SealWith(p.key, b.accounts[i].person, *f, b.random.data() + i * kDraw + Secret32::size() + kNonce);
    p.ahead = true;
  }
  if (!created.empty()) LEDGER_RETURN_IF_ERROR(store_.Sync());
  return OkStatus();
}

void KeyVault::MarkSuperseded(Batch& b) {
  std::unordered_map<std::string_view, size_t> last;
  last.reserve(b.accounts.size());
  for (size_t i = 0; i < b.accounts.size(); ++i) {
    auto [it, fresh] = last.try_emplace(b.accounts[i].person, i);
    if (!fresh) {
      b.made[it->second].superseded = i;
      it->second = i;
    }
  }
}

void KeyVault::Work(Batch& b) const {
  const size_t n = b.accounts.size();
  for (size_t lo = 0, chunk = 64; lo < n; lo += chunk, chunk = std::min<size_t>(chunk * 2, 1024)) {
    const size_t hi = std::min(n, lo + chunk);
    Status s = PrepareRange(b, lo, hi);
    if (!s.ok()) {
      // A key that does not unwrap (another deployment's store) is DataLoss, not a retry.
      b.Publish(lo, s.code() == StatusCode::kDataLoss
                        ? s
                        : Unavailable("the key store failed while preparing the keys of new accounts (nothing "
                                      "sealed under them was appended; retry the same commands): " + s.ToString()));
      return;
    }
    b.Publish(hi, OkStatus());
  }
}

void KeyVault::FinishBatch() {
  batch_.reset();  // joins the worker; the accounts named may go now
}

Status KeyVault::PrepareKeys(std::span<const AccountToCreate> accounts) {
  EnsureSodium();
  FinishBatch();
  auto b = std::make_unique<Batch>();
  const size_t n = accounts.size();
  b->accounts.assign(accounts.begin(), accounts.end());
  // A shared store may hold a key another writer created: it is kept, not replaced.
  b->existing.resize(n);
  if (!store_.exclusive()) {
    std::vector<std::string> persons(accounts.size());
    for (size_t i = 0; i < n; ++i) persons[i] = accounts[i].person;
    LEDGER_ASSIGN_OR_RETURN(b->existing, store_.GetMany(persons));
  }
  // One draw for the batch: per account its key, the wrapping's nonce and the sealing's.
  b->random.resize(n * kDraw);
  randombytes_buf(b->random.data(), b->random.size());
  b->made.resize(n);
  // A person named twice gets the key of their last mention (the one the
  // store keeps: the worker writes in order).
  MarkSuperseded(*b);
  if (n < kWorkerFrom) {
    // A thread costs more than such a batch: done here, durable on return.
    LEDGER_RETURN_IF_ERROR(PrepareRange(*b, 0, n));
    b->ready = n;
  } else {
    b->worker = std::thread([this, raw = b.get()] { Work(*raw); });
  }
  batch_ = std::move(b);
  return OkStatus();
}

Result<std::optional<KeyVault::Prepared>> KeyVault::TakePrepared(std::string_view person) {
  if (!batch_) return std::optional<Prepared>();
  Batch& b = *batch_;
  const size_t n = b.accounts.size();
  // Accounts are sealed in the order they were named: look from the cursor on, then before it.
  size_t i = n;
  for (size_t k = 0; k < n && i == n; ++k) {
    const size_t j = (b.cursor + k) % n;
    if (b.accounts[j].person == person && !b.made[j].taken) i = j;
  }
  if (i == n) return std::optional<Prepared>();
  b.cursor = i + 1;
  b.made[i].taken = true;  // a second Seal of this person reads the store
  LEDGER_RETURN_IF_ERROR(b.WaitFor(i));
  while (b.made[i].superseded) {
    i = *b.made[i].superseded;
    b.made[i].taken = true;
    LEDGER_RETURN_IF_ERROR(b.WaitFor(i));
  }
  return std::optional<Prepared>(std::move(b.made[i]));
}

Status KeyVault::Seal(Event& e) {
  auto* a = std::get_if<AccountCreated>(&e.payload);
  if (a == nullptr || !a->sealed.empty()) return OkStatus();
  const std::string person = e.stream.str();
  Sealed sealed;
  uint8_t nonce[kNonce];
  LEDGER_ASSIGN_OR_RETURN(std::optional<Prepared> p, TakePrepared(person));
  if (p) {
    if (p->ahead && SamePersonalFields(*p->from, *a)) {
      sealed = std::move(p->sealed);
    } else {
      randombytes_buf(nonce, sizeof nonce);
      sealed = SealWith(p->key, person, *a, nonce);
    }
  } else {
    LEDGER_ASSIGN_OR_RETURN(std::optional<Secret32> key, DataKey(person));
    if (!key)
      return Internal("no data key for account " + person + " (its keys were not prepared, or it was erased)");
    randombytes_buf(nonce, sizeof nonce);
    sealed = SealWith(*key, person, *a, nonce);
  }
  a->sealed = std::move(sealed.sealed);
  a->login_key = std::move(sealed.login_key);
  a->ine_key = std::move(sealed.ine_key);
  a->personal = PersonalData::kClear;
  e.schema_version = kSealedSchemaVersion;
  return OkStatus();
}

Status KeyVault::Open(const StreamId& person, AccountCreated& a) {
  if (a.personal != PersonalData::kSealed) return OkStatus();
  LEDGER_ASSIGN_OR_RETURN(std::optional<Secret32> key, DataKey(person.str()));
  if (!key) {
    a.personal = PersonalData::kErased;
    return OkStatus();
  }
  std::optional<std::string> plain = Decrypt(*key, "ledger-personal:" + person.str(), a.sealed);
  if (!plain || !DecodeFields(*plain, a))
    return DataLoss("the personal fields of account " + person.str() +
                    " do not authenticate under its key (an altered record)");
  sodium_memzero(plain->data(), plain->size());
  a.personal = PersonalData::kClear;
  return OkStatus();
}

Status KeyVault::Erase(const std::string& person) {
  FinishBatch();  // the worker is the store's writer until then; its keys are used no more
  return store_.Erase(person);
}

}  // namespace ledger::privacy
