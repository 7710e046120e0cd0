// The Establishment aggregate (stream `uai:<UAI>`): the staff rights delegated
// inside one school, and the access check every staff action goes through.
//
// Rules (ARCHITECTURE.md §5, seeds 000/003/004):
//  - only the establishment's head ("personnel de direction") delegates, and
//    the head or academy support revokes;
//  - a delegation ends at the end of the school year (31 August) at the latest,
//    or when revoked;
//  - staff act through a live delegation of the right module: accounts_admin
//    for everything, pupil_support for pupil password resets only; the head
//    holds accounts_admin by default;
//  - guardian accounts are administered only with strong authentication (OTP
//    key or administrative network).
// Pure: no I/O, no clock. Thread-compatible.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "aggregates/command.h"
#include "aggregates/stream_state.h"
#include "events/status.h"

namespace ledger {

struct DelegationState {
  StaffId granted_by;
  Timestamp granted_at;
  Timestamp valid_until;
  bool revoked = false;
  std::string reason;
};

struct EstablishmentState {
  StreamPosition position;
  Uai uai;
  // (delegate, module) -> the latest delegation of that pair.
  std::map<std::pair<std::string, Module>, DelegationState> delegations;

  // A delegation of `module` to `staff` not revoked and valid at `now`.
  bool HasLiveDelegation(const std::string& staff, Module module, Timestamp now) const;
};

void Apply(EstablishmentState& s, const Event& e);

// Decides DelegateRights / RevokeDelegation. Returns the payloads to append,
// or the rejection (PermissionDenied, FailedPrecondition, InvalidArgument).
Result<std::vector<Payload>> DecideEstablishment(const EstablishmentState& s, const Command& c);

// What a staff action needs.
struct StaffAccess {
  Uai uai;                     // the establishment the account belongs to
  bool pupil_password_reset;   // pupil_support suffices
  bool guardian_account;       // strong authentication required
};

// OK if `actor` may administer an account of `need.uai` at `now`: academy
// support always; the establishment's head, or staff with a live delegation,
// acting in that establishment. `establishment` may be null (no delegation
// was ever recorded there). PermissionDenied with an actionable reason otherwise.
Status CheckStaffAccess(const Actor& actor, const StaffAccess& need,
                        const EstablishmentState* establishment, Timestamp now);

}  // namespace ledger
