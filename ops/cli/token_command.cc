#include "ops/cli/token_command.h"

#include <filesystem>

#include <fmt/core.h>

#include "ops/auth/token_store.h"
#include "ops/console/table.h"
#include "ops/query/render.h"

namespace ledger {
namespace {

std::filesystem::path TokenFile(const LogFlags& flags) { return std::filesystem::path(flags.data) / "tokens"; }

}  // namespace

Status RunTokenAdd(const LogFlags& flags, const TokenAddRequest& req, Timestamp now, std::FILE* out) {
  std::optional<auth::Role> role = auth::ParseRole(req.role);
  if (!role) return InvalidArgument("--role " + req.role + ": expected dashboard, auditor, assistance, service or admin");
  std::optional<auth::AccessScope> scope = auth::ParseAccessScope(req.scope);
  if (!scope)
    return InvalidArgument("--scope " + req.scope +
                           ": expected national, academy:ID, department:NNN or establishment:UAI");
  std::error_code ec;
  std::filesystem::create_directories(flags.data, ec);
  LEDGER_ASSIGN_OR_RETURN(std::string token, auth::TokenStore::Add(TokenFile(flags), req.name, *role, *scope, now));
  fmt::print(out, "{}\n", token);
  fmt::print(stderr, "token '{}' ({}, {}) added: it is shown only now — keep it in a secret store\n", req.name,
             auth::Name(*role), scope->ToString());
  return OkStatus();
}

Status RunTokenList(const LogFlags& flags, OutputFormat format, std::FILE* out) {
  LEDGER_ASSIGN_OR_RETURN(auth::TokenStore store, auth::TokenStore::Load(TokenFile(flags)));
  if (format == OutputFormat::kJson) {
    Json arr = Json::array();
    for (const auth::TokenRecord& r : store.records()) {
      Json j{{"name", r.name}, {"role", auth::Name(r.role)}, {"scope", r.scope.ToString()},
             {"fingerprint", r.hash.substr(0, 8)}, {"created_at", FormatRfc3339(r.created_at)}};
      if (r.revoked_at) j["revoked_at"] = FormatRfc3339(*r.revoked_at);
      arr.push_back(std::move(j));
    }
    fmt::print(out, "{}", query::JsonText(arr));
    return OkStatus();
  }
  fmt::print(out, "{} token{} in {}\n", store.records().size(), store.records().size() == 1 ? "" : "s",
             TokenFile(flags).string());
  if (store.records().empty()) return OkStatus();
  TextTable t({"name", "role", "scope", "fingerprint", "created (UTC)", "revoked (UTC)"});
  for (const auth::TokenRecord& r : store.records())
    t.Add({r.name, std::string(auth::Name(r.role)), r.scope.ToString(), r.hash.substr(0, 8),
           FormatRfc3339(r.created_at), r.revoked_at ? FormatRfc3339(*r.revoked_at) : ""});
  t.Print(out);
  return OkStatus();
}

Status RunTokenRevoke(const LogFlags& flags, const std::string& name, Timestamp now, std::FILE* out) {
  LEDGER_RETURN_IF_ERROR(auth::TokenStore::Revoke(TokenFile(flags), name, now));
  fmt::print(out, "token '{}' revoked (a running ledgerd refuses it from its next request)\n", name);
  return OkStatus();
}

}  // namespace ledger
