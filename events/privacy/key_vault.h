// KeyVault: the PersonalDataVault adapter (events/personal_data.h) over a
// KeyStore and the master key.
//
//  data key   32 random bytes per person, created by PrepareKeys;
//  wrapped    0x01 ‖ nonce(24) ‖ XChaCha20-Poly1305(data key) under the
//             master key's wrapping subkey, AD "ledger-key:" + person — what
//             the KeyStore holds;
//  sealed     0x01 ‖ nonce(24) ‖ XChaCha20-Poly1305(PersonalFields) under the
//             data key, AD "ledger-personal:" + person (a ciphertext cannot be
//             moved to another account). The nonce is a keyed BLAKE2b of the
//             AD and plaintext under the data key (a synthetic IV): sealing is
//             deterministic, and two different plaintexts never share a nonce.
// Lookup keys (login_key, ine_key) come from LookupKeyer over the normalised
// values. Errors name the account, never a personal value.
// Thread-safety: Open and keyer() from any thread (as the KeyStore's Get);
// PrepareKeys, Seal and Erase from the one writer thread.
#pragma once

#include <map>
#include <optional>

#include "events/personal_data.h"
#include "events/privacy/key_store.h"
#include "events/privacy/lookup_key.h"

namespace ledger::privacy {

class KeyVault : public PersonalDataVault {
 public:
  KeyVault(KeyStore& store, const Secret32& master);

  Status PrepareKeys(std::span<const std::string> persons) override;
  Status Seal(Event& e) override;
  Status Open(const StreamId& person, AccountCreated& a) override;
  Status Erase(const std::string& person) override;
  std::string KeyedLookup(std::string_view domain, std::string_view value) const override {
    return keyer_.Key(domain, value);
  }

  // Whether the person has a data key (false once erased).
  Result<bool> HasKey(const std::string& person);
  const LookupKeyer& keyer() const { return keyer_; }
  KeyStore& store() { return store_; }

 private:
  Result<std::optional<Secret32>> DataKey(const std::string& person);

  KeyStore& store_;
  Secret32 wrap_;
  LookupKeyer keyer_;
  // Keys PrepareKeys created, until Seal uses them (saves a store read and an
  // unwrap per new account); cleared at each PrepareKeys.
  std::map<std::string, Secret32> fresh_;
};

// Normalised lookup values (trimmed; logins lower case, INEs upper case), as
// projections/search_key.h and the importers compare them.
std::string NormalizeLogin(std::string_view login);
std::string NormalizeIne(std::string_view ine);
// keyer.Key("login", NormalizeLogin(login)) and the same for "ine".
std::string LoginKey(const LookupKeyer& keyer, std::string_view login);
std::string IneKey(const LookupKeyer& keyer, std::string_view ine);

}  // namespace ledger::privacy
