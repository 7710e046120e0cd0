// Test-only: the importers' records rendered as one '|'-separated line each,
// so parser tests compare whole records at once
// ("source_id|ine|last|first|birth|left|email|mobile|class|line" for a pupil).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ops/import/records.h"

namespace ledger::import::render {

inline std::string Render(const std::optional<Date>& d) { return d ? FormatIsoDate(*d) : "-"; }
inline std::string Render(const PupilRecord& p) {
  return p.source_id + "|" + p.ine + "|" + p.last_name + "|" + p.first_name + "|" +
         Render(p.birth_date) + "|" + Render(p.left_on) + "|" + p.email + "|" + p.mobile + "|" +
         p.class_name + "|" + std::to_string(p.line);
}
inline std::string Render(const GuardianRecord& g) {
  return g.source_id + "|" + g.last_name + "|" + g.first_name + "|" + g.mobile + "|" + g.email +
         "|" + std::to_string(g.line);
}
inline std::string Render(const LinkRecord& l) {
  return l.pupil_source_id + "|" + l.guardian_source_id + "|" + std::to_string(l.resp_legal) + "|" +
         std::to_string(l.responsibility) + "|" + l.relationship + "|" + std::to_string(l.line);
}
template <typename T>
std::vector<std::string> RenderAll(const std::vector<T>& records) {
  std::vector<std::string> lines;
  for (const T& r : records) lines.push_back(Render(r));
  return lines;
}

}  // namespace ledger::import::render
