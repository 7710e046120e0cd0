#include "aggregates/command.h"

#include "events/overloaded.h"

namespace ledger {

StreamId TargetStream(const CommandBody& body) {
  return std::visit(
      Overloaded{
          [](const CreateAccount& c) { return AccountStream(c.account); },
          [](const NotifyAccount& c) { return AccountStream(c.account); },
          [](const ActivateAccount& c) { return AccountStream(c.account); },
          [](const ResetPassword& c) { return AccountStream(c.account); },
          [](const CompletePasswordReset& c) { return AccountStream(c.account); },
          [](const UpdateContact& c) { return AccountStream(c.account); },
          [](const LinkGuardian& c) { return AccountStream(c.guardian); },
          [](const UpdateGuardianLink& c) { return AccountStream(c.guardian); },
          [](const UnlinkGuardian& c) { return AccountStream(c.guardian); },
          [](const ConfirmLink& c) { return AccountStream(c.guardian); },
          [](const DisputeLink& c) { return AccountStream(c.guardian); },
          [](const TransferPupil& c) { return AccountStream(c.pupil); },
          [](const ChangeClass& c) { return AccountStream(c.pupil); },
          [](const CloseAccount& c) { return AccountStream(c.account); },
          [](const DelegateRights& c) { return EstablishmentStream(c.uai); },
          [](const RevokeDelegation& c) { return EstablishmentStream(c.uai); },
      },
      body);
}

namespace {
constexpr std::string_view kNames[] = {
      "CreateAccount",  "NotifyAccount", "ActivateAccount", "ResetPassword",
      "CompletePasswordReset", "UpdateContact", "LinkGuardian", "UpdateGuardianLink",
      "UnlinkGuardian", "ConfirmLink",   "DisputeLink",     "TransferPupil",
      "ChangeClass",    "CloseAccount",  "DelegateRights",  "RevokeDelegation"};
static_assert(std::size(kNames) == std::variant_size_v<CommandBody>);
}  // namespace

std::string_view CommandName(const CommandBody& body) { return kNames[body.index()]; }

std::span<const std::string_view> CommandNames() { return kNames; }

}  // namespace ledger
