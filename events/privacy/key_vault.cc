#include "events/privacy/key_vault.h"

#include <sodium.h>

#include <cctype>

#include "events/event_generated.h"

namespace ledger::privacy {
namespace {

constexpr uint8_t kFormat = 1;
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(kNonce == 24 && crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// 0x01 ‖ nonce ‖ ciphertext of `plain` under `key`, the nonce a keyed hash of ad ‖ plain.
std::string Encrypt(const Secret32& key, std::string_view ad, std::string_view plain) {
  unsigned char nonce[kNonce];
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.data(), key.size(), sizeof nonce);
  crypto_generichash_update(&st, U(ad), ad.size());
  crypto_generichash_update(&st, U(plain), plain.size());
  crypto_generichash_final(&st, nonce, sizeof nonce);
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

uint32_t PackDate(const std::optional<Date>& d) {
  return d ? static_cast<uint32_t>(d->year) * 10000 + d->month * 100 + d->day : 0;
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
  a.birth_date.reset();
  if (uint32_t d = f->birth_date(); d != 0)
    a.birth_date = Date{static_cast<int32_t>(d / 10000), static_cast<uint8_t>(d / 100 % 100),
                        static_cast<uint8_t>(d % 100)};
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
  std::optional<std::string> raw = Decrypt(wrap_, "ledger-key:" + person, *wrapped);
  if (!raw || raw->size() != Secret32::size())
    return DataLoss("the data key of account " + person +
                    " does not open under the master key (a key store or master key file from another "
                    "deployment, or a damaged key store)");
  Secret32 key;
  std::copy(raw->begin(), raw->end(), key.data());
  sodium_memzero(raw->data(), raw->size());
  return std::optional<Secret32>(key);
}

Result<bool> KeyVault::HasKey(const std::string& person) {
  LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> wrapped, store_.Get(person));
  return wrapped.has_value();
}

Status KeyVault::PrepareKeys(std::span<const std::string> persons) {
  EnsureSodium();
  fresh_.clear();
  std::vector<std::pair<std::string, std::string>> created;
  for (const std::string& person : persons) {
    LEDGER_ASSIGN_OR_RETURN(std::optional<std::string> wrapped, store_.Get(person));
    if (wrapped) continue;
    Secret32 key = Secret32::Random();
    created.emplace_back(person, Encrypt(wrap_, "ledger-key:" + person,
                                         std::string_view(reinterpret_cast<const char*>(key.data()), key.size())));
    fresh_.emplace(person, key);
  }
  if (created.empty()) return OkStatus();
  Status s = store_.PutMany(created);
  if (s.ok()) s = store_.Sync();
  if (!s.ok()) fresh_.clear();
  return s;
}

Status KeyVault::Seal(Event& e) {
  auto* a = std::get_if<AccountCreated>(&e.payload);
  if (a == nullptr || !a->sealed.empty()) return OkStatus();
  const std::string person = e.stream.str();
  std::optional<Secret32> key;
  if (auto it = fresh_.find(person); it != fresh_.end()) {
    key = it->second;
    fresh_.erase(it);
  } else {
    LEDGER_ASSIGN_OR_RETURN(key, DataKey(person));
  }
  if (!key)
    return Internal("no data key for account " + person + " (its keys were not prepared, or it was erased)");
  a->sealed = Encrypt(*key, "ledger-personal:" + person, EncodeFields(*a));
  a->login_key = a->login.empty() ? std::string() : LoginKey(keyer_, a->login);
  a->ine_key = a->ine.empty() ? std::string() : IneKey(keyer_, a->ine.str());
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
  fresh_.erase(person);
  return store_.Erase(person);
}

}  // namespace ledger::privacy
