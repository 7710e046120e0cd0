// How the importers compare people: normalised names and contacts, and the
// guardians' pseudonymous matching keys (events/README.md, match_keys).
//
// The matching rule (ops/import/README.md): two adults are the same guardian
// when their normalised last name, first name and mobile number agree, or
// their normalised last name, first name and e-mail agree.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "events/privacy/lookup_key.h"

namespace ledger::import {

// Upper-case ASCII: Latin letters lose their diacritics (é → E, Ç → C), the
// ligatures are spelled out (œ → OE, æ → AE, ß → SS), hyphens, apostrophes and
// runs of blanks become one space, other characters are dropped; trimmed.
// "  Le Bœuf-d'Éon " → "LE BOEUF D EON".
std::string NormalizeName(std::string_view utf8);

// A French mobile number as 10 digits ("+33 6 12-34-56-78" → "0612345678");
// "" when `text` holds no mobile number (empty, too short, or not 06/07).
std::string NormalizeMobile(std::string_view text);

// Trimmed and lower-cased; "" unless it looks like an address (x@y).
std::string NormalizeEmail(std::string_view text);

// The keys of an adult: one for (name, first name, mobile) if a mobile is on
// file, one for (name, first name, e-mail) if an e-mail is; hex BLAKE2b-128
// digests, each prefixed "m:" or "e:". None without a last name. With a
// keyer (the deployment's lookup secret) the digests are keyed — unrelated
// between deployments, and not to be tried by whoever holds only the log;
// without one, unkeyed (tests, and ledgers written before schema 2).
std::vector<std::string> GuardianMatchKeys(std::string_view last_name, std::string_view first_name,
                                           std::string_view mobile, std::string_view email,
                                           const privacy::LookupKeyer* keyer = nullptr);

}  // namespace ledger::import
