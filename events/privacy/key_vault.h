// KeyVault: the PersonalDataVault adapter (events/personal_data.h) over a
// KeyStore and the master key.
//
//  data key   32 random bytes per person, created by PrepareKeys (one draw
//             per batch), which also seals the batch's new accounts ahead,
//             helped by a second thread that first writes and syncs the new
//             keys (for batches large enough to pay for a thread);
//  wrapped    0x01 ‖ nonce(24) ‖ XChaCha20-Poly1305(data key) under the
//             master key's wrapping subkey, AD "ledger-key:" + person — what
//             the KeyStore holds;
//  sealed     0x01 ‖ nonce(24) ‖ XChaCha20-Poly1305(PersonalFields) under the
//             data key, AD "ledger-personal:" + person (a ciphertext cannot be
//             moved to another account). Nonces are random, drawn with the
//             batch's keys (XChaCha20's 24-byte nonce makes that safe); an
//             account is sealed once, at its creation.
// Lookup keys (login_key, ine_key) come from LookupKeyer over the normalised
// values. Errors name the account, never a personal value.
// Thread-safety: Open and keyer() from any thread (as the KeyStore's Get);
// PrepareKeys, Seal and Erase from the one writer thread (PrepareKeys hands
// the store's Put and Sync to a thread of its own, and waits for it).
#pragma once

#include <unordered_map>
#include <optional>
#include <atomic>
#include <vector>

#include "events/personal_data.h"
#include "events/privacy/key_store.h"
#include "events/privacy/lookup_key.h"

namespace ledger::privacy {

class KeyVault : public PersonalDataVault {
 public:
  KeyVault(KeyStore& store, const Secret32& master);

  Status PrepareKeys(std::span<const AccountToCreate> accounts) override;
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
  // The personal fields an AccountCreated is sealed from.
  struct PersonalFields {
    std::string login, ine;
    std::optional<Date> birth_date;
    std::string last_name, first_name, source_id;
    bool Same(const AccountCreated& a) const;
  };
  struct Sealed {
    std::string sealed, login_key, ine_key;
  };
  // What PrepareKeys made for one account: its key and, ahead, its fields sealed.
  struct Prepared {
    Secret32 key;
    bool ahead = false;
    PersonalFields fields;
    Sealed sealed;
  };

  Result<std::optional<Secret32>> DataKey(const std::string& person);
  Result<Secret32> Unwrap(const std::string& person, const std::string& wrapped) const;
  // `nonce`: 24 random bytes.
  Sealed SealWith(const Secret32& key, const std::string& person, const AccountCreated& a,
                  const uint8_t* nonce) const;
  // Seals accounts[i] into made[i] for each i taken from `next` (shared by
  // the threads sealing), its nonce from `random` (kDraw bytes per account).
  void SealAhead(std::span<const AccountToCreate> accounts, const std::vector<uint8_t>& random,
                 std::vector<Prepared>& made, std::atomic<size_t>& next) const;

  KeyStore& store_;
  Secret32 wrap_;
  LookupKeyer keyer_;
  // The last PrepareKeys's accounts, until Seal uses them (saves a store read,
  // an unwrap and the sealing itself per new account); cleared at each PrepareKeys.
  std::unordered_map<std::string, Prepared> prepared_;
};

// Normalised lookup values (trimmed; logins lower case, INEs upper case), as
// projections/search_key.h and the importers compare them.
std::string NormalizeLogin(std::string_view login);
std::string NormalizeIne(std::string_view ine);
// keyer.Key("login", NormalizeLogin(login)) and the same for "ine".
std::string LoginKey(const LookupKeyer& keyer, std::string_view login);
std::string IneKey(const LookupKeyer& keyer, std::string_view ine);

}  // namespace ledger::privacy
