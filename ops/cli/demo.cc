#include "ops/cli/demo.h"

#include <set>

#include <fmt/core.h>

#include "ops/cli/demo_scenario.h"
#include "ops/console/table.h"

namespace ledger {
namespace {

std::string When(Timestamp t) {
  std::string s = FormatRfc3339(t);  // 2026-09-01T07:00:00Z
  return s.substr(0, 10) + " " + s.substr(11, 5);
}

}  // namespace

Result<DemoSummary> RunDemo(EventLog& log, const Clock& clock, std::FILE* out, PersonalDataVault* vault,
                            WriteStateOptions state) {
  LEDGER_ASSIGN_OR_RETURN(auto handler, CommandHandler::Open(log, clock, vault, state));
  const std::vector<DemoStep> steps = DemoScenario();
  DemoSummary sum;
  std::set<std::string> types;
  std::vector<std::string> surprises;

  // Fixed columns, then "what" wrapped within a terminal's width.
  constexpr size_t kWhatColumn = 3 + 2 + 16 + 2 + 15 + 2 + 22 + 2 + 12 + 2;
  auto row = [&](auto n, const std::string& when, const std::string& outcome, std::string_view command,
                 const std::string& stream, const std::string& what) {
    std::vector<std::string> lines = WrapWords(what, kTerminalWidth - kWhatColumn);
    fmt::print(out, "{:>3}  {:<16}  {:<15}  {:<22}  {:<12}  {}\n", n, when, outcome, command, stream, lines[0]);
    for (size_t k = 1; k < lines.size(); ++k) fmt::print(out, "{:{}}{}\n", "", kWhatColumn, lines[k]);
  };
  row("#", "when (UTC)", "outcome", "command", "stream", "what");
  for (size_t i = 0; i < steps.size(); ++i) {
    const DemoStep& step = steps[i];
    Result<Outcome> r = handler->Handle(step.command);
    std::string outcome;
    if (r.ok()) {
      if (r->replayed) {
        ++sum.replayed;
        outcome = fmt::format("replayed seq {}", r->first_seq);
      } else {
        ++sum.accepted;
        sum.events_appended += r->count;
        outcome = r->count == 0 ? "accepted, no-op" : fmt::format("appended seq {}", r->first_seq);
        for (const Event& e : r->events) types.insert(std::string(EventTypeName(e.payload)));
      }
    } else if (r.status().code() == StatusCode::kUnavailable ||
               r.status().code() == StatusCode::kDataLoss) {
      return r.status().WithContext("demo step " + std::to_string(i + 1));
    } else {
      ++sum.refused;
      outcome = "refused";
    }
    row(i + 1, When(step.command.at), outcome, CommandName(step.command.body),
        TargetStream(step.command.body).str(), step.what);
    if (!r.ok())
      for (const std::string& line : WrapWords("└ " + r.status().ToString(), kTerminalWidth - 7))
        fmt::print(out, "{:7}{}\n", "", line);
    if (r.ok() == step.expect_rejected)
      surprises.push_back(fmt::format("step {} ({}) was {}", i + 1, step.what,
                                      r.ok() ? "accepted but should be refused" : "refused but should be accepted"));
  }
  sum.commands = steps.size();
  sum.events_in_log = handler->event_count();
  sum.streams = handler->stream_count();
  sum.event_types_covered = types.size();
  if (!surprises.empty()) {
    std::string msg = "the demo scenario did not go as written:";
    for (const auto& s : surprises) msg += "\n  " + s;
    return Internal(msg);
  }
  return sum;
}

}  // namespace ledger
