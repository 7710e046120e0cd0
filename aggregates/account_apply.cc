#include "aggregates/account.h"

#include "events/overloaded.h"

namespace ledger {

std::string_view Name(AccountLifecycle v) {
  switch (v) {
    case AccountLifecycle::kCreated: return "created";
    case AccountLifecycle::kNotified: return "notified";
    case AccountLifecycle::kActivated: return "activated";
    case AccountLifecycle::kClosed: return "closed";
  }
  return "created";
}

void Apply(AccountState& s, const Event& e) {
  s.position.Advance(e);
  std::visit(
      Overloaded{
          [&](const AccountCreated& p) {
            s.kind = p.kind;
            s.lifecycle = AccountLifecycle::kCreated;
            s.login = p.login;
            s.placement = p.placement;
            s.birth_date = p.birth_date;
            s.has_mobile = p.has_mobile;
            s.has_email = p.has_email;
            s.match_keys = p.match_keys;
          },
          [&](const AccountNotified& p) {
            if (s.lifecycle == AccountLifecycle::kCreated) s.lifecycle = AccountLifecycle::kNotified;
            // A letter to an activated account without reset only reminds the login.
            bool issues_password = s.lifecycle != AccountLifecycle::kActivated || p.password_reset;
            if (issues_password) {
              s.letter_expires_at = p.expires_at;
              s.has_ledger_password = true;
              if (s.lifecycle == AccountLifecycle::kActivated) s.reset_pending = true;
            }
          },
          [&](const AccountActivated& p) {
            s.lifecycle = AccountLifecycle::kActivated;
            s.activation_method = p.method;
            if (p.method != ActivationMethod::kFranceConnect) s.has_ledger_password = true;
            s.letter_expires_at.reset();
          },
          [&](const PasswordReset& p) {
            s.has_ledger_password = true;
            // A staff reset issues a provisional password the owner must replace;
            // a self-service reset is completed by the owner on the spot.
            if (p.channel == ResetChannel::kStaff) s.reset_pending = true;
          },
          [&](const PasswordResetCompleted&) { s.reset_pending = false; },
          [&](const ContactUpdated& p) {
            s.has_mobile = p.has_mobile;
            s.has_email = p.has_email;
            s.match_keys = p.match_keys;
          },
          [&](const GuardianLinked& p) {
            s.links[p.pupil.str()] = LinkState{p.pupil_placement, p.rank, LinkStatus::kUnconfirmed};
          },
          [&](const GuardianLinkUpdated& p) {
            s.links[p.pupil.str()].pupil_placement = p.pupil_placement;
          },
          [&](const GuardianUnlinked& p) { s.links.erase(p.pupil.str()); },
          [&](const LinkConfirmed& p) { s.links[p.pupil.str()].status = LinkStatus::kConfirmed; },
          [&](const LinkDisputed& p) { s.links[p.pupil.str()].status = LinkStatus::kDisputed; },
          [&](const PupilTransferred& p) { s.placement = p.to; },
          [&](const ClassChanged& p) { s.placement.class_name = p.class_name; },
          [&](const AccountClosed& p) {
            s.lifecycle = AccountLifecycle::kClosed;
            s.closed_reason = p.reason;
          },
          [&](const RightsDelegated&) {},
          [&](const DelegationRevoked&) {},
      },
      e.payload);
}

}  // namespace ledger
