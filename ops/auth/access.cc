#include "ops/auth/access.h"

#include <cctype>

namespace ledger::auth {
namespace {

constexpr Role kRoles[] = {Role::kDashboard, Role::kAuditor, Role::kAssistance, Role::kService, Role::kAdmin};

using Kind = AccessScope::Kind;

// The scope kind a table's rows are at (class rows sit in an establishment).
Kind KindOfTable(Scope s) {
  switch (s) {
    case Scope::kNational: return Kind::kNational;
    case Scope::kAcademy: return Kind::kAcademy;
    case Scope::kDepartment: return Kind::kDepartment;
    case Scope::kEstablishment:
    case Scope::kClass: return Kind::kEstablishment;
  }
  return Kind::kNational;
}

}  // namespace

std::string_view Name(Role r) {
  switch (r) {
    case Role::kDashboard: return "dashboard";
    case Role::kAuditor: return "auditor";
    case Role::kAssistance: return "assistance";
    case Role::kService: return "service";
    case Role::kAdmin: return "admin";
  }
  return "dashboard";
}

std::optional<Role> ParseRole(std::string_view s) {
  for (Role r : kRoles)
    if (s == Name(r)) return r;
  return std::nullopt;
}

bool Allows(Role role, Permission p) {
  if (role == Role::kAdmin) return true;
  switch (p) {
    case Permission::kStats:
      return role == Role::kDashboard || role == Role::kAuditor || role == Role::kAssistance;
    case Permission::kAccountView:
    case Permission::kSearchLogin:
    case Permission::kLinks: return role == Role::kAuditor || role == Role::kAssistance;
    case Permission::kSearchIne:
    case Permission::kHistory:
    case Permission::kQuarantine: return role == Role::kAuditor;
    case Permission::kSubmitCommands: return role == Role::kService;
    case Permission::kSupportCommands: return role == Role::kService || role == Role::kAssistance;
  }
  return false;
}

std::string RolesAllowed(Permission p) {
  std::string out;
  for (Role r : kRoles) {
    if (!Allows(r, p)) continue;
    if (!out.empty()) out += r == Role::kAdmin ? " or " : ", ";
    out += Name(r);
  }
  return out;
}

std::string AccessScope::ToString() const {
  switch (kind) {
    case Kind::kNational: return "national";
    case Kind::kAcademy: return "academy:" + id;
    case Kind::kDepartment: return "department:" + id;
    case Kind::kEstablishment: return "establishment:" + id;
  }
  return "national";
}

std::optional<AccessScope> ParseAccessScope(std::string_view s) {
  if (s == "national") return AccessScope{};
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon + 1 == s.size()) return std::nullopt;
  const std::string_view kind = s.substr(0, colon);
  const std::string id(s.substr(colon + 1));
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return std::nullopt;
  if (kind == "academy") return AccessScope{Kind::kAcademy, id};
  if (kind == "department" && id.size() == 3) return AccessScope{Kind::kDepartment, id};
  if (kind == "establishment" && id.size() == 8) return AccessScope{Kind::kEstablishment, id};
  return std::nullopt;
}

bool TableVisible(const AccessScope& scope, Scope table_scope) {
  return static_cast<int>(KindOfTable(table_scope)) >= static_cast<int>(scope.kind);
}

bool Covers(const AccessScope& scope, const Location& where) {
  switch (scope.kind) {
    case Kind::kNational: return true;
    case Kind::kAcademy: return !where.academy.empty() && where.academy == scope.id;
    case Kind::kDepartment: return !where.department.empty() && where.department == scope.id;
    case Kind::kEstablishment: return !where.uai.empty() && where.uai == scope.id;
  }
  return false;
}

std::optional<Place> ProjectionPlaces::OfEstablishment(const std::string& uai) const {
  auto p = db_.PlaceOfEstablishment(uai);
  return p.ok() ? *p : std::nullopt;
}

std::optional<std::string> ProjectionPlaces::AcademyOfDepartment(const std::string& department) const {
  auto a = db_.AcademyOfDepartment(department);
  return a.ok() ? *a : std::nullopt;
}

bool RowVisible(const AccessScope& scope, Scope table_scope, const std::string& id, const Places& places) {
  if (scope.national()) return true;
  if (!TableVisible(scope, table_scope)) return false;
  Location where;
  switch (table_scope) {
    case Scope::kNational: return false;
    case Scope::kAcademy: where.academy = id; break;
    case Scope::kDepartment:
      where.department = id;
      where.academy = places.AcademyOfDepartment(id).value_or("");
      break;
    case Scope::kEstablishment:
    case Scope::kClass: {
      where.uai = id.substr(0, id.find('/'));
      std::optional<Place> p = places.OfEstablishment(where.uai);
      if (p) where.department = p->department, where.academy = p->academy;
      break;
    }
  }
  return Covers(scope, where);
}

StatTable FilterRows(const AccessScope& scope, Scope table_scope, const StatTable& table, const Places& places) {
  if (scope.national()) return table;
  StatTable out;
  std::optional<std::pair<std::string, bool>> last;  // cells come grouped by row id
  for (const auto& [cell, c] : table) {
    if (!last || last->first != cell.scope_id)
      last = {cell.scope_id, RowVisible(scope, table_scope, cell.scope_id, places)};
    if (last->second) out.emplace(cell, c);
  }
  return out;
}

bool AccountVisible(const AccessScope& scope, const AccountView& view) {
  if (scope.national()) return true;
  auto at = [](const Placement& p) { return Location{p.uai.str(), p.department, p.academy}; };
  if (view.kind == AccountKind::kPupil) return Covers(scope, at(view.placement));
  for (const auto& [_, link] : view.links)
    if (LinkVisible(scope, link)) return true;
  return false;
}

bool LinkVisible(const AccessScope& scope, const LinkView& l) {
  return Covers(scope, Location{l.placement.uai.str(), l.placement.department, l.placement.academy});
}

AccountView VisiblePart(const AccessScope& scope, AccountView view) {
  if (scope.national()) return view;
  std::erase_if(view.links, [&](const auto& entry) { return !LinkVisible(scope, entry.second); });
  return view;
}

std::string CommandOutOfScope(const Command& c, const AccessScope& scope, const ViewLookup& views,
                              const Places& places) {
  if (scope.national()) return "";
  const std::string who = scope.ToString();
  auto account = [&](const AccountId& id) -> std::string {
    std::optional<AccountView> v = views(id.str());
    if (!v) return "account " + id.str() + " is unknown to a " + who + " token";
    return AccountVisible(scope, *v) ? "" : "account " + id.str() + " is outside " + who;
  };
  auto establishment = [&](const Uai& uai) -> std::string {
    std::optional<Place> p = places.OfEstablishment(uai.str());
    Location where{uai.str(), p ? p->department : "", p ? p->academy : ""};
    return Covers(scope, where) ? "" : "establishment " + uai.str() + " is outside " + who;
  };
  // A placement a command declares: where the ledger already knows the
  // establishment to be wins over what the command says (a scoped token must
  // not move an establishment into its scope by declaring another academy).
  auto placement = [&](const Placement& p, const std::string& what) -> std::string {
    Location where{p.uai.str(), p.department, p.academy};
    if (std::optional<Place> known = places.OfEstablishment(p.uai.str())) {
      if (known->department != p.department || known->academy != p.academy)
        return what + " " + p.uai.str() + " is in department " + known->department + " (academy " +
               known->academy + "), not as the command says";
    } else if (std::optional<std::string> academy = places.AcademyOfDepartment(p.department);
               academy && *academy != p.academy) {
      return "department " + p.department + " belongs to academy " + *academy + ", not as the command says";
    }
    return Covers(scope, where) ? "" : what + " " + p.uai.str() + " is outside " + who;
  };
  if (const auto* create = std::get_if<CreateAccount>(&c.body)) {
    if (create->data.kind == AccountKind::kGuardian) return "a guardian's account is created by a national token";
    return placement(create->data.placement, "the new pupil's establishment");
  }
  if (const auto* t = std::get_if<TransferPupil>(&c.body)) {
    if (std::string why = account(t->pupil); !why.empty()) return why;
    return placement(t->to, "the establishment the pupil moves to");
  }
  if (const auto* d = std::get_if<DelegateRights>(&c.body)) return establishment(d->uai);
  if (const auto* r = std::get_if<RevokeDelegation>(&c.body)) return establishment(r->uai);
  if (const auto* l = std::get_if<LinkGuardian>(&c.body)) return account(l->pupil);
  if (const auto* u = std::get_if<UpdateGuardianLink>(&c.body)) return account(u->pupil);
  if (const auto* u = std::get_if<UnlinkGuardian>(&c.body)) return account(u->pupil);
  if (const auto* k = std::get_if<ConfirmLink>(&c.body)) return account(k->pupil);
  if (const auto* k = std::get_if<DisputeLink>(&c.body)) return account(k->pupil);
  return account(AccountId(TargetStream(c.body).str()));
}

std::string ErasureRefused(const Command& c, Role role, const AccessScope& scope) {
  const auto* close = std::get_if<CloseAccount>(&c.body);
  if (close == nullptr || close->reason != CloseReason::kErased) return "";
  const bool academy_support = role == Role::kAssistance && (scope.kind == AccessScope::Kind::kNational ||
                                                             scope.kind == AccessScope::Kind::kAcademy);
  return academy_support ? "" : "an erasure is academy support's: an assistance token of national or academy scope";
}

}  // namespace ledger::auth
