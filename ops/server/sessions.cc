#include "ops/server/sessions.h"

#include <sodium.h>

#include <algorithm>

#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

namespace ledger::server {

std::string Sessions::Open(std::string token) {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  std::string id(hex);
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  std::erase_if(by_id_, [&](const auto& e) { return e.second.expires <= now; });
  if (by_id_.size() >= max_) {
    auto oldest = std::min_element(by_id_.begin(), by_id_.end(),
                                   [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
    by_id_.erase(oldest);
  }
  by_id_.emplace(id, Entry{std::move(token), now + lifetime_, next_order_++});
  return id;
}

std::optional<std::string> Sessions::TokenOf(std::string_view session_id) {
  if (session_id.size() != 64) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(session_id);
  if (it == by_id_.end()) return std::nullopt;
  if (it->second.expires <= Clock::now()) {
    by_id_.erase(it);
    return std::nullopt;
  }
  return it->second.token;
}

void Sessions::Close(std::string_view session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = by_id_.find(session_id); it != by_id_.end()) by_id_.erase(it);
}

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return {};
}

std::optional<std::string> FormField(std::string_view body, std::string_view name) {
  // Boost.URL decodes the form as it decodes query strings ('+' a space).
  // Boost 1.81's parse_query re-reads its input's length with strlen (from
  // data(), not size()): given a view that is not NUL-terminated it reads past
  // the view's end (an empty default view: strlen(nullptr)). A string copy is
  // terminated, and the parse refuses a NUL inside, so strlen is its size.
  const std::string text(body);
  if (!boost::urls::parse_query(text)) return std::nullopt;
  for (auto p : boost::urls::params_view(text, boost::urls::encoding_opts(/*space_as_plus=*/true)))
    if (p.key == name) return p.has_value ? std::string(p.value) : std::string();
  return std::nullopt;
}

}  // namespace ledger::server
