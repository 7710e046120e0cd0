// Sessions: the dashboard page's login (ARCHITECTURE.md §7: "a login form,
// then an HttpOnly, SameSite=Strict session cookie").
//
// POST /session with the form field token=… checks the token (TokenCache) and
// answers Set-Cookie: ledger_session=<32 random bytes, hex>; Path=/; HttpOnly;
// SameSite=Strict; Max-Age=<lifetime>. The server keeps, in memory only, which
// token a session stands for, and authenticates it again on every request: a
// revoked token ends its sessions at once. A restart ends every session.
// Sessions authenticate GET requests only (the page reads; commands need the
// Authorization header), so a cookie can never carry a write.
// Lifetime: `lifetime` from the login (default 12 h); at most `max_sessions`
// live at once (the oldest ends first). Session ids never appear in logs.
// Thread-safety: all methods from any thread.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ledger::server {

inline constexpr std::string_view kSessionCookie = "ledger_session";

class Sessions {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Sessions(std::chrono::seconds lifetime = std::chrono::hours(12), size_t max_sessions = 10000)
      : lifetime_(lifetime), max_(max_sessions) {}

  // A new session standing for `token`; returns its id.
  std::string Open(std::string token);
  // The token of a live session; nullopt when unknown or expired.
  std::optional<std::string> TokenOf(std::string_view session_id);
  void Close(std::string_view session_id);
  std::chrono::seconds lifetime() const { return lifetime_; }

 private:
  struct Entry {
    std::string token;
    Clock::time_point expires;
    uint64_t order;
  };
  std::chrono::seconds lifetime_;
  size_t max_;
  std::mutex mu_;
  uint64_t next_order_ = 0;
  std::map<std::string, Entry, std::less<>> by_id_;
};

// The value of cookie `name` in a Cookie header ("a=1; ledger_session=…"); empty when absent.
std::string CookieValue(std::string_view header, std::string_view name);

// The value of field `name` of an application/x-www-form-urlencoded body
// ('+' is a space, %XX decoded); nullopt when absent or malformed.
std::optional<std::string> FormField(std::string_view body, std::string_view name);

}  // namespace ledger::server
