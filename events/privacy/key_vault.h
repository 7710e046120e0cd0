// KeyVault: the PersonalDataVault adapter (events/personal_data.h) over a
// KeyStore and the master key.
//
//  data key   32 random bytes per person, created by PrepareKeys (one draw
//             per batch);
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
//
// Pipelined batches: for a batch of at least kWorkerFrom accounts,
// PrepareKeys hands the work to a worker thread and returns; the worker takes
// the accounts in order, in chunks that double (64, 128, … 1,024): wraps
// their keys, writes them, seals the accounts ahead from their commands'
// fields, syncs the store, and only then publishes the chunk. Seal of one of
// them waits for its chunk (so no event is sealed, hence appended, before its
// key is durable), while the writer decides the commands before it on the
// other core. If the store fails, the accounts from the failing chunk on get
// Unavailable from Seal. Smaller batches do it all inside PrepareKeys, whose
// Status then says whether the keys are durable.
//
// Thread-safety: Open, HasKey and keyer() from any thread (as the KeyStore's
// Get); PrepareKeys, Seal, FinishBatch and Erase from the one writer thread.
// The worker is the store's writer while it runs: Erase, PrepareKeys and the
// destructor wait for it first.
#pragma once

#include <memory>

#include <unordered_map>
#include <optional>
#include <vector>

#include "events/personal_data.h"
#include "events/privacy/key_store.h"
#include "events/privacy/lookup_key.h"

namespace ledger::privacy {

class KeyVault : public PersonalDataVault {
 public:
  KeyVault(KeyStore& store, const Secret32& master);
  ~KeyVault() override;
  KeyVault(const KeyVault&) = delete;
  KeyVault& operator=(const KeyVault&) = delete;

  // Batches from this many accounts go to the worker thread.
  static constexpr size_t kWorkerFrom = 32;

  Status PrepareKeys(std::span<const AccountToCreate> accounts) override;
  Status Seal(Event& e) override;
  void FinishBatch() override;
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
  struct Sealed {
    std::string sealed, login_key, ine_key;
  };
  // What PrepareKeys made for one account: its key and, ahead, its fields sealed.
  struct Prepared {
    Secret32 key;
    bool ahead = false;
    bool taken = false;                 // Seal took it (the writer's)
    std::optional<size_t> superseded;  // the person's next mention in the batch, whose key counts
    const AccountCreated* from = nullptr;  // the command's fields sealed ahead (alive until FinishBatch)
    Sealed sealed;
  };

  Result<std::optional<Secret32>> DataKey(const std::string& person);
  Result<Secret32> Unwrap(std::string_view person, const std::string& wrapped) const;
  // `nonce`: 24 random bytes.
  Sealed SealWith(const Secret32& key, std::string_view person, const AccountCreated& a,
                  const uint8_t* nonce) const;
  struct Batch;
  // The person's key (and fields sealed ahead) from the last batch, once
  // durable; nullopt when the batch did not name them (or Seal took them).
  Result<std::optional<Prepared>> TakePrepared(std::string_view person);
  // For each person named more than once, made[i].superseded of every mention but the last.
  static void MarkSuperseded(Batch& b);
  // Makes, writes, seals ahead and syncs the keys of accounts [lo, hi) of `b`.
  Status PrepareRange(Batch& b, size_t lo, size_t hi) const;
  // The worker's loop over `b` in chunks; publishes each chunk once durable.
  void Work(Batch& b) const;

  KeyStore& store_;
  Secret32 wrap_;
  LookupKeyer keyer_;
  // The last PrepareKeys's accounts until FinishBatch: Seal takes their keys
  // and sealed fields from it (saves a store read, an unwrap and the sealing
  // itself per new account); after FinishBatch, Seal reads the store.
  std::unique_ptr<Batch> batch_;
};

// Normalised lookup values (trimmed; logins lower case, INEs upper case), as
// projections/search_key.h and the importers compare them.
std::string NormalizeLogin(std::string_view login);
std::string NormalizeIne(std::string_view ine);
// keyer.Key("login", NormalizeLogin(login)) and the same for "ine".
std::string LoginKey(const LookupKeyer& keyer, std::string_view login);
std::string IneKey(const LookupKeyer& keyer, std::string_view ine);

}  // namespace ledger::privacy
