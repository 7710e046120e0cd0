// WriterProbe: what the service's writer reports about itself (STYLE.md
// "probes"): the domain calls these verbs, the server's implementation turns
// them into Prometheus series. Labels are event types and status codes —
// never an account, a name or a command's content. Defaults do nothing.
// Implementations must be thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace ledger {

class WriterProbe {
 public:
  virtual ~WriterProbe() = default;
  virtual void EventAppended(std::string_view type) {}
  // outcome: "appended", "replayed" or "refused" (then `code` is the refusal's).
  virtual void CommandDone(std::string_view outcome, std::string_view code) {}
  // One group commit: decide, append and flush of `commands` from `requests` requests.
  virtual void GroupCommitted(size_t requests, size_t commands, double seconds) {}
};

}  // namespace ledger
