#include "aggregates/establishment.h"

#include <string>

#include "events/identifiers.h"

namespace ledger {

bool EstablishmentState::HasLiveDelegation(const std::string& staff, Module module,
                                           Timestamp now) const {
  auto it = delegations.find({staff, module});
  return it != delegations.end() && !it->second.revoked && now <= it->second.valid_until;
}

void Apply(EstablishmentState& s, const Event& e) {
  s.position.Advance(e);
  if (s.uai.empty() && e.stream.str().rfind("uai:", 0) == 0) s.uai = Uai(e.stream.str().substr(4));
  if (const auto* d = std::get_if<RightsDelegated>(&e.payload)) {
    s.delegations[{d->delegate.str(), d->module}] =
        DelegationState{d->granted_by, e.occurred_at, d->valid_until, false, d->reason};
  } else if (const auto* r = std::get_if<DelegationRevoked>(&e.payload)) {
    s.delegations[{r->delegate.str(), r->module}].revoked = true;
  }
}

Result<std::vector<Payload>> DecideEstablishment(const EstablishmentState& s, const Command& c) {
  if (const auto* d = std::get_if<DelegateRights>(&c.body)) {
    LEDGER_RETURN_IF_ERROR(ValidateUai(d->uai.str()));
    if (c.actor.kind != ActorKind::kEstablishmentHead || c.actor.uai != d->uai)
      return PermissionDenied("only the head of establishment " + d->uai.str() +
                              " can delegate rights there (DelegCE)");
    if (d->delegate.empty()) return InvalidArgument("delegation without a delegate");
    Timestamp year_end = EndOfSchoolYear(c.at);
    if (d->valid_until > year_end)
      return FailedPrecondition("a delegation ends with the school year: valid_until must be on or before " +
                                FormatIsoDate(DateOf(year_end)));
    if (d->valid_until < c.at) return InvalidArgument("delegation would already be expired");
    if (s.HasLiveDelegation(d->delegate.str(), d->module, c.at))
      return FailedPrecondition(d->delegate.str() + " already holds a live " +
                                std::string(Name(d->module)) + " delegation here; revoke it first");
    return std::vector<Payload>{
        RightsDelegated{d->delegate, d->module, StaffId(c.actor.id), d->valid_until, d->reason}};
  }
  const auto& r = std::get<RevokeDelegation>(c.body);
  bool head_here = c.actor.kind == ActorKind::kEstablishmentHead && c.actor.uai == r.uai;
  if (!head_here && c.actor.kind != ActorKind::kAcademySupport)
    return PermissionDenied("only the head of establishment " + r.uai.str() +
                            " or academy support can revoke a delegation");
  if (!s.HasLiveDelegation(r.delegate.str(), r.module, c.at))
    return FailedPrecondition(r.delegate.str() + " holds no live " + std::string(Name(r.module)) +
                              " delegation in " + r.uai.str());
  return std::vector<Payload>{DelegationRevoked{r.delegate, r.module, StaffId(c.actor.id), r.reason}};
}

Status CheckStaffAccess(const Actor& actor, const StaffAccess& need,
                        const EstablishmentState* establishment, Timestamp now) {
  if (actor.kind == ActorKind::kAcademySupport) return OkStatus();
  if (actor.kind != ActorKind::kStaff && actor.kind != ActorKind::kEstablishmentHead)
    return PermissionDenied("this action is for establishment staff or academy support, not for a " +
                            std::string(Name(actor.kind)));
  if (actor.uai != need.uai)
    return PermissionDenied("staff of " + (actor.uai.empty() ? std::string("no establishment") : actor.uai.str()) +
                            " cannot administer an account of establishment " + need.uai.str());
  if (need.guardian_account && !actor.strong_auth)
    return PermissionDenied(
        "guardian accounts are administered only with strong authentication: use an OTP key or "
        "the administrative network");
  if (actor.kind == ActorKind::kEstablishmentHead) return OkStatus();
  if (!actor.module)
    return PermissionDenied("staff act through a delegation: name the delegated module used");
  bool module_fits = *actor.module == Module::kAccountsAdmin ||
                     (*actor.module == Module::kPupilSupport && need.pupil_password_reset);
  if (!module_fits)
    return PermissionDenied("the pupil_support delegation only allows pupil password resets; "
                            "this needs accounts_admin");
  if (establishment == nullptr || !establishment->HasLiveDelegation(actor.id, *actor.module, now))
    return PermissionDenied(actor.id + " holds no live " + std::string(Name(*actor.module)) +
                            " delegation in " + need.uai.str() +
                            " (expired at the end of the school year, revoked, or never granted): "
                            "ask the head of establishment to delegate it (DelegCE)");
  return OkStatus();
}

}  // namespace ledger
