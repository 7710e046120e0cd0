#include "projections/account_view.h"

#include "events/overloaded.h"

namespace ledger {

std::string_view Name(ViewState s) {
  switch (s) {
    case ViewState::kCreated: return "created";
    case ViewState::kNotified: return "notified";
    case ViewState::kActivated: return "activated";
    case ViewState::kClosed: return "closed";
  }
  return "created";
}

std::string_view Name(LinkViewStatus s) {
  switch (s) {
    case LinkViewStatus::kUnconfirmed: return "unconfirmed";
    case LinkViewStatus::kConfirmed: return "confirmed";
    case LinkViewStatus::kDisputed: return "disputed";
    case LinkViewStatus::kRemoved: return "removed";
  }
  return "unconfirmed";
}

std::string DescribeActor(const Actor& a) {
  std::string s = std::string(Name(a.kind)) + ":" + a.id;
  if (!a.uai.empty() || a.module) {
    s += " (";
    if (!a.uai.empty()) s += a.uai.str();
    if (a.module) s += std::string(a.uai.empty() ? "" : ", ") + std::string(Name(*a.module));
    s += ")";
  }
  return s;
}

void ApplyToView(AccountView& v, const Event& e) {
  if (v.id.empty()) v.id = e.stream.str();
  v.seq = e.seq;
  v.last_hash = e.hash;
  v.updated_at = e.occurred_at;
  // Who changed a link: only links keep it (most events change none).
  auto touch = [&](LinkView& l, std::string change) {
    l.changed_at = e.occurred_at;
    l.changed_by = DescribeActor(e.actor);
    l.last_change = std::move(change);
  };
  std::visit(
      Overloaded{
          [&](const AccountCreated& p) {
            v.kind = p.kind;
            v.state = ViewState::kCreated;
            v.login = p.login;  // schema 1; schema 2 holds it in `sealed`
            v.sealed = p.sealed;
            v.personal = p.sealed.empty() ? PersonalData::kClear : PersonalData::kSealed;
            v.source_system = p.source_system;
            v.placement = p.placement;
            v.has_mobile = p.has_mobile;
            v.has_email = p.has_email;
            v.created_at = e.occurred_at;
          },
          // These two change the state only, never the kind, placement or links: the
          // fold keeps the account's statistics cells after them (record_fold.cc
          // ChangesStateOnly, StatAccumulator::StateChangeOf).
          [&](const AccountNotified& p) {
            if (v.state == ViewState::kCreated) v.state = ViewState::kNotified;
            if (v.state == ViewState::kActivated && p.password_reset) v.reset_pending = true;
            v.notified_at = e.occurred_at;
            v.notified_by = p.channel;
            v.notice_expires_at = p.expires_at;
          },
          [&](const AccountActivated& p) {
            v.state = ViewState::kActivated;
            v.activation_method = p.method;
            v.activated_at = e.occurred_at;
          },
          [&](const PasswordReset& p) {
            if (p.channel == ResetChannel::kStaff) v.reset_pending = true;
          },
          [&](const PasswordResetCompleted&) { v.reset_pending = false; },
          [&](const ContactUpdated& p) {
            v.has_mobile = p.has_mobile;
            v.has_email = p.has_email;
          },
          [&](const GuardianLinked& p) {
            LinkView& l = v.links[p.pupil.str()];
            l = LinkView{v.id, p.pupil.str(), p.pupil_placement, p.rank, p.relationship,
                         p.source_system, p.source_ids, p.source_file, LinkViewStatus::kUnconfirmed,
                         "", e.occurred_at, {}, {}, {}, {}};
            touch(l, "linked");
            l.linked_by = l.changed_by;
          },
          [&](const GuardianLinkUpdated& p) {
            LinkView& l = v.links[p.pupil.str()];
            l.placement = p.pupil_placement;
            touch(l, "moved");
          },
          [&](const GuardianUnlinked& p) {
            LinkView& l = v.links[p.pupil.str()];
            l.status = LinkViewStatus::kRemoved;
            l.removed_reason = std::string(Name(p.reason));
            touch(l, "removed:" + l.removed_reason);
          },
          [&](const LinkConfirmed& p) {
            LinkView& l = v.links[p.pupil.str()];
            l.status = LinkViewStatus::kConfirmed;
            touch(l, "confirmed");
          },
          [&](const LinkDisputed& p) {
            LinkView& l = v.links[p.pupil.str()];
            l.status = LinkViewStatus::kDisputed;
            touch(l, "disputed");
          },
          [&](const PupilTransferred& p) { v.placement = p.to; },
          [&](const ClassChanged& p) { v.placement.class_name = p.class_name; },
          [&](const AccountClosed& p) {
            // An erasure after a closure keeps the closing date.
            if (v.state != ViewState::kClosed) v.closed_at = e.occurred_at;
            v.state = ViewState::kClosed;
            v.closed_reason = p.reason;
          },
          [&](const RightsDelegated&) {},
          [&](const DelegationRevoked&) {},
      },
      e.payload);
}

}  // namespace ledger
