// Roles, scopes and what they may see (ARCHITECTURE.md §9) — pure rules, no I/O.
//
// Roles: dashboard (statistics only, never one person's data), auditor
// (histories, views, links, quarantine), assistance (views, links, login
// search, support commands), service (submits commands: the sign-on service,
// imports), admin (everything).
//
// Scope: national (everything), academy:ID, department:NNN,
// establishment:UAI. A scoped token sees only its scope's rows and accounts:
//  - tables at its own level and below (a department token: department,
//    establishment and class tables), restricted to its rows; a wider table
//    (academy, national for a department token) is refused with 403 —
//    its rows mix other scopes' figures;
//  - a pupil in scope when the pupil's establishment is; a guardian when any
//    of its links (removed ones included: they are part of what assistance
//    explains) places a pupil in scope.
// Pure; value types; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aggregates/command.h"
#include "projections/account_view.h"
#include "projections/rocksdb/projection_db.h"
#include "projections/stats.h"

namespace ledger::auth {

enum class Role : uint8_t { kDashboard, kAuditor, kAssistance, kService, kAdmin };
std::string_view Name(Role r);
std::optional<Role> ParseRole(std::string_view s);

enum class Permission : uint8_t {
  kStats,            // /v1/stats, /v1/stats/series, attention counts
  kAccountView,      // /v1/accounts/ID
  kSearchLogin,      // /v1/accounts?login=
  kSearchIne,        // /v1/accounts?ine= (a national identifier: auditors and admins only)
  kHistory,          // /v1/accounts/ID/history
  kLinks,            // /v1/accounts/ID/links
  kQuarantine,       // /v1/quarantine
  kSubmitCommands,   // POST /v1/commands: any command
  kSupportCommands,  // POST /v1/commands: academy support's commands only, as themselves
};
bool Allows(Role role, Permission p);
// "dashboard, assistance, auditor or admin" — for 403 messages.
std::string RolesAllowed(Permission p);

struct AccessScope {
  // Ordered from the widest: a scope kind may read tables of its kind and narrower.
  enum class Kind : uint8_t { kNational, kAcademy, kDepartment, kEstablishment };
  Kind kind = Kind::kNational;
  std::string id;  // empty for national

  bool national() const { return kind == Kind::kNational; }
  std::string ToString() const;  // "national", "department:031"
  friend bool operator==(const AccessScope&, const AccessScope&) = default;
};
// "national", "academy:toulouse", "department:031", "establishment:0310001A";
// nullopt on anything else (a department is 3 characters, a UAI 8).
std::optional<AccessScope> ParseAccessScope(std::string_view s);

// Whether a table of `table_scope` may be read at all by `scope` (its rows are
// then filtered by RowVisible).
bool TableVisible(const AccessScope& scope, Scope table_scope);

// Where a row or an account sits: the establishment, its department and academy.
struct Location {
  std::string uai, department, academy;
};
bool Covers(const AccessScope& scope, const Location& where);

// Looks up what a row id or an account needs to be placed (the projection's
// place index). Implemented over ProjectionDb; a fake in tests.
class Places {
 public:
  virtual ~Places() = default;
  virtual std::optional<Place> OfEstablishment(const std::string& uai) const = 0;
  virtual std::optional<std::string> AcademyOfDepartment(const std::string& department) const = 0;
};

// Places read from the projection store's place index (errors read as unknown).
class ProjectionPlaces final : public Places {
 public:
  explicit ProjectionPlaces(const ProjectionDb& db) : db_(db) {}
  std::optional<Place> OfEstablishment(const std::string& uai) const override;
  std::optional<std::string> AcademyOfDepartment(const std::string& department) const override;

 private:
  const ProjectionDb& db_;
};

// The row `id` of a table of `table_scope` ("031", "0310001A", "0310001A/3E2").
bool RowVisible(const AccessScope& scope, Scope table_scope, const std::string& id, const Places& places);
// The table's rows `scope` may see (everything for national).
StatTable FilterRows(const AccessScope& scope, Scope table_scope, const StatTable& table, const Places& places);
// Whether the account is in `scope` (see the header comment).
bool AccountVisible(const AccessScope& scope, const AccountView& view);

// The part of a visible account a scoped token may see: a guardian's links to
// pupils outside the scope are left out (national: the view as it is).
AccountView VisiblePart(const AccessScope& scope, AccountView view);
// Whether a link places its pupil in `scope`.
bool LinkVisible(const AccessScope& scope, const LinkView& link);

// Looks an account's view up (the projections); nullopt when unknown.
using ViewLookup = std::function<std::optional<AccountView>(const std::string& account)>;

// Whether a scoped token may submit `c`: the account it concerns must be in
// scope — for a link, the pupil; for a pupil's creation, its placement; for
// a delegation, the establishment. A guardian's creation, or a command on an
// account the ledger does not know, concerns no scope: national tokens only.
// Empty when allowed, else why not.
std::string CommandOutOfScope(const Command& c, const AccessScope& scope, const ViewLookup& views,
                              const Places& places);

// Whether a token of `role` and `scope` may submit `c` as far as erasure
// goes (ARCHITECTURE §9): an erasure (CloseAccount, reason erased) is
// academy support's alone — an assistance token of national or academy
// scope, never the sign-on service nor a department's or establishment's.
// Empty when allowed (and for every other command), else why not.
std::string ErasureRefused(const Command& c, Role role, const AccessScope& scope);

}  // namespace ledger::auth
