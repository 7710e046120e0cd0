// PersonalDataVault: the port through which the write path seals, and readers
// open, the personal fields of an account (ARCHITECTURE.md §9,
// events/privacy/README.md).
//
// A person's fields — login, INE, birth date, names, source id — reach the
// log only encrypted under a data key of that person's own, kept outside the
// log (the key store); destroying the key erases them everywhere the log and
// its projections went, while every hash chain still verifies (the chain
// covers the ciphertext). The adapter is events/privacy/key_vault.h; write
// paths without one (unit tests of other rules) write schema 1, in clear.
//
// Contracts:
//  - PrepareKeys(accounts) gives each account the next batch creates a fresh
//    key, *durable* before Seal of that account returns — so before any
//    event sealed under it is appended: no durable event ever lacks its key.
//    The vault may do the work on another core while the caller decides
//    (then Seal waits for the account's key, and a store failing then makes
//    Seal return Unavailable); a non-OK PrepareKeys means no key of the batch
//    is to be relied on. The caller names only accounts absent from the log
//    it has loaded, so no durable event was sealed under an earlier key of
//    theirs (an orphan of a batch that crashed or was refused). The vault may
//    seal `fields` ahead; Seal then only checks the event carries the same
//    fields. The fields stay alive until FinishBatch.
//  - FinishBatch(): the batch is decided; the vault stops using its fields.
//  - Seal(e): for an AccountCreated, moves the personal fields into
//    `sealed`, fills `login_key`/`ine_key` and sets schema_version 2; the
//    clear fields stay in `e` for the caller (they are not encoded). Other
//    events are left alone. Sealing the same fields twice gives different
//    ciphertexts (random nonces) that open to the same fields.
//  - Open(person, a): a sealed AccountCreated read from the log gets its
//    clear fields back (personal = kClear), or personal = kErased when the
//    person's key was destroyed. DataLoss when the ciphertext does not
//    authenticate (altered bytes, or another deployment's key store).
//  - Erase(person): destroys the key durably; erasing twice is OK.
//  - KeyedLookup(domain, value): the keyed hash an index holds for a
//    normalised value ("login", "ine"), as Seal computed login_key/ine_key.
// Thread-safety: adapters document theirs.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "events/event.h"
#include "events/status.h"

namespace ledger {

// An account the next batch creates: its id and the fields it is created with
// (the command's: both alive until FinishBatch).
struct AccountToCreate {
  std::string_view person;
  const AccountCreated* fields = nullptr;
};

class PersonalDataVault {
 public:
  virtual ~PersonalDataVault() = default;
  virtual Status PrepareKeys(std::span<const AccountToCreate> accounts) = 0;
  virtual Status Seal(Event& e) = 0;
  virtual void FinishBatch() {}
  virtual Status Open(const StreamId& person, AccountCreated& a) = 0;
  virtual Status Erase(const std::string& person) = 0;
  virtual std::string KeyedLookup(std::string_view domain, std::string_view value) const = 0;
};

}  // namespace ledger
