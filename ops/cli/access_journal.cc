#include "ops/cli/access_journal.h"

#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "ops/journal/journal_file.h"

namespace ledger {

void AddAccessFlags(CLI::App& app, journal::AccessContext& access) {
  app.add_option("--who", access.who,
                 "Who reads, for the access journal (default: the OS user name): 1-64 of A-Z a-z "
                 "0-9 . _ @ -")
      ->check([](const std::string& s) { return journal::ValidateWho(s).message(); }, "NAME");
  app.add_option("--reason", access.reason,
                 "Why, for the access journal: a ticket reference (never a person's name), at most "
                 "200 bytes")
      ->check([](const std::string& s) { return journal::ValidateReason(s).message(); }, "TEXT");
}

std::string OsUserName() {
  const uid_t uid = getuid();
  std::string name;
  if (const passwd* pw = getpwuid(uid); pw != nullptr && pw->pw_name != nullptr) name = pw->pw_name;
  return journal::ValidateWho(name).ok() ? name : "uid-" + std::to_string(uid);
}

journal::AccessContext DemoAccess() {
  return journal::AccessContext{"", "operator", journal::Via::kCli, "ledger demo"};
}

Status JournalRead(const LogFlags& flags, journal::AccessContext access, journal::What what,
                   const std::vector<std::string>& accounts) {
  if (accounts.empty()) return OkStatus();
  if (access.who.empty()) access.who = OsUserName();
  if (access.role.empty()) access.role = "operator";
  access.via = journal::Via::kCli;
  journal::AccessJournal file(journal::JournalPath(flags.data));
  Result<std::vector<journal::AccessEntry>> written =
      file.Append(journal::EntriesOf(access, what, accounts, SystemNow()));
  if (!written.ok())
    return Status(written.status().code(),
                  "not answered: every read of a person's data is recorded in the access journal, "
                  "and this one "
                  "could not be (" +
                      written.status().message() + ")");
  return OkStatus();
}

Status JournalPersonalDataExport(const LogFlags& flags, const journal::AccessContext& access,
                                 const std::vector<std::string>& accounts) {
  return JournalRead(
      flags, access, journal::What::kExport,
      accounts.empty() ? std::vector<std::string>{std::string(journal::kEveryAccount)} : accounts);
}

}  // namespace ledger
