// ledger: the command-line face of the account ledger (ARCHITECTURE.md §7).
//
// Exit codes: 0 success; 1 the ledger refused or failed (the message says
// what and where); 2 bad usage (unknown flag, missing argument).
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "ops/cli/academy_demo.h"
#include "ops/cli/checkpoint_command.h"
#include "ops/cli/access_journal.h"
#include "ops/cli/access_log_command.h"
#include "ops/cli/demo.h"
#include "ops/cli/serve_demo.h"
#include "ops/cli/erase_command.h"
#include "ops/cli/export.h"
#include "ops/cli/import_command.h"
#include "ops/cli/simulate_command.h"
#include "ops/cli/submit_command.h"
#include "ops/auth/access.h"
#include "ops/cli/token_command.h"
#include "ops/datadir/log_flags.h"
#include "ops/datadir/personal_vault.h"
#include "ops/cli/migrate_command.h"
#include "ops/cli/queries.h"

namespace ledger {
namespace {

int Fail(const Status& s) {
  std::fflush(stdout);
  fmt::print(stderr, "ledger: {}\n", s.ToString());
  return 1;
}

int RunExport(const LogFlags& flags, const std::string& format, const std::string& output, bool personal,
              ExportOptions options, const journal::AccessContext& access) {
  if (format != "jsonl") return Fail(InvalidArgument("--format " + format + ": only jsonl is supported"));
  Result<std::unique_ptr<EventLog>> log = OpenLog(flags, LogAccess::kRead);
  if (!log.ok()) return Fail(log.status());
  OpenedVault vault;
  if (personal) {
    Result<OpenedVault> v = OpenVault(flags, VaultAccess::kRead);
    if (!v.ok()) return Fail(v.status().WithContext("--with-personal-data needs the master key and DATA/keys"));
    vault = std::move(*v);
    // A personal-data export is a read of everyone's data: journalled before any of it is written.
    if (Status j = JournalPersonalDataExport(flags, access); !j.ok()) return Fail(j);
  }
  std::FILE* out = stdout;
  if (!output.empty() && output != "-") {
    out = std::fopen(output.c_str(), "w");
    if (out == nullptr) return Fail(Unavailable("cannot create " + output + ": " + std::strerror(errno)));
  }
  options.vault = vault.vault.get();
  Result<ExportSummary> sum = ExportJsonl(**log, out, options);
  if (out != stdout) std::fclose(out);
  if (!sum.ok()) return Fail(sum.status().WithContext("export stopped"));
  if (out != stdout || !isatty(STDOUT_FILENO))
    fmt::print(stderr, "exported {} events of {} streams{}; every hash chain verified\n", sum->events, sum->streams,
               personal ? fmt::format(" (the personal fields of {} accounts opened)", sum->opened) : "");
  return 0;
}

int Fail(const Status& s);

int RunDemoCommand(const LogFlags& flags) {
  {
    Result<std::unique_ptr<EventLog>> log = OpenLog(flags, LogAccess::kWrite);
    if (!log.ok()) return Fail(log.status());
    fmt::print("ledger demo: a school year at four real establishments, on the {} log in {}\n\n",
               flags.log, EmbeddedLogDir(flags).string());
    Result<OpenedVault> vault = OpenVault(flags, VaultAccess::kWrite);
    if (!vault.ok()) return Fail(vault.status());
    Result<OpenedWriteState> state = OpenWriteState(flags, **log);
    if (!state.ok()) return Fail(state.status());
    Result<DemoSummary> sum = RunDemo(**log, SystemNow, stdout, vault->vault.get(), state->options());
    if (!sum.ok()) return Fail(sum.status());
    fmt::print("\n{} commands: {} accepted ({} events appended), {} replayed from an earlier run\n"
               "(nothing appended), {} refused by the rules.\n",
               sum->commands, sum->accepted, sum->events_appended, sum->replayed, sum->refused);
    if (sum->accepted > 0)
      fmt::print("This run's events cover {} of the {} event types.\n", sum->event_types_covered,
                 kEventTypeCount);
    fmt::print("The log holds {} events in {} streams across {} partitions.\n", sum->events_in_log,
               sum->streams, (*log)->partition_count());
  }  // the writer's lock is released: the read side projects the log
  fmt::print("\n== Dashboard: activation by department ==\n");
  if (Status s = RunStats(flags, StatsRequest{Scope::kDepartment, {}, OutputFormat::kText}, stdout); !s.ok())
    return Fail(s);
  fmt::print("\n== Auditor: the verified history of pup-0002 ==\n");
  if (Status s = RunHistory(flags, HistoryRequest{"pup-0002", {}, true, OutputFormat::kText, DemoAccess()}, stdout);
      !s.ok())
    return Fail(s);
  fmt::print("\n== Assistance: the links of pup-0001 ==\n");
  if (Status s = RunLinksDiagnose(flags, "pup-0001", OutputFormat::kText, stdout, DemoAccess()); !s.ok()) return Fail(s);
  fmt::print("\nNext: ledger export --format jsonl --data {}   (every event, chains verified)\n"
             "      ledger stats --by establishment --as-of 2026-09-10 --data {}\n",
             flags.data, flags.data);
  return 0;
}

int Report(const Status& s) { return s.ok() ? 0 : Fail(s); }

// --format values for the read commands.
std::map<std::string, OutputFormat> Formats(bool csv) {
  std::map<std::string, OutputFormat> m{{"text", OutputFormat::kText}, {"table", OutputFormat::kText},
                                        {"json", OutputFormat::kJson}};
  if (csv) m["csv"] = OutputFormat::kCsv;
  return m;
}

CLI::Option* AddAsOf(CLI::App& app, std::optional<Date>& as_of) {
  return app
      .add_option_function<std::string>(
          "--as-of",
          [&as_of](const std::string& s) {
            as_of = ParseIsoDate(s);
            if (!as_of) throw CLI::ValidationError("--as-of", s + " is not a date YYYY-MM-DD");
          },
          "Only events that occurred up to the end of this day (UTC), YYYY-MM-DD")
      ->type_name("DATE");
}

int Main(int argc, char** argv) {
  CLI::App app{
      "ledger — the event-sourced account ledger of the school sign-on service.\n"
      "Every account event (creation, notification, activation, resets, guardian links,\n"
      "delegations) is appended to a partitioned, hash-chained log; `ledger checkpoint` signs its\n"
      "state and `ledger verify --checkpoint FILE` proves later that history was not rewritten.\n"
      "Personal fields are sealed per person (PRIVACY.md); every read of a person's data\n"
      "(history, links, search hits) is recorded in the access journal first (`ledger access-log`)."};
  app.require_subcommand(1);
  LogFlags flags;
  AddLogFlags(app, flags);  // before the subcommand, or after it:

  bool demo_rules = false;
  AcademyDemoOptions demo_opts;
  CLI::App* demo = app.add_subcommand(
      "demo",
      "The main job: simulate the académie de Toulouse's school year 2022-23 through the write "
      "path (under a minute), project it, and print its activation tables as of 2022-09-05 and "
      "2023-06-20 next to the figures the académie published, one audited history and one "
      "erroneous-link diagnosis. --rules: a small fixed year showing each rule's refusals");
  AddLogFlags(*demo, flags);
  demo->add_flag("--rules", demo_rules,
                 "The rule tour instead: four real establishments, every event type, 13 commands "
                 "the rules refuse, each printed with its reason");
  demo->add_option("--scale", demo_opts.scale, "Simulation scale")->capture_default_str()->check(
      CLI::Range(0.0001, 20.0));
  demo->add_option("--seed", demo_opts.seed, "Simulation seed")->capture_default_str();
  bool demo_serve = false;
  std::string demo_listen = "127.0.0.1:8080";
  demo->add_flag("--serve", demo_serve,
                 "Then start ledgerd on the demo ledger and print the dashboard's URL and a dashboard "
                 "token (the French page: tables, charts, comptes à surveiller); Ctrl-C stops it");
  demo->add_option("--listen", demo_listen, "With --serve: ledgerd's address, HOST:PORT (port 0: any free one)")
      ->capture_default_str();

  std::string format = "jsonl", output;
  CLI::App* exp = app.add_subcommand(
      "export", "Write every event as JSON, one per line (partition by partition, in offset "
                "order), verifying every stream's hash chain on the way");
  AddLogFlags(*exp, flags);
  exp->add_option("--format", format, "Output format (jsonl)")->capture_default_str();
  exp->add_option("-o,--output", output, "Write to this file instead of stdout");
  bool with_personal = false;
  exp->add_flag("--with-personal-data", with_personal,
                "Include names, birth dates, INEs and logins, opened with the key store and the master "
                "key (without it they are left out: \"personal_data\": \"encrypted\"); erased ones "
                "show [erased]");
  ExportOptions export_opts;
  journal::AccessContext export_access;
  AddAccessFlags(*exp, export_access);
  exp->add_flag("--with-body", export_opts.with_body,
                "Add \"body\": each event's stored bytes in base64, so that anyone can recompute hash = "
                "BLAKE2b-256(prev_hash ‖ body) without the ledger (docs/CHECKPOINTS.md)");

  HistoryRequest hist;
  CLI::App* history = app.add_subcommand(
      "history", "An account's verifiable history for an auditor: when, what, who, through "
                 "which delegation (no names)");
  AddLogFlags(*history, flags);
  history->add_option("ACCOUNT", hist.account, "The account id (e.g. pup-0001)")->required();
  AddAsOf(*history, hist.as_of);
  history->add_flag("--verify", hist.verify, "Recompute the whole hash chain and say whether it holds");
  history->add_option("--format", hist.format, "text or json")
      ->transform(CLI::CheckedTransformer(Formats(false), CLI::ignore_case));
  AddAccessFlags(*history, hist.access);

  std::string link_account;
  OutputFormat link_format = OutputFormat::kText;
  CLI::App* links = app.add_subcommand("links", "Guardian↔pupil links, for assistance staff");
  links->require_subcommand(1);
  CLI::App* diagnose = links->add_subcommand(
      "diagnose", "Show an account's links both ways with their source (system, file, ids), "
                  "confirmed/disputed status, when and by whom changed, and what looks wrong");
  AddLogFlags(*diagnose, flags);
  diagnose->add_option("ACCOUNT", link_account, "A guardian's or a pupil's account id")->required();
  diagnose->add_option("--format", link_format, "text or json")
      ->transform(CLI::CheckedTransformer(Formats(false), CLI::ignore_case));
  journal::AccessContext link_access;
  AddAccessFlags(*diagnose, link_access);

  StatsRequest st;
  CLI::App* stats = app.add_subcommand(
      "stats", "Activation table (accounts, notified, activated, rate) by scope × profile × level, "
               "now or as of a past date");
  AddLogFlags(*stats, flags);
  stats
      ->add_option_function<std::string>(
          "--by",
          [&st](const std::string& s) {
            std::optional<Scope> scope = ParseScope(s);
            if (!scope)
              throw CLI::ValidationError("--by", s + " is not a scope: expected national, academy, "
                                                     "department, establishment or class");
            st.by = *scope;
          },
          "national, academy, department (the default), establishment or class")
      ->type_name("SCOPE");
  AddAsOf(*stats, st.as_of);
  stats->add_option("--format", st.format, "table, csv (scope,scope_id,profile,level,accounts,notified,activated) or json")
      ->transform(CLI::CheckedTransformer(Formats(true), CLI::ignore_case));

  SearchRequest search_req;
  std::string search_login, search_ine;
  CLI::App* search = app.add_subcommand(
      "search", "Find accounts by login or INE (an index the projector keeps, never a log scan); "
                "prints ids, kind, state and establishment, never names");
  AddLogFlags(*search, flags);
  auto* by_login = search->add_option("--login", search_login, "The login, any case (e.g. p.martin12)");
  auto* by_ine = search->add_option("--ine", search_ine, "The pupil's national number (INE)");
  by_login->excludes(by_ine);
  search->add_option("--format", search_req.format, "text or json")
      ->transform(CLI::CheckedTransformer(Formats(false), CLI::ignore_case));
  AddAccessFlags(*search, search_req.access);

  AccessLogRequest access_log_req;
  CLI::App* access_log = AddAccessLogCommand(app, flags, access_log_req);

  OutputFormat q_format = OutputFormat::kText;
  CLI::App* quarantine = app.add_subcommand("quarantine", "Records the projectors could not apply");
  quarantine->require_subcommand(1);
  CLI::App* qlist = quarantine->add_subcommand(
      "list", "List quarantined records: partition, offset, key, size and why");
  AddLogFlags(*qlist, flags);
  qlist->add_option("--format", q_format, "text or json")
      ->transform(CLI::CheckedTransformer(Formats(false), CLI::ignore_case));

  CLI::App* rebuild = app.add_subcommand(
      "rebuild", "Rebuild every projection from offset 0 of the log into a fresh store, then swap "
                 "it in (the current one serves until the swap; a damaged one is discarded)");
  AddLogFlags(*rebuild, flags);
  std::string rebuild_sort_dir;
  rebuild->add_option("--sort-dir", rebuild_sort_dir,
                      "Where the log's records are sorted (default: beside the new store, on its disk). A "
                      "faster file system speeds the rebuild up — /dev/shm when memory allows about 0.6 KB "
                      "per event of the log (1 GB for a year of one académie; README \"National scale\")");

  MigrateRequest mig;
  CLI::App* migrate = app.add_subcommand(
      "migrate", "Copy the log (--log, the embedded one by default) into a Kafka topic, each "
                 "record at the same partition and offset; run it again after an interruption "
                 "to resume (what is already there is verified, never duplicated)");
  AddLogFlags(*migrate, flags);
  migrate
      ->add_option("--to", mig.to,
                   "The target: kafka://host:port[,host:port][?topic=NAME&replication=R] "
                   "(a missing topic is created with the source's partition count)")
      ->required();
  migrate->add_option("--batch", mig.batch, "Records per append round before waiting for the "
                                            "brokers' acknowledgements")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  ImportRequest imp;
  CLI::App* import = app.add_subcommand(
      "import", "Feed the ledger from the schools' information systems (the establishment "
                "directory first, then SIECLE or ONDE exports); a re-import appends only what "
                "changed");
  import->require_subcommand(1);
  CLI::App* annuaire = import->add_subcommand(
      "annuaire", "Load the national establishment directory (annuaire de l'éducation CSV: "
                  "UAI, name, type, department, academy) into DATA/establishments.tsv");
  AddLogFlags(*annuaire, flags);
  annuaire->add_option("FILE", imp.annuaire, "One or more annuaire CSV files (one per department)")
      ->required();
  auto add_run_options = [&](CLI::App& sub) {
    AddLogFlags(sub, flags);
    sub.add_option_function<std::string>(
           "--date",
           [&imp](const std::string& s) {
             imp.date = ParseIsoDate(s);
             if (!imp.date) throw CLI::ValidationError("--date", s + " is not a date YYYY-MM-DD");
           },
           "The exports' date, YYYY-MM-DD (default: today): the import's events happen then, and "
           "pupils whose DATE_SORTIE is on or before it have left")
        ->type_name("DATE");
    sub.add_option("--report", imp.report, "Also write the data-quality report to this JSON file");
    sub.add_flag("--dry-run", imp.dry_run, "Plan and report, append nothing");
  };
  CLI::App* siecle = import->add_subcommand(
      "siecle", "Import SIECLE BEE exports (secondary schools), one --eleves/--responsables pair "
                "per establishment; give both establishments of a pupil who moved in one run");
  add_run_options(*siecle);
  siecle->add_option("--eleves", imp.eleves, "ElevesSansAdresses.xml (BEE_ELEVES), repeatable")
      ->required();
  siecle->add_option("--responsables", imp.responsables,
                     "ResponsablesAvecAdresses.xml (BEE_RESPONSABLES), repeatable, same order")
      ->required();
  siecle->add_option_function<std::string>(
      "--uai", [&imp](const std::string& s) { imp.expected_uai = s; },
      "The establishment these exports must be of (refused otherwise)");
  CLI::App* onde = import->add_subcommand(
      "onde", "Import an ONDE extraction (primary schools): the pupils file and the guardians "
              "file (format in ops/import/README.md)");
  add_run_options(*onde);
  onde->add_option("--pupils", imp.pupils, "The ONDE pupils extraction (CSV, Windows-1252)")->required();
  onde->add_option("--guardians", imp.guardians, "The guardians extraction (CSV, Windows-1252)")
      ->required();
  onde->add_option("--uai", imp.uai, "The school's UAI (ONDE extractions do not carry it)")->required();

  sim::SimulateRequest simreq;
  CLI::App* simulate = app.add_subcommand(
      "simulate",
      "Simulate a whole school year of a profile's population through the write path: imports, "
      "notifications, activations by every method, resets, erroneous links fixed by support, "
      "delegations, transfers and leavers. Same profile, seed and scale: the same events (their hashes differ: each ledger seals personal data under keys of its own)");
  AddLogFlags(*simulate, flags);
  simulate->add_option("--profile", simreq.profile,
                       "toulouse-2022 (the académie de Toulouse 2022-23, tuned to its published "
                       "activation tables) or rennes-35 (Ille-et-Vilaine's real establishments: "
                       "run `ledger import annuaire` with its annuaire first)")
      ->capture_default_str()
      ->check(CLI::IsMember(sim::ProfileNames()));
  simulate->add_option("--seed", simreq.seed, "The random seed")->capture_default_str();
  simulate->add_option("--scale", simreq.scale,
                       "Population size relative to the real one (1.0 ≈ 250,000 pupils for "
                       "toulouse-2022)")
      ->capture_default_str()
      ->check(CLI::Range(0.0001, 20.0));

  SubmitRequest submit_req;
  CLI::App* submit = app.add_subcommand(
      "submit", "Append commands from a file of JSON lines (the JSON of POST /v1/commands), through the write "
                "path or through a running ledgerd (--server); one result per command on stdout; exit 1 if any "
                "was refused");
  AddLogFlags(*submit, flags);
  submit->add_option("FILE", submit_req.file, "One command per line (ARCHITECTURE.md §7, \"Commands as JSON\")")
      ->required();
  submit->add_option("--server", submit_req.server,
                     "Submit through ledgerd at http://HOST:PORT instead of writing the log here "
                     "(needed while ledgerd serves --data)");
  submit->add_option("--token-file", submit_req.token_file,
                     "With --server: a file holding a service token (default: $LEDGER_TOKEN)");
  submit->add_option("-o,--output", submit_req.output, "Write the results to this file instead of stdout");
  submit->add_option("--batch", submit_req.batch, "Commands per group commit (per request with --server)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));

  EraseRequest erase_req;
  CLI::App* erase = app.add_subcommand(
      "erase", "Erase a person's data (right to erasure, academy support only): closes the account with reason "
               "'erased' and destroys the person's key, so names, birth date, INE and login read [erased] "
               "everywhere while every hash chain still verifies (PRIVACY.md)");
  AddLogFlags(*erase, flags);
  erase->add_option("ACCOUNT", erase_req.account, "The account id (e.g. acc-3f2a…)")->required();
  erase->add_option("--reason", erase_req.reason,
                    "The erasure request's reference, kept in the log (a ticket number, never a name)")
      ->required();
  erase->add_option("--by", erase_req.by, "Academy support's staff id (default support:$USER; with --server, "
                                          "the token's name)");
  erase->add_option("--server", erase_req.submit.server,
                    "Go through ledgerd at http://HOST:PORT (needed while ledgerd serves --data)");
  erase->add_option("--token-file", erase_req.submit.token_file,
                    "With --server: an assistance token of national or academy scope (default: $LEDGER_TOKEN)");

  TokenAddRequest token_add;
  std::string token_name;
  OutputFormat token_format = OutputFormat::kText;
  CLI::App* token = app.add_subcommand(
      "token", "Bearer tokens for ledgerd's API: each has a name, a role and a scope; only hashes are stored "
               "(DATA/tokens)");
  token->require_subcommand(1);
  CLI::App* token_add_cmd = token->add_subcommand(
      "add", "Create a token and print it alone on stdout — the only time it is shown");
  AddLogFlags(*token_add_cmd, flags);
  token_add_cmd->add_option("--name", token_add.name, "Who holds it (1-64 of A-Z a-z 0-9 . _ @ -); an assistance "
                                                       "token acts as academy support under this id")
      ->required();
  token_add_cmd->add_option("--role", token_add.role,
                            "dashboard (statistics only), auditor (histories, views, links, quarantine), "
                            "assistance (views, links, login search, support commands), service (submits "
                            "commands), admin (all)")
      ->required()
      ->check(CLI::IsMember({"dashboard", "auditor", "assistance", "service", "admin"}));
  token_add_cmd->add_option("--scope", token_add.scope,
                            "national, academy:ID, department:NNN or establishment:UAI — a scoped token sees "
                            "its scope's rows and accounts only")
      ->capture_default_str()
      ->check(
          [](const std::string& s) {
            return auth::ParseAccessScope(s) ? std::string()
                                             : s + " is not a scope: national, academy:ID, department:NNN "
                                                   "(3 characters) or establishment:UAI";
          },
          "SCOPE");
  CLI::App* token_list = token->add_subcommand("list", "List tokens: name, role, scope, fingerprint, when created "
                                                        "and revoked (never the tokens themselves)");
  AddLogFlags(*token_list, flags);
  token_list->add_option("--format", token_format, "text or json")
      ->transform(CLI::CheckedTransformer(Formats(false), CLI::ignore_case));
  CLI::App* token_revoke = token->add_subcommand("revoke", "Revoke the live token of NAME (ledgerd refuses it "
                                                            "from its next request)");
  AddLogFlags(*token_revoke, flags);
  token_revoke->add_option("NAME", token_name, "The token's name")->required();

  CheckpointRequest ckpt;
  CLI::App* checkpoint_cmd = app.add_subcommand(
      "checkpoint", "Proof that history is not rewritten later: verify every hash chain, then write a signed "
                    "(Ed25519) statement of each partition's end offset and a Merkle root over every stream's "
                    "head; the key DATA/checkpoint.key is created on first use (docs/CHECKPOINTS.md)");
  AddLogFlags(*checkpoint_cmd, flags);
  checkpoint_cmd->add_option("-o,--output", ckpt.output, "The checkpoint file to write ('-': stdout)")->required();
  checkpoint_cmd->add_option("--key", ckpt.key, "The private signing key (PEM; default DATA/checkpoint.key, created "
                                                "if missing with its public half next to it)");
  VerifyCheckpointRequest verify_req;
  CLI::App* verify_cmd = app.add_subcommand(
      "verify", "Check that the log extends a checkpoint: its signature against the trusted public key, every "
                "chain from its first event, nothing deleted, altered, reordered or truncated before its offsets; "
                "names the first partition, offset, stream and seq that break it");
  AddLogFlags(*verify_cmd, flags);
  verify_cmd->add_option("--checkpoint", verify_req.checkpoint, "The checkpoint file (from ledger checkpoint -o)")
      ->required();
  verify_cmd->add_option("--public-key", verify_req.public_key,
                         "The trusted public key (PEM; default DATA/checkpoint.pub). The key named inside the "
                         "checkpoint is never trusted by itself");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*demo && demo_rules) return RunDemoCommand(flags);
  if (*demo) {
    if (int code = Report(RunAcademyDemo(flags, demo_opts, stdout)); code != 0 || !demo_serve) return code;
    Result<int> served = ServeDemo(flags, demo_listen, stdout);
    return served.ok() ? *served : Report(served.status());
  }
  if (*exp) return RunExport(flags, format, output, with_personal, export_opts, export_access);
  if (*history) return Report(RunHistory(flags, hist, stdout));
  if (*diagnose) return Report(RunLinksDiagnose(flags, link_account, link_format, stdout, link_access));
  if (*stats) return Report(RunStats(flags, st, stdout));
  if (*search) {
    if (search_login.empty() == search_ine.empty()) {
      fmt::print(stderr, "ledger search: give --login LOGIN or --ine INE\n");
      return 2;
    }
    search_req.index = search_login.empty() ? SearchIndex::kIne : SearchIndex::kLogin;
    search_req.value = search_login.empty() ? search_ine : search_login;
    return Report(RunSearch(flags, search_req, stdout));
  }
  if (*access_log) return Report(RunAccessLog(flags, access_log_req, stdout));
  if (*qlist) return Report(RunQuarantineList(flags, q_format, stdout));
  if (*rebuild) return Report(RunRebuild(flags, rebuild_sort_dir, stdout));
  if (*migrate) return Report(RunMigrate(flags, mig, stdout));
  if (*annuaire) return Report(RunImportAnnuaire(flags, imp, stdout));
  if (*siecle) return Report(RunImportSiecle(flags, imp, SystemNow, stdout));
  if (*onde) return Report(RunImportOnde(flags, imp, SystemNow, stdout));
  if (*submit) return Report(RunSubmit(flags, submit_req, SystemNow));
  if (*erase) return Report(RunErase(flags, erase_req, SystemNow));
  if (*token_add_cmd) return Report(RunTokenAdd(flags, token_add, SystemNow(), stdout));
  if (*token_list) return Report(RunTokenList(flags, token_format, stdout));
  if (*token_revoke) return Report(RunTokenRevoke(flags, token_name, SystemNow(), stdout));
  if (*simulate) return Report(sim::RunSimulate(flags, simreq, stdout).status());
  if (*checkpoint_cmd) return Report(RunCheckpoint(flags, ckpt, SystemNow(), stdout));
  if (*verify_cmd) return Report(RunVerifyCheckpoint(flags, verify_req, stdout));
  return 2;
}

}  // namespace
}  // namespace ledger

int main(int argc, char** argv) { return ledger::Main(argc, argv); }
