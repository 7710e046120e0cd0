// PlanImport against the real write path: plans are handled by a
// CommandHandler on an in-memory log, the index reloaded from that log, and
// the next plan computed from it — as `ledger import` does run after run.
#include "ops/import/import_plan.h"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "aggregates/command_handler.h"
#include "events/testing/memory_event_log.h"
#include "ops/import/normalize.h"

namespace ledger::import {
namespace {

constexpr char kCollege[] = "0949999H";  // fictional, dept 094
constexpr char kLycee[] = "0351962T";    // Lycée professionnel Abbé Pierre, dept 035

Directory TestDirectory() {
  Directory d;
  d[kCollege] = Establishment{Uai(kCollege), "Collège d'essai", "Collège", Level::kCollege, "094",
                              "creteil", 500};
  d[kLycee] = Establishment{Uai(kLycee), "Lycée professionnel Abbé Pierre", "Lycée", Level::kLycee,
                            "035", "rennes", 300};
  return d;
}

PupilRecord Pupil(std::string id, std::string ine, std::string last, std::string first,
                  std::string cls, int line) {
  PupilRecord p;
  p.source_id = std::move(id);
  p.ine = std::move(ine);
  p.last_name = std::move(last);
  p.first_name = std::move(first);
  p.birth_date = Date{2010, 3, 14};
  p.class_name = std::move(cls);
  p.line = line;
  return p;
}

GuardianRecord Adult(std::string id, std::string last, std::string first, std::string mobile,
                     std::string email, int line) {
  return GuardianRecord{std::move(id), std::move(last), std::move(first), std::move(mobile),
                        std::move(email), line};
}

LinkRecord Link(std::string pupil, std::string adult, int resp_legal, int level) {
  return LinkRecord{std::move(pupil), std::move(adult), resp_legal, level, "20", 1};
}

ExportSet Set(const char* uai, const char* tag) {
  ExportSet s;
  s.system = SourceSystem::kSiecle;
  s.uai = uai;
  s.pupils_file = std::string("eleves-") + tag + ".xml";
  s.guardians_file = std::string("responsables-") + tag + ".xml";
  return s;
}

// Year 1: siblings A and B in the collège, E in the lycée; their parent
// appears in both exports under different PERSONNE_IDs.
std::vector<ExportSet> YearOne() {
  ExportSet c = Set(kCollege, "c1");
  c.pupils = {Pupil("10", "1234567890A", "Lefèvre", "Anaïs", "4A", 3),
              Pupil("11", "1234567891B", "Lefèvre", "Bastien", "6B", 9),
              Pupil("12", "", "Noël", "Chloé", "5A", 15),
              Pupil("13", "12345", "Vidal", "Dan", "5A", 21)};
  c.guardians = {Adult("200", "LEFÈVRE", "Sophie", "06 11 22 33 44", "", 4),
                 Adult("201", "Lefèvre", "Marc", "", "marc.lefevre@example.org", 9),
                 Adult("202", "Garnier", "Paule", "0699887766", "", 14)};
  c.links = {Link("10", "200", 1, 1), Link("10", "201", 2, 1), Link("11", "200", 1, 1),
             Link("10", "202", 0, 3)};
  ExportSet l = Set(kLycee, "l1");
  l.pupils = {Pupil("500", "9876543210C", "Lefèvre", "Élise", "2NDE3", 3)};
  l.guardians = {Adult("900", "Lefevre", "Sophie", "+33611223344", "", 4)};
  l.links = {Link("500", "900", 1, 1)};
  return {c, l};
}

// Year 2: Anaïs moved from the collège to the lycée (her parents' links
// follow), Bastien moved up a class, Élise left the lycée in July.
std::vector<ExportSet> YearTwo() {
  std::vector<ExportSet> y2 = YearOne();
  ExportSet& c = y2[0];
  ExportSet& l = y2[1];
  c.pupils.erase(c.pupils.begin());  // Anaïs left the collège…
  c.pupils[0].class_name = "5B";      // …Bastien moved up a class
  c.links = {Link("11", "200", 1, 1)};
  l.pupils.push_back(Pupil("501", "1234567890A", "Lefèvre", "Anaïs", "2NDE1", 8));  // …to the lycée
  l.pupils[0].left_on = Date{2023, 7, 4};  // Élise left in July
  l.guardians.push_back(Adult("901", "Lefèvre", "Marc", "", "Marc.Lefevre@example.org ", 12));
  l.links = {Link("500", "900", 1, 1), Link("501", "900", 1, 1), Link("501", "901", 2, 1)};
  return y2;
}

class PlanTest : public ::testing::Test {
 protected:
  // Plans `sets` on the current log, handles every command (all must pass).
  ImportPlan PlanAndApply(const std::vector<ExportSet>& sets, Date date) {
    auto plan = Plan(sets, date);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    if (!plan.ok()) return {};
    auto h = Handler();
    for (const Command& c : plan->commands) {
      auto r = h->Handle(c);
      EXPECT_TRUE(r.ok()) << CommandName(c.body) << " on " << TargetStream(c.body).str() << ": "
                          << r.status().ToString();
      if (r.ok()) {
        EXPECT_FALSE(r->replayed) << "two commands share the id " << c.id.str();
      }
    }
    return *plan;
  }

  std::map<std::string, int> Kinds(const ImportPlan& p) {
    std::map<std::string, int> n;
    for (const Finding& f : p.findings) ++n[f.kind];
    return n;
  }

  std::unique_ptr<LedgerIndex> Index() { return std::move(LedgerIndex::Load(log_).value()); }
  // The plan of `sets` on the current log, as a run on `date` makes it.
  Result<ImportPlan> Plan(const std::vector<ExportSet>& sets, Date date) {
    return PlanImport(sets, dir_, *Index(), PlanOptions{date, std::nullopt, "run-" + FormatIsoDate(date)});
  }
  std::unique_ptr<CommandHandler> Handler() {
    return CommandHandler::Open(log_, [] { return Timestamp{1'800'000'000'000'000}; }).value();
  }

  MemoryEventLog log_;
  Directory dir_ = TestDirectory();
};

TEST_F(PlanTest, FirstImportCreatesOneAccountPerPupilAndPerGuardianAndReports) {
  const ImportPlan p = PlanAndApply(YearOne(), Date{2022, 9, 1});
  EXPECT_EQ(p.summary.pupils_created, 3);     // A, B, E (C has no INE, D an invalid one)
  EXPECT_EQ(p.summary.guardians_created, 2);  // Sophie once for both establishments, Marc
  EXPECT_EQ(p.summary.guardians_matched, 1);  // Sophie in the lycée's export
  EXPECT_EQ(p.summary.links_added, 4);        // A-Sophie, A-Marc, B-Sophie, E-Sophie
  EXPECT_EQ(p.summary.leavers, 0);
  auto kinds = Kinds(p);
  EXPECT_EQ(kinds["pupil_without_ine"], 1);
  EXPECT_EQ(kinds["invalid_ine"], 1);
  EXPECT_EQ(kinds["guardian_without_mobile"], 1);  // Marc (Paule is a contact only)
  for (const Finding& f : p.findings) {
    EXPECT_EQ(f.detail.find("Lef"), std::string::npos) << "no names in the report: " << f.detail;
  }

  std::unique_ptr<LedgerIndex> index = Index();
  const std::string sophie = *index->GuardiansByKey(
      GuardianMatchKeys("Lefèvre", "Sophie", "0611223344", "")[0]).begin();
  const std::optional<AccountView> v = index->Find(sophie);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->links.size(), 3u);  // two children in the collège, one in the lycée
  EXPECT_TRUE(v->login.empty()) << "the index keeps no login in clear";
  EXPECT_TRUE(index->LoginTaken("s.lefevre1"));
}

TEST_F(PlanTest, SameExportsTwiceAppendNothing) {
  PlanAndApply(YearOne(), Date{2022, 9, 1});
  auto total = [&] {
    int64_t n = 0;
    for (int32_t q = 0; q < log_.partition_count(); ++q) n += *log_.EndOffset(q);
    return n;
  };
  const int64_t before = total();
  const ImportPlan again = PlanAndApply(YearOne(), Date{2022, 9, 1});
  EXPECT_TRUE(again.commands.empty()) << again.commands.size() << " commands, first "
                                      << CommandName(again.commands[0].body);
  EXPECT_EQ(total(), before);
}

TEST_F(PlanTest, NextYearMovesThePupilWithItsLinksChangesClassesAndClosesLeavers) {
  PlanAndApply(YearOne(), Date{2022, 9, 1});
  const std::string anais = Index()->PupilByIne("1234567890A");
  const std::string elise = Index()->PupilByIne("9876543210C");

  const std::vector<ExportSet> y2 = YearTwo();
  const ImportPlan p = PlanAndApply(y2, Date{2023, 9, 1});
  EXPECT_EQ(p.summary.pupils_created, 0);
  EXPECT_EQ(p.summary.guardians_created, 0);
  EXPECT_EQ(p.summary.transfers, 1);
  EXPECT_EQ(p.summary.links_moved, 2);  // Sophie's and Marc's links follow Anaïs
  EXPECT_EQ(p.summary.class_changes, 1);
  EXPECT_EQ(p.summary.leavers, 1);       // Élise
  EXPECT_EQ(p.summary.links_removed, 0);

  std::unique_ptr<LedgerIndex> index = Index();
  EXPECT_EQ(index->PupilByIne("1234567890A"), anais);  // same account
  const std::optional<AccountView> a = index->Find(anais);
  EXPECT_EQ(a->placement.uai.str(), kLycee);
  EXPECT_EQ(a->placement.department, "035");
  EXPECT_EQ(a->placement.class_name, "2NDE1");
  EXPECT_EQ(index->Find(elise)->state, ViewState::kClosed);
  for (const auto& [g, link] : index->LinksOf(anais)) {
    EXPECT_TRUE(link.active());
    EXPECT_EQ(link.placement.uai.str(), kLycee) << g;
  }
  EXPECT_EQ(index->LinksOf(anais).size(), 2u);
  // And the year after that, the same exports change nothing.
  EXPECT_TRUE(PlanAndApply(y2, Date{2023, 9, 1}).commands.empty());
}

// A kill between the pupils' phase and the links' phase of an import (the
// transfer appended, the links not yet moved): the same files run again plan
// the very commands the first run did not get to, with the same ids.
TEST_F(PlanTest, ARunStoppedAfterATransferIsFinishedByTheRerunLinksIncluded) {
  PlanAndApply(YearOne(), Date{2022, 9, 1});
  const std::string anais = Index()->PupilByIne("1234567890A");
  const Date date{2023, 9, 1};
  const std::vector<ExportSet> y2 = YearTwo();
  auto plan = Plan(y2, date);
  ASSERT_TRUE(plan.ok());
  auto h = Handler();
  size_t done = 0;
  for (; done < plan->commands.size() && CommandName(plan->commands[done].body) != "UpdateGuardianLink"; ++done)
    ASSERT_TRUE(h->Handle(plan->commands[done]).ok());
  ASSERT_LT(done, plan->commands.size()) << "the plan moves links";
  std::vector<std::string> rest;
  for (size_t i = done; i < plan->commands.size(); ++i) rest.push_back(plan->commands[i].id.str());

  const ImportPlan rerun = PlanAndApply(y2, date);
  std::vector<std::string> ids;
  for (const Command& c : rerun.commands) ids.push_back(c.id.str());
  EXPECT_EQ(ids, rest);
  const std::unique_ptr<LedgerIndex> index = Index();
  for (const auto& [g, link] : index->LinksOf(anais)) EXPECT_EQ(link.placement.uai.str(), kLycee) << g;
}

// A kill in the middle of a group commit's flush: the partitions are written
// one after the other, so a leaver's closure can be in the log while the
// unlinks planned before it are not. The rerun removes the links still
// active, under the commands' own ids (found by the CLI's import crash test).
TEST_F(PlanTest, ALeaverClosedWithoutItsUnlinksHasThemFinishedByTheRerun) {
  PlanAndApply(YearOne(), Date{2022, 9, 1});
  const std::string elise = Index()->PupilByIne("9876543210C");
  const Date date{2023, 9, 1};
  const std::vector<ExportSet> y2 = YearTwo();
  auto plan = Plan(y2, date);
  ASSERT_TRUE(plan.ok());
  auto h = Handler();
  std::vector<std::string> skipped;
  for (const Command& c : plan->commands) {
    const auto* u = std::get_if<UnlinkGuardian>(&c.body);
    if (u != nullptr && u->pupil.str() == elise) {
      skipped.push_back(c.id.str());
      continue;
    }
    ASSERT_TRUE(h->Handle(c).ok()) << CommandName(c.body);
  }
  ASSERT_FALSE(skipped.empty()) << "Élise's guardians are linked to her";
  ASSERT_EQ(Index()->Find(elise)->state, ViewState::kClosed);

  const ImportPlan rerun = PlanAndApply(y2, date);
  std::vector<std::string> ids;
  for (const Command& c : rerun.commands) ids.push_back(c.id.str());
  EXPECT_EQ(ids, skipped);
  const std::unique_ptr<LedgerIndex> index = Index();
  for (const auto& [g, link] : index->LinksOf(elise)) EXPECT_FALSE(link.active()) << g;
  EXPECT_TRUE(PlanAndApply(y2, date).commands.empty());
}

TEST_F(PlanTest, AnAdultMatchingTwoAccountsIsReportedAndLeftOut) {
  // Two accounts for the same adult exist (created by two separate runs with
  // different contacts); a third export carries both contacts.
  ExportSet a = Set(kCollege, "a");
  a.pupils = {Pupil("1", "1111111111A", "Martin", "Léo", "6A", 2)};
  a.guardians = {Adult("7", "Martin", "Julie", "0611111111", "", 3)};
  a.links = {Link("1", "7", 1, 1)};
  PlanAndApply({a}, Date{2022, 9, 1});
  ExportSet b = Set(kLycee, "b");
  b.pupils = {Pupil("2", "2222222222B", "Martin", "Zoé", "1A", 2)};
  b.guardians = {Adult("8", "Martin", "Julie", "", "julie@example.org", 3)};
  b.links = {Link("2", "8", 1, 1)};
  PlanAndApply({b}, Date{2022, 9, 1});
  // The collège's next export gives the adult both contacts: each matches
  // another account.
  ExportSet c = Set(kCollege, "c");
  c.pupils = a.pupils;
  c.pupils.push_back(Pupil("3", "3333333333C", "Martin", "Tom", "6B", 4));
  c.guardians = {Adult("9", "Martin", "Julie", "0611111111", "julie@example.org", 5)};
  c.links = {Link("1", "9", 1, 1), Link("3", "9", 1, 1)};
  const ImportPlan p = PlanAndApply({c}, Date{2022, 9, 2});
  EXPECT_EQ(Kinds(p)["ambiguous_guardian"], 1);
  EXPECT_EQ(p.summary.guardians_created, 0);
  EXPECT_EQ(p.summary.links_added, 0);
  EXPECT_EQ(p.summary.links_removed, 0);  // Léo keeps the link the first run made
  EXPECT_EQ(p.summary.pupils_created, 1);  // Tom
}

TEST_F(PlanTest, UnknownEstablishmentRefusesTheWholeRun) {
  std::vector<ExportSet> sets = YearOne();
  sets[1].uai = "0319999A";  // valid, not in the directory
  auto plan = PlanImport(sets, dir_, *Index(), PlanOptions{Date{2022, 9, 1}, std::nullopt, "r"});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kNotFound);
  EXPECT_NE(plan.status().message().find("eleves-l1.xml: establishment 0319999A"), std::string::npos)
      << plan.status().ToString();
  EXPECT_NE(plan.status().message().find("ledger import annuaire"), std::string::npos);

  sets[1].uai = "0351962X";  // bad check letter
  plan = PlanImport(sets, dir_, *Index(), PlanOptions{Date{2022, 9, 1}, std::nullopt, "r"});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("eleves-l1.xml"), std::string::npos);

  sets = YearOne();
  plan = PlanImport({sets[0]}, dir_, *Index(), PlanOptions{Date{2022, 9, 1}, kLycee, "r"});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("expected 0351962T"), std::string::npos);
}

TEST(MakeLoginTest, InitialDotNameNumberFirstFree) {
  std::set<std::string> taken = {"c.durand1", "c.durand2", "c.durand4"};
  auto is_taken = [&](const std::string& l) { return taken.count(l) > 0; };
  EXPECT_EQ(MakeLogin("Chloé", "Durand", is_taken), "c.durand3");
  EXPECT_EQ(MakeLogin("Élodie", "Le Bœuf-d'Éon", is_taken), "e.leboeufdeon1");
  EXPECT_EQ(MakeLogin("", "", is_taken), "x.eleve1");
  EXPECT_EQ(LoginBase("Chloé", "Durand"), "c.durand");
  int number = 0;
  EXPECT_EQ(MakeLogin("Chloé", "Durand", is_taken, 4, &number), "c.durand5");
  EXPECT_EQ(number, 5);
}

// Homonyms of one run get the smallest free numbers in turn, around the ones
// the ledger already has; the next run goes on after them (each new login is
// looked for from where its base's last one was found).
TEST_F(PlanTest, HomonymsGetTheSmallestFreeNumbersInTurnAcrossRuns) {
  auto run = [&](int first, int count) {
    ExportSet c = Set(kCollege, "homonyms");
    for (int i = first; i < first + count; ++i) {
      const std::string ine = fmt::format("{:09d}0A", 100000000 + i);
      c.pupils.push_back(Pupil(std::to_string(i), ine, "Durand", "Chloé", "6A", i));
    }
    return std::vector<ExportSet>{c};
  };
  std::vector<std::string> logins;
  auto collect = [&](const ImportPlan& p) {
    for (const Command& cmd : p.commands)
      if (auto* create = std::get_if<CreateAccount>(&cmd.body)) logins.push_back(create->data.login);
  };
  collect(PlanAndApply(run(0, 3), Date{2022, 9, 1}));
  collect(PlanAndApply(run(0, 6), Date{2022, 9, 2}));  // the same three, and three new
  ASSERT_EQ(logins.size(), 6u);
  for (size_t i = 0; i < logins.size(); ++i) EXPECT_EQ(logins[i], fmt::format("c.durand{}", i + 1));
}

TEST(NormalizeTest, NamesMobilesAndKeys) {
  EXPECT_EQ(NormalizeName("  Le Bœuf-d'Éon "), "LE BOEUF D EON");
  EXPECT_EQ(NormalizeName("Ÿvette  Çà"), "YVETTE CA");
  EXPECT_EQ(NormalizeMobile("+33 6 12-34-56-78"), "0612345678");
  EXPECT_EQ(NormalizeMobile("0299853802"), "");  // a landline
  EXPECT_EQ(NormalizeEmail(" Marc.Lefevre@Example.org "), "marc.lefevre@example.org");
  EXPECT_EQ(GuardianMatchKeys("LEFÈVRE", "Sophie", "06 11 22 33 44", ""),
            GuardianMatchKeys("Lefevre", "sophie", "+33611223344", ""));
  EXPECT_EQ(GuardianMatchKeys("Lefèvre", "Sophie", "", "").size(), 0u);
  auto both = GuardianMatchKeys("Lefèvre", "Sophie", "0611223344", "s@example.org");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].substr(0, 2), "m:");
  EXPECT_EQ(both[1].size(), 2u + 32u);
}

}  // namespace
}  // namespace ledger::import
