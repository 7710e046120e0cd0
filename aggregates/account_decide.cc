// DecideAccount: the rules of ARCHITECTURE.md §5 for pupil and guardian accounts.
// Each rejection says what is wrong and what to do instead.
#include <string>

#include "aggregates/account.h"
#include "events/identifiers.h"
#include "events/overloaded.h"

namespace ledger {
namespace {

using Events = std::vector<Payload>;

std::string Quote(const AccountId& id) { return "account " + id.str(); }

Status MustExistOpen(const AccountState& s, const AccountId& id) {
  if (!s.exists()) return NotFound(Quote(id) + " does not exist");
  if (s.closed()) return FailedPrecondition(Quote(id) + " is closed (" + s.closed_reason + ")");
  return OkStatus();
}

Status MustBeImportOrSupport(const Actor& a, std::string_view what) {
  if (a.kind == ActorKind::kSystem || a.kind == ActorKind::kAcademySupport) return OkStatus();
  return PermissionDenied(std::string(what) + " comes from the schools' information systems "
                          "(an import) or academy support, not from a " + std::string(Name(a.kind)));
}

Status MustBeOwner(const AccountState& s, const Actor& a, const AccountId& id) {
  ActorKind owner = s.is_pupil() ? ActorKind::kPupil : ActorKind::kGuardian;
  if (a.kind == owner && a.id == id.str()) return OkStatus();
  if (a.kind == ActorKind::kGuardian && s.is_pupil())
    return PermissionDenied("a guardian cannot act on a pupil's account: the pupil does it, "
                            "or the school through its account administration");
  return PermissionDenied("only the owner of " + Quote(id) + " can do this");
}

Status MustBeGuardian(const AccountState& s, const AccountId& id) {
  if (s.is_pupil()) return FailedPrecondition(Quote(id) + " is a pupil account, not a guardian's");
  return OkStatus();
}

Status MustBePupil(const AccountState& s, const AccountId& id) {
  if (!s.is_pupil()) return FailedPrecondition(Quote(id) + " is a guardian account, not a pupil's");
  return OkStatus();
}

// The establishment whose staff may administer the account: a pupil's own;
// for a guardian, the actor's establishment if one of the guardian's children
// is schooled there.
Uai AdministeringUai(const AccountState& s, const Actor& a) {
  if (s.is_pupil()) return s.placement.uai;
  for (const auto& [pupil, link] : s.links)
    if (link.pupil_placement.uai == a.uai) return a.uai;
  return s.links.empty() ? Uai("(none: no linked pupil)") : s.links.begin()->second.pupil_placement.uai;
}

Status MustBeStaffFor(const AccountState& s, const Command& c, const DecideContext& ctx,
                      bool pupil_password_reset) {
  if (c.actor.kind == ActorKind::kAcademySupport) return OkStatus();
  StaffAccess need{AdministeringUai(s, c.actor), pupil_password_reset, !s.is_pupil()};
  return CheckStaffAccess(c.actor, need, ctx.establishment, c.at);
}

Status ValidatePlacement(const Placement& p) {
  LEDGER_RETURN_IF_ERROR(ValidateUai(p.uai.str()));
  if (p.department != DepartmentOfUai(p.uai))
    return InvalidArgument("department '" + p.department + "' does not match UAI " + p.uai.str() +
                           " (its first three digits)");
  if (p.academy.empty()) return InvalidArgument("placement without an academy");
  return OkStatus();
}

Result<Events> Create(const AccountState& s, const Command& c, const CreateAccount& cmd) {
  LEDGER_RETURN_IF_ERROR(MustBeImportOrSupport(c.actor, "account creation"));
  if (s.exists()) return AlreadyExists(Quote(cmd.account) + " already exists");
  const AccountCreated& d = cmd.data;
  if (d.login.empty()) return InvalidArgument("account creation without a login");
  if (d.kind == AccountKind::kPupil) {
    if (d.ine.empty())
      return FailedPrecondition("pupil accounts exist only for pupils with an INE: record the INE "
                                "in SIECLE/ONDE, then re-import");
    LEDGER_RETURN_IF_ERROR(ValidateIne(d.ine.str()));
    LEDGER_RETURN_IF_ERROR(ValidatePlacement(d.placement));
    if (!d.birth_date)
      return InvalidArgument("pupil without a birth date: activation confirms it, so it is required");
  } else if (!d.ine.empty()) {
    return InvalidArgument("a guardian account carries no INE");
  }
  return Events{d};
}

Result<Events> Notify(const AccountState& s, const Command& c, const DecideContext& ctx,
                      const NotifyAccount& cmd) {
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.account));
  LEDGER_RETURN_IF_ERROR(MustBeStaffFor(s, c, ctx, /*pupil_password_reset=*/false));
  if (cmd.channel == NotifyChannel::kEmail && !s.has_email)
    return FailedPrecondition("no e-mail address on file: notify by letter instead");
  bool activated = s.lifecycle == AccountLifecycle::kActivated;
  if (activated && !cmd.reset_password)
    return FailedPrecondition(Quote(cmd.account) + " is already activated: say explicitly whether "
                              "the notification resets its password");
  bool reset = cmd.reset_password.value_or(false);
  if (activated && reset && !s.is_pupil() && !cmd.force)
    return FailedPrecondition("resetting an activated guardian's password locks the family out of "
                              "the password they chose; notify without reset, or force it if the "
                              "guardian asked for it");
  return Events{AccountNotified{cmd.channel, reset, AddMonths(c.at, kLetterValidityMonths),
                                activated && reset && !s.is_pupil() && cmd.force}};
}

Result<Events> Activate(const AccountState& s, const Command& c, const ActivateAccount& cmd) {
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.account));
  LEDGER_RETURN_IF_ERROR(MustBeOwner(s, c.actor, cmd.account));
  if (s.lifecycle == AccountLifecycle::kActivated)
    return FailedPrecondition(Quote(cmd.account) + " is already activated (" +
                              std::string(Name(*s.activation_method)) +
                              "); a forgotten password is reset, not re-activated");
  if (s.is_pupil()) {
    if (cmd.method != ActivationMethod::kProvisionalPassword)
      return FailedPrecondition("pupils activate only with the provisional password their "
                                "school gave them, not by " + std::string(Name(cmd.method)));
    if (!cmd.birth_date || cmd.birth_date != s.birth_date)
      return FailedPrecondition("the birth date given does not match the one on file: check it "
                                "with the school");
  } else if (cmd.method != ActivationMethod::kProvisionalPassword && !s.has_mobile) {
    return FailedPrecondition("no mobile number on file: " + std::string(Name(cmd.method)) +
                              " activation is impossible; the school records the number in "
                              "SIECLE/ONDE, or notifies a provisional password instead");
  }
  if (cmd.method == ActivationMethod::kProvisionalPassword) {
    if (!s.letter_expires_at)
      return FailedPrecondition("no provisional password was issued: the school notifies the "
                                "account first");
    if (c.at > *s.letter_expires_at)
      return FailedPrecondition("the notification letter expired on " +
                                FormatIsoDate(DateOf(*s.letter_expires_at)) +
                                ": ask the school to notify the account again");
  }
  return Events{AccountActivated{cmd.method}};
}

Result<Events> Reset(const AccountState& s, const Command& c, const DecideContext& ctx,
                     const ResetPassword& cmd) {
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.account));
  if (cmd.channel == ResetChannel::kStaff) {
    LEDGER_RETURN_IF_ERROR(MustBeStaffFor(s, c, ctx, /*pupil_password_reset=*/s.is_pupil()));
  } else {
    LEDGER_RETURN_IF_ERROR(MustBeOwner(s, c.actor, cmd.account));
  }
  if (s.lifecycle != AccountLifecycle::kActivated)
    return FailedPrecondition(Quote(cmd.account) + " is not activated yet: activate it (or have "
                              "it notified again) instead of resetting");
  if (!s.has_ledger_password)
    return FailedPrecondition("this guardian signs in through FranceConnect only: there is no "
                              "ledger password to reset; reset it with the FranceConnect provider");
  if (cmd.channel == ResetChannel::kSms) {
    if (s.is_pupil()) return FailedPrecondition("pupils reset their password by e-mail only");
    if (!s.has_mobile) return FailedPrecondition("no mobile number on file: reset by e-mail, or ask the school");
  } else if (cmd.channel == ResetChannel::kEmail && !s.has_email) {
    return FailedPrecondition("no e-mail address on file: self-service reset is impossible; "
                              "ask the school to reset it" +
                              std::string(s.is_pupil() ? " (for a minor, record a parent's e-mail)" : ""));
  }
  return Events{PasswordReset{cmd.channel}};
}

Result<Events> Link(const AccountState& s, const Command& c, const DecideContext& ctx,
                    const LinkGuardian& cmd) {
  LEDGER_RETURN_IF_ERROR(MustBeImportOrSupport(c.actor, "a guardian link"));
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.guardian));
  LEDGER_RETURN_IF_ERROR(MustBeGuardian(s, cmd.guardian));
  if (ctx.pupil == nullptr || !ctx.pupil->exists())
    return NotFound("pupil " + Quote(cmd.pupil) + " does not exist");
  LEDGER_RETURN_IF_ERROR(MustExistOpen(*ctx.pupil, cmd.pupil));
  LEDGER_RETURN_IF_ERROR(MustBePupil(*ctx.pupil, cmd.pupil));
  if (s.links.count(cmd.pupil.str()))
    return FailedPrecondition(Quote(cmd.guardian) + " is already linked to " + Quote(cmd.pupil));
  if (cmd.rank == LinkRank::kEnCharge && ctx.pupil->placement.level == Level::kEcole)
    return FailedPrecondition("a 'personne en charge' is recorded only in secondary school; in an "
                              "école only legal guardians are linked");
  Placement p = ctx.pupil->placement;
  p.class_name.clear();
  return Events{GuardianLinked{cmd.pupil, p, cmd.rank, cmd.relationship, cmd.source_system,
                               cmd.source_ids, cmd.source_file}};
}

Status MustBeLinked(const AccountState& s, const AccountId& guardian, const AccountId& pupil) {
  if (!s.links.count(pupil.str()))
    return FailedPrecondition(Quote(guardian) + " is not linked to " + Quote(pupil));
  return OkStatus();
}

Result<Events> UpdateLink(const AccountState& s, const Command& c, const DecideContext& ctx,
                          const UpdateGuardianLink& cmd) {
  LEDGER_RETURN_IF_ERROR(MustBeImportOrSupport(c.actor, "a link update"));
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.guardian));
  LEDGER_RETURN_IF_ERROR(MustBeLinked(s, cmd.guardian, cmd.pupil));
  if (ctx.pupil == nullptr || !ctx.pupil->exists())
    return NotFound("pupil " + Quote(cmd.pupil) + " does not exist");
  Placement p = ctx.pupil->placement;
  p.class_name.clear();
  if (s.links.at(cmd.pupil.str()).pupil_placement == p) return Events{};
  return Events{GuardianLinkUpdated{cmd.pupil, p}};
}

Result<Events> Unlink(const AccountState& s, const Command& c, const UnlinkGuardian& cmd) {
  if (cmd.reason == UnlinkReason::kErroneousLinkFixed) {
    if (c.actor.kind != ActorKind::kAcademySupport)
      return PermissionDenied("only academy support fixes an erroneous link: report it to the "
                              "academy's help desk");
  } else {
    LEDGER_RETURN_IF_ERROR(MustBeImportOrSupport(c.actor, "an unlink"));
  }
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.guardian));
  LEDGER_RETURN_IF_ERROR(MustBeLinked(s, cmd.guardian, cmd.pupil));
  return Events{GuardianUnlinked{cmd.pupil, cmd.reason}};
}

template <typename Cmd>
Result<Events> ConfirmOrDispute(const AccountState& s, const Command& c, const Cmd& cmd,
                                LinkStatus target) {
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.guardian));
  LEDGER_RETURN_IF_ERROR(MustBeOwner(s, c.actor, cmd.guardian));
  LEDGER_RETURN_IF_ERROR(MustBeLinked(s, cmd.guardian, cmd.pupil));
  if (s.links.at(cmd.pupil.str()).status == target)
    return FailedPrecondition(std::string("the link to ") + Quote(cmd.pupil) + " is already " +
                              (target == LinkStatus::kConfirmed ? "confirmed" : "disputed"));
  if (target == LinkStatus::kConfirmed) return Events{LinkConfirmed{cmd.pupil}};
  return Events{LinkDisputed{cmd.pupil}};
}

Result<Events> Transfer(const AccountState& s, const Command& c, const TransferPupil& cmd) {
  LEDGER_RETURN_IF_ERROR(MustBeImportOrSupport(c.actor, "a transfer"));
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.pupil));
  LEDGER_RETURN_IF_ERROR(MustBePupil(s, cmd.pupil));
  LEDGER_RETURN_IF_ERROR(ValidatePlacement(cmd.to));
  if (cmd.to.uai == s.placement.uai)
    return FailedPrecondition(Quote(cmd.pupil) + " is already in " + cmd.to.uai.str() +
                              ": a class change is ChangeClass");
  return Events{PupilTransferred{cmd.to}};
}

Result<Events> ChangeClassOf(const AccountState& s, const Command& c, const ChangeClass& cmd) {
  LEDGER_RETURN_IF_ERROR(MustBeImportOrSupport(c.actor, "a class change"));
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.pupil));
  LEDGER_RETURN_IF_ERROR(MustBePupil(s, cmd.pupil));
  if (cmd.class_name == s.placement.class_name) return Events{};
  return Events{ClassChanged{cmd.class_name}};
}

Result<Events> Close(const AccountState& s, const Command& c, const DecideContext& ctx,
                     const CloseAccount& cmd) {
  if (cmd.reason == CloseReason::kErased) {
    // Erasure (GDPR art. 17) also applies to an account already closed
    // (a pupil who left): its personal data outlives the closure.
    if (c.actor.kind != ActorKind::kAcademySupport)
      return PermissionDenied("only academy support erases an account");
    if (!s.exists()) return NotFound(Quote(cmd.account) + " does not exist");
    if (s.closed_reason == "erased") return FailedPrecondition(Quote(cmd.account) + " is already erased");
    if (cmd.note.empty())
      return InvalidArgument("an erasure needs a reason: the request's reference (a ticket number, never a name)");
    if (cmd.note.size() > 200) return InvalidArgument("an erasure's reason is at most 200 bytes (a reference)");
    return Events{AccountClosed{"erased", cmd.note}};
  }
  LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.account));
  switch (cmd.reason) {
    case CloseReason::kLeft:
      LEDGER_RETURN_IF_ERROR(MustBeImportOrSupport(c.actor, "closing a leaver's account"));
      return Events{AccountClosed{"left"}};
    case CloseReason::kErased:
      break;  // above
    case CloseReason::kMergedInto: {
      LEDGER_RETURN_IF_ERROR(MustBeImportOrSupport(c.actor, "a merge of duplicates"));
      LEDGER_RETURN_IF_ERROR(MustBeGuardian(s, cmd.account));
      if (cmd.merged_into == cmd.account) return InvalidArgument("an account cannot merge into itself");
      if (ctx.merge_target == nullptr || !ctx.merge_target->exists())
        return NotFound("merge target " + Quote(cmd.merged_into) + " does not exist");
      LEDGER_RETURN_IF_ERROR(MustExistOpen(*ctx.merge_target, cmd.merged_into));
      LEDGER_RETURN_IF_ERROR(MustBeGuardian(*ctx.merge_target, cmd.merged_into));
      return Events{AccountClosed{"merged_into:" + cmd.merged_into.str()}};
    }
  }
  return InvalidArgument("unknown close reason");
}

}  // namespace

Result<Events> DecideAccount(const AccountState& s, const Command& c, const DecideContext& ctx) {
  return std::visit(
      Overloaded{
          [&](const CreateAccount& cmd) { return Create(s, c, cmd); },
          [&](const NotifyAccount& cmd) { return Notify(s, c, ctx, cmd); },
          [&](const ActivateAccount& cmd) { return Activate(s, c, cmd); },
          [&](const ResetPassword& cmd) { return Reset(s, c, ctx, cmd); },
          [&](const CompletePasswordReset& cmd) -> Result<Events> {
            LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.account));
            LEDGER_RETURN_IF_ERROR(MustBeOwner(s, c.actor, cmd.account));
            if (!s.reset_pending) return FailedPrecondition("no password reset is pending");
            return Events{PasswordResetCompleted{}};
          },
          [&](const UpdateContact& cmd) -> Result<Events> {
            LEDGER_RETURN_IF_ERROR(MustBeImportOrSupport(c.actor, "contact details"));
            LEDGER_RETURN_IF_ERROR(MustExistOpen(s, cmd.account));
            if (s.has_mobile == cmd.has_mobile && s.has_email == cmd.has_email &&
                s.match_keys == cmd.match_keys)
              return Events{};
            return Events{ContactUpdated{cmd.has_mobile, cmd.has_email, cmd.match_keys}};
          },
          [&](const LinkGuardian& cmd) { return Link(s, c, ctx, cmd); },
          [&](const UpdateGuardianLink& cmd) { return UpdateLink(s, c, ctx, cmd); },
          [&](const UnlinkGuardian& cmd) { return Unlink(s, c, cmd); },
          [&](const ConfirmLink& cmd) { return ConfirmOrDispute(s, c, cmd, LinkStatus::kConfirmed); },
          [&](const DisputeLink& cmd) { return ConfirmOrDispute(s, c, cmd, LinkStatus::kDisputed); },
          [&](const TransferPupil& cmd) { return Transfer(s, c, cmd); },
          [&](const ChangeClass& cmd) { return ChangeClassOf(s, c, cmd); },
          [&](const CloseAccount& cmd) { return Close(s, c, ctx, cmd); },
          [&](const DelegateRights&) -> Result<Events> {
            return InvalidArgument("DelegateRights goes to an establishment, not an account");
          },
          [&](const RevokeDelegation&) -> Result<Events> {
            return InvalidArgument("RevokeDelegation goes to an establishment, not an account");
          },
      },
      c.body);
}

}  // namespace ledger
