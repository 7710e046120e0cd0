#include "events/event.h"

namespace ledger {

std::string_view Name(AccountKind v) { return v == AccountKind::kPupil ? "pupil" : "guardian"; }

std::string_view Name(Level v) {
  switch (v) {
    case Level::kEcole: return "ecole";
    case Level::kCollege: return "college";
    case Level::kLycee: return "lycee";
    case Level::kOther: return "other";
  }
  return "other";
}

std::string_view Name(SourceSystem v) {
  switch (v) {
    case SourceSystem::kSiecle: return "siecle";
    case SourceSystem::kOnde: return "onde";
    case SourceSystem::kManual: return "manual";
  }
  return "manual";
}

std::string_view Name(NotifyChannel v) { return v == NotifyChannel::kLetter ? "letter" : "email"; }

std::string_view Name(ActivationMethod v) {
  switch (v) {
    case ActivationMethod::kFranceConnect: return "franceconnect";
    case ActivationMethod::kSelfRegistration: return "self_registration";
    case ActivationMethod::kProvisionalPassword: return "provisional_password";
  }
  return "provisional_password";
}

std::string_view Name(ResetChannel v) {
  switch (v) {
    case ResetChannel::kSms: return "sms";
    case ResetChannel::kEmail: return "email";
    case ResetChannel::kStaff: return "staff";
  }
  return "staff";
}

std::string_view Name(LinkRank v) {
  switch (v) {
    case LinkRank::kLegal1: return "legal_1";
    case LinkRank::kLegal2: return "legal_2";
    case LinkRank::kEnCharge: return "en_charge";
  }
  return "en_charge";
}

std::string_view Name(UnlinkReason v) {
  switch (v) {
    case UnlinkReason::kSourceUpdate: return "source_update";
    case UnlinkReason::kErroneousLinkFixed: return "erroneous_link_fixed";
    case UnlinkReason::kPupilLeft: return "pupil_left";
  }
  return "source_update";
}

std::string_view Name(Module v) {
  return v == Module::kAccountsAdmin ? "accounts_admin" : "pupil_support";
}

std::string_view Name(ActorKind v) {
  switch (v) {
    case ActorKind::kSystem: return "system";
    case ActorKind::kPupil: return "pupil";
    case ActorKind::kGuardian: return "guardian";
    case ActorKind::kStaff: return "staff";
    case ActorKind::kEstablishmentHead: return "establishment_head";
    case ActorKind::kAcademySupport: return "academy_support";
  }
  return "system";
}

std::string_view EventTypeName(size_t index) {
  static constexpr std::string_view kNames[] = {
      "AccountCreated",   "AccountNotified",     "AccountActivated",  "PasswordReset",
      "GuardianLinked",   "GuardianLinkUpdated", "GuardianUnlinked",  "LinkConfirmed",
      "LinkDisputed",     "PupilTransferred",    "AccountClosed",     "RightsDelegated",
      "DelegationRevoked", "PasswordResetCompleted", "ContactUpdated", "ClassChanged"};
  static_assert(std::size(kNames) == kEventTypeCount, "one name per payload type");
  return index < kEventTypeCount ? kNames[index] : std::string_view("Unknown");
}

std::string_view EventTypeName(const Payload& p) { return EventTypeName(p.index()); }

std::string HexOf(const Hash& h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(h.size() * 2);
  for (uint8_t b : h) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

}  // namespace ledger
