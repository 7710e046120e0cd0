// `ledger erase ACCOUNT --reason TEXT`: the right to erasure (ARCHITECTURE §9,
// PRIVACY.md). Submits academy support's CloseAccount with reason `erased`
// and the request's reference as its note, through the write path like
// `ledger submit` (locally, or with --server through ledgerd, whose token
// must be an assistance token of national or academy scope). Once the event
// is durable the writer destroys the person's data key: from then on every
// output shows [erased] for their fields, while every chain still verifies
// and tables as of earlier dates are unchanged. Erasing an erased account is
// refused (exit 1, "already erased"). Each request gets its own command id.
#pragma once

#include <string>

#include "ops/cli/submit_command.h"

namespace ledger {

struct EraseRequest {
  std::string account;
  std::string reason;  // the request's reference: a ticket number, never a name
  std::string by;      // academy support's staff id; default "support:$USER"
  SubmitRequest submit;  // server, token_file, output
};

Status RunErase(const LogFlags& flags, const EraseRequest& req, const Clock& clock);

}  // namespace ledger
