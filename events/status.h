// Status and Result<T>: the error vocabulary of the whole ledger.
//
// Expected failures are return values, never exceptions. A code says what a
// caller may do next (shaped like absl::StatusCode):
//   kInvalidArgument     bad input (a malformed file, a bad INE): fix the input.
//   kFailedPrecondition  a domain rule refused the command: don't retry until state changes.
//   kAborted             a version conflict: re-read and retry.
//   kUnavailable         a dependency is down (broker, disk full): retry the same call.
//   kPermissionDenied    the actor may not do this (no live delegation, not the owner…).
//   kNotFound            the thing named does not exist.
//   kAlreadyExists       e.g. a duplicate that cannot be merged.
//   kDataLoss            stored bytes are corrupt (names file/partition and offset).
//   kInternal            a broken invariant of the ledger itself.
// Thread-safety: value types; no shared state.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ledger {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kFailedPrecondition,
  kAborted,
  kUnavailable,
  kPermissionDenied,
  kNotFound,
  kAlreadyExists,
  kDataLoss,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "FAILED_PRECONDITION: guardian has no mobile number on file…"
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>", same code.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status explaining why there is none (std::expected-like).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ledger

// Early return of a non-OK Status from a function returning Status or Result<T>.
#define LEDGER_RETURN_IF_ERROR(expr)           \
  do {                                         \
    ::ledger::Status ledger_status_ = (expr);  \
    if (!ledger_status_.ok()) return ledger_status_; \
  } while (0)

#define LEDGER_CONCAT_INNER_(a, b) a##b
#define LEDGER_CONCAT_(a, b) LEDGER_CONCAT_INNER_(a, b)
// LEDGER_ASSIGN_OR_RETURN(auto x, MaybeX()); returns the error Status if any.
#define LEDGER_ASSIGN_OR_RETURN(lhs, rexpr) \
  LEDGER_ASSIGN_OR_RETURN_IMPL_(LEDGER_CONCAT_(ledger_result_, __LINE__), lhs, rexpr)
#define LEDGER_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
