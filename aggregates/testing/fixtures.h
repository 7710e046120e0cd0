// Test vocabulary for the domain: actors, placements and a given/when/then
// fixture that folds payloads into an aggregate state.
#pragma once

#include <gtest/gtest.h>

#include "aggregates/account.h"
#include "aggregates/establishment.h"

namespace ledger::testing {

inline const Uai kCollegeUai("0350033W");  // Collège les Ormeaux, Rennes (035)
inline const Uai kLyceeUai("0311234Y");    // synthetic lycée of Haute-Garonne (031), valid check letter
inline const Uai kEcoleUai("0350122T");    // an école of Ille-et-Vilaine

inline Placement College(std::string cls = "4E1") {
  return Placement{kCollegeUai, "035", "rennes", Level::kCollege, std::move(cls)};
}
inline Placement Lycee() { return Placement{kLyceeUai, "031", "toulouse", Level::kLycee, "2ND1"}; }
inline Placement Ecole() { return Placement{kEcoleUai, "035", "rennes", Level::kEcole, "CM2"}; }

inline Actor SystemActor() { return Actor{ActorKind::kSystem, "siecle", {}, {}, false}; }
inline Actor SupportActor() { return Actor{ActorKind::kAcademySupport, "support-1", {}, {}, true}; }
inline Actor PupilActor(const std::string& id) { return Actor{ActorKind::kPupil, id, {}, {}, false}; }
inline Actor GuardianActor(const std::string& id) {
  return Actor{ActorKind::kGuardian, id, {}, {}, false};
}
inline Actor StaffActor(const std::string& id, const Uai& uai, Module m, bool strong = false) {
  return Actor{ActorKind::kStaff, id, uai, m, strong};
}
inline Actor HeadActor(const Uai& uai, bool strong = true) {
  return Actor{ActorKind::kEstablishmentHead, "head-" + uai.str(), uai, {}, strong};
}

inline Timestamp At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

inline AccountCreated NewPupil(Placement p = College()) {
  return AccountCreated{AccountKind::kPupil, "l.morel7", SourceSystem::kSiecle, "1042", "eleves.xml",
                        std::move(p), Ine("123456789AB"), Date{2011, 3, 14}, "Morel", "Léa",
                        false, false, {}};
}
inline AccountCreated NewGuardian(bool mobile = true, bool email = true) {
  return AccountCreated{AccountKind::kGuardian, "m.morel3", SourceSystem::kSiecle, "88",
                        "responsables.xml", {}, {}, {}, "Morel", "Marc", mobile, email, {}};
}

// Folds payloads into a state, one event each, as the handler would.
template <typename State>
void Fold(State& s, std::initializer_list<Payload> payloads, Timestamp at = At("2022-09-01T08:00:00Z")) {
  for (const Payload& p : payloads) {
    Event e;
    e.seq = s.position.seq + 1;
    e.occurred_at = at;
    e.payload = p;
    Apply(s, e);
  }
}

inline Command MakeCommand(CommandBody body, Actor actor, Timestamp at) {
  return Command{CommandId("cmd"), at, std::move(actor), std::move(body)};
}

// Asserts a rejection with `code` whose message contains `fragment`.
#define EXPECT_REJECTED(result, code_, fragment)                                  \
  do {                                                                            \
    auto r_ = (result);                                                           \
    ASSERT_FALSE(r_.ok()) << "expected a rejection";                              \
    EXPECT_EQ(r_.status().code(), code_) << r_.status().ToString();               \
    EXPECT_NE(r_.status().message().find(fragment), std::string::npos)           \
        << r_.status().ToString();                                                \
  } while (0)

}  // namespace ledger::testing
