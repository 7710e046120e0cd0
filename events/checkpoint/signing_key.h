// The Ed25519 key pair that signs checkpoints (libsodium's crypto_sign), and
// its files' format: PEM, as OpenSSL writes Ed25519 keys (RFC 8410), so that
// an auditor can check a signature with `openssl pkeyutl -verify` alone.
//
//   private key  "-----BEGIN PRIVATE KEY-----"  PKCS#8, the 32-byte seed
//   public key   "-----BEGIN PUBLIC KEY-----"   SubjectPublicKeyInfo, 32 bytes
//
// Only parsing and encoding live here; where the files are and who may read
// them is the caller's business (ops/cli/checkpoint_keys.h). A SigningKey
// wipes its secret when destroyed. Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "events/status.h"

namespace ledger::checkpoint {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

class SigningKey {
 public:
  static SigningKey Generate();
  // The key of a 32-byte seed (what the PEM private key holds).
  static SigningKey FromSeed(const std::array<uint8_t, 32>& seed);
  SigningKey(const SigningKey&);
  SigningKey& operator=(const SigningKey&);
  ~SigningKey();

  const PublicKey& public_key() const { return public_; }
  // Ed25519 signature of `message` (crypto_sign_detached).
  Signature Sign(std::string_view message) const;
  std::string PrivatePem() const;

 private:
  SigningKey() = default;
  std::array<uint8_t, 64> secret_{};  // libsodium's form: seed ‖ public key
  PublicKey public_{};
};

std::string PublicKeyPem(const PublicKey& key);
// InvalidArgument saying what was expected when `pem` is not an Ed25519 key of
// that kind; never echoes the input.
Result<SigningKey> ParsePrivateKeyPem(std::string_view pem);
Result<PublicKey> ParsePublicKeyPem(std::string_view pem);

bool VerifySignature(const PublicKey& key, std::string_view message, const Signature& signature);

// Lowercase hex of any bytes; FromHex is strict (even length, lowercase or
// uppercase digits only) and returns false otherwise.
std::string ToHex(const uint8_t* data, size_t n);
template <size_t N>
std::string ToHex(const std::array<uint8_t, N>& a) {
  return ToHex(a.data(), N);
}
bool FromHex(std::string_view hex, uint8_t* out, size_t n);

}  // namespace ledger::checkpoint
