#include "ops/server/sessions.h"

#include <sodium.h>

#include <algorithm>

namespace ledger::server {
namespace {

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) return std::nullopt;
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

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
  while (!body.empty()) {
    const size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    const size_t eq = pair.find('=');
    std::optional<std::string> key = PercentDecode(pair.substr(0, eq));
    if (!key || *key != name) continue;
    return PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace ledger::server
