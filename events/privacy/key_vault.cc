#include "events/privacy/key_vault.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cctype>
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

Result<Secret32> KeyVault::Unwrap(const std::string& person, const std::string& wrapped) const {
  std::optional<std::string> raw = Decrypt(wrap_, "ledger-key:" + person, wrapped);
  if (!raw || raw->size() != Secret32::size())
    return DataLoss("the data key of account " + person +
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

bool KeyVault::PersonalFields::Same(const AccountCreated& a) const {
  return login == a.login && ine == a.ine.str() && birth_date == a.birth_date && last_name == a.last_name &&
         first_name == a.first_name && source_id == a.source_id;
}

KeyVault::Sealed KeyVault::SealWith(const Secret32& key, const std::string& person, const AccountCreated& a,
                                    const uint8_t* nonce) const {
  Sealed out;
  out.sealed = Encrypt(key, "ledger-personal:" + person, EncodeFields(a), nonce);
  if (!a.login.empty()) out.login_key = LoginKey(keyer_, a.login);
  if (!a.ine.empty()) out.ine_key = IneKey(keyer_, a.ine.str());
  return out;
}

void KeyVault::SealAhead(std::span<const AccountToCreate> accounts, const std::vector<uint8_t>& random,
                         std::vector<Prepared>& made, std::atomic<size_t>& next) const {
  for (size_t i; (i = next.fetch_add(1)) < accounts.size();) {
    const AccountCreated* f = accounts[i].fields;
    if (f == nullptr) continue;
    Prepared& p = made[i];
    p.fields = PersonalFields{f->login, f->ine.str(), f->birth_date, f->last_name, f->first_name, f->source_id};
    p.sealed = SealWith(p.key, accounts[i].person, *f, random.data() + i * kDraw + Secret32::size() + kNonce);
    p.ahead = true;
  }
}

Status KeyVault::PrepareKeys(std::span<const AccountToCreate> accounts) {
  EnsureSodium();
  prepared_.clear();
  const size_t n = accounts.size();
  // A shared store may hold a key another writer created: it is kept, not replaced.
  std::vector<std::optional<std::string>> existing(n);
  if (!store_.exclusive()) {
    std::vector<std::string> persons;
    for (const AccountToCreate& a : accounts) persons.push_back(a.person);
    LEDGER_ASSIGN_OR_RETURN(existing, store_.GetMany(persons));
  }
  // One draw for the batch: per account its key, the wrapping's nonce and the sealing's.
  std::vector<uint8_t> random(n * kDraw);
  randombytes_buf(random.data(), random.size());
  struct Wipe {
    std::vector<uint8_t>& bytes;
    ~Wipe() { sodium_memzero(bytes.data(), bytes.size()); }
  } wipe{random};
  std::vector<Prepared> made(n);
  std::vector<std::pair<std::string, std::string>> created;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* draw = random.data() + i * kDraw;
    if (existing[i]) {
      LEDGER_ASSIGN_OR_RETURN(made[i].key, Unwrap(accounts[i].person, *existing[i]));
      continue;
    }
    std::copy_n(draw, Secret32::size(), made[i].key.data());
    created.emplace_back(accounts[i].person,
                         Encrypt(wrap_, "ledger-key:" + accounts[i].person,
                                 std::string_view(reinterpret_cast<const char*>(made[i].key.data()), Secret32::size()),
                                 draw + Secret32::size()));
  }
  // A second thread writes and syncs the new keys, then helps this one seal
  // the accounts ahead (each takes the next account not yet taken): none of
  // it needs another's result. Small batches (a thread costs tens of
  // microseconds) do it all here.
  Status stored;
  std::atomic<size_t> next{0};
  auto store_then_seal = [&] {
    if (!created.empty()) stored = store_.PutMany(created);
    if (!created.empty() && stored.ok()) stored = store_.Sync();
    SealAhead(accounts, random, made, next);
  };
  constexpr size_t kThreadFrom = 32;
  if (n >= kThreadFrom) {
    std::thread second(store_then_seal);
    SealAhead(accounts, random, made, next);
    second.join();
  } else {
    store_then_seal();
  }
  LEDGER_RETURN_IF_ERROR(stored);
  for (size_t i = 0; i < n; ++i) prepared_.insert_or_assign(accounts[i].person, std::move(made[i]));
  return OkStatus();
}

Status KeyVault::Seal(Event& e) {
  auto* a = std::get_if<AccountCreated>(&e.payload);
  if (a == nullptr || !a->sealed.empty()) return OkStatus();
  const std::string person = e.stream.str();
  Sealed sealed;
  uint8_t nonce[kNonce];
  if (auto it = prepared_.find(person); it != prepared_.end()) {
    Prepared p = std::move(it->second);
    prepared_.erase(it);
    if (p.ahead && p.fields.Same(*a)) {
      sealed = std::move(p.sealed);
    } else {
      randombytes_buf(nonce, sizeof nonce);
      sealed = SealWith(p.key, person, *a, nonce);
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
  prepared_.erase(person);
  return store_.Erase(person);
}

}  // namespace ledger::privacy
