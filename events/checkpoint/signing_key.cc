#include "events/checkpoint/signing_key.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace ledger::checkpoint {
namespace {

void EnsureSodium() {
  if (sodium_init() < 0) std::abort();  // libsodium cannot work at all: nothing to recover
}

// The DER bytes before the 32 key bytes (RFC 8410 §7 and §10.1): the Ed25519
// algorithm identifier (OID 1.3.101.112) in PKCS#8 and SubjectPublicKeyInfo.
constexpr uint8_t kPkcs8Prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                    0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
constexpr uint8_t kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                   0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
constexpr std::string_view kPrivateLabel = "PRIVATE KEY";
constexpr std::string_view kPublicLabel = "PUBLIC KEY";

std::string Pem(std::string_view label, const uint8_t* der, size_t n) {
  EnsureSodium();
  std::string b64(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), der, n, sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (size_t at = 0; at < b64.size(); at += 64) out += b64.substr(at, 64) + "\n";
  return out + "-----END " + std::string(label) + "-----\n";
}

// The DER bytes of a PEM block labelled `label` holding `prefix` then 32 key
// bytes, or false.
bool PemKeyBytes(std::string_view pem, std::string_view label, const uint8_t* prefix,
                 size_t prefix_len, std::array<uint8_t, 32>* key) {
  EnsureSodium();
  const std::string begin = "-----BEGIN " + std::string(label) + "-----";
  const std::string end = "-----END " + std::string(label) + "-----";
  const size_t b = pem.find(begin);
  if (b == std::string_view::npos) return false;
  const size_t body = b + begin.size();
  const size_t e = pem.find(end, body);
  if (e == std::string_view::npos) return false;
  const std::string_view b64 = pem.substr(body, e - body);
  std::vector<uint8_t> der(b64.size());
  size_t der_len = 0;
  const char* stop = nullptr;
  if (sodium_base642bin(der.data(), der.size(), b64.data(), b64.size(), " \t\r\n", &der_len, &stop,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      stop != b64.data() + b64.size())
    return false;
  if (der_len != prefix_len + 32 || std::memcmp(der.data(), prefix, prefix_len) != 0) return false;
  std::memcpy(key->data(), der.data() + prefix_len, 32);
  sodium_memzero(der.data(), der.size());
  return true;
}

}  // namespace

SigningKey SigningKey::Generate() {
  EnsureSodium();
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  SigningKey k = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return k;
}

SigningKey SigningKey::FromSeed(const std::array<uint8_t, 32>& seed) {
  EnsureSodium();
  SigningKey k;
  crypto_sign_seed_keypair(k.public_.data(), k.secret_.data(), seed.data());
  return k;
}

SigningKey::SigningKey(const SigningKey& other) = default;
SigningKey& SigningKey::operator=(const SigningKey& other) = default;
SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

Signature SigningKey::Sign(std::string_view message) const {
  EnsureSodium();
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return sig;
}

std::string SigningKey::PrivatePem() const {
  uint8_t der[sizeof kPkcs8Prefix + 32];
  std::memcpy(der, kPkcs8Prefix, sizeof kPkcs8Prefix);
  std::memcpy(der + sizeof kPkcs8Prefix, secret_.data(), 32);  // the seed
  std::string pem = Pem(kPrivateLabel, der, sizeof der);
  sodium_memzero(der, sizeof der);
  return pem;
}

std::string PublicKeyPem(const PublicKey& key) {
  uint8_t der[sizeof kSpkiPrefix + 32];
  std::memcpy(der, kSpkiPrefix, sizeof kSpkiPrefix);
  std::memcpy(der + sizeof kSpkiPrefix, key.data(), 32);
  return Pem(kPublicLabel, der, sizeof der);
}

Result<SigningKey> ParsePrivateKeyPem(std::string_view pem) {
  std::array<uint8_t, 32> seed;
  if (!PemKeyBytes(pem, kPrivateLabel, kPkcs8Prefix, sizeof kPkcs8Prefix, &seed))
    return InvalidArgument(
        "not an Ed25519 private key (expected PEM \"BEGIN PRIVATE KEY\", PKCS#8, as `ledger "
        "checkpoint` or `openssl genpkey -algorithm ed25519` writes it)");
  SigningKey k = SigningKey::FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return k;
}

Result<PublicKey> ParsePublicKeyPem(std::string_view pem) {
  PublicKey key;
  if (!PemKeyBytes(pem, kPublicLabel, kSpkiPrefix, sizeof kSpkiPrefix, &key))
    return InvalidArgument(
        "not an Ed25519 public key (expected PEM \"BEGIN PUBLIC KEY\", as `ledger checkpoint` or "
        "`openssl pkey -pubout` writes it)");
  return key;
}

bool VerifySignature(const PublicKey& key, std::string_view message, const Signature& signature) {
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

std::string ToHex(const uint8_t* data, size_t n) {
  std::string out(2 * n + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

bool FromHex(std::string_view hex, uint8_t* out, size_t n) {
  if (hex.size() != 2 * n) return false;
  size_t len = 0;
  const char* stop = nullptr;
  return sodium_hex2bin(out, n, hex.data(), hex.size(), nullptr, &len, &stop) == 0 && len == n &&
         stop == hex.data() + hex.size();
}

}  // namespace ledger::checkpoint
