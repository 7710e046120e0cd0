#include "ops/cli/erase_command.h"

#include <cstdlib>

#include "aggregates/command_json.h"

namespace ledger {

Status RunErase(const LogFlags& flags, const EraseRequest& req, const Clock& clock) {
  if (req.reason.empty())
    return InvalidArgument("--reason: give the erasure request's reference (a ticket number, never a name)");
  const Timestamp now = clock();
  Command c;
  c.id = CommandId("erase:" + req.account + ":" + std::to_string(now.micros));
  c.at = now;
  c.actor.kind = ActorKind::kAcademySupport;
  const char* user = std::getenv("USER");
  c.actor.id = !req.by.empty() ? req.by : std::string("support:") + (user ? user : "unknown");
  c.body = CloseAccount{AccountId(req.account), CloseReason::kErased, AccountId(), req.reason};
  const std::string line = CommandToJson(c).dump();
  return SubmitCommands(flags, req.submit, {c}, {line}, clock);
}

}  // namespace ledger
