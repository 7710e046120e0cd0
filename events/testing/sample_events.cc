#include "events/testing/sample_events.h"

#include "events/hash_chain.h"

namespace ledger::testing {

std::vector<Payload> OnePayloadOfEachType() {
  Placement college{Uai("0350033W"), "035", "rennes", Level::kCollege, "4E1"};
  Placement lycee{Uai("0350031U"), "035", "rennes", Level::kLycee, "2ND3"};
  return {
      AccountCreated{AccountKind::kPupil, "l.morel7", SourceSystem::kSiecle, "ELV-1042",
                     "ElevesSansAdresses.xml", college, Ine("123456789AB"), Date{2011, 3, 14},
                     "Morel", "Léa", false, true, {}},
      AccountNotified{NotifyChannel::kLetter, false, Timestamp{1'700'000'000'000'000}, false},
      AccountActivated{ActivationMethod::kProvisionalPassword},
      PasswordReset{ResetChannel::kEmail},
      GuardianLinked{AccountId("acc-p-1"), college, LinkRank::kLegal1, "20", SourceSystem::kSiecle,
                     "ELEVE_ID=1042;PERSONNE_ID=88", "ResponsablesAvecAdresses.xml"},
      GuardianLinkUpdated{AccountId("acc-p-1"), lycee},
      GuardianUnlinked{AccountId("acc-p-1"), UnlinkReason::kErroneousLinkFixed},
      LinkConfirmed{AccountId("acc-p-1")},
      LinkDisputed{AccountId("acc-p-2")},
      PupilTransferred{lycee},
      AccountClosed{"merged_into:acc-g-9"},
      RightsDelegated{StaffId("staff-12"), Module::kPupilSupport, StaffId("head-1"),
                      Timestamp{1'693'526'399'000'000}, "référent numérique"},
      DelegationRevoked{StaffId("staff-12"), Module::kPupilSupport, StaffId("head-1"),
                        "change of mission"},
      PasswordResetCompleted{},
      ContactUpdated{true, false, {"3f9a0c1d2e4b5a6978877665544332211", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"}},
      ClassChanged{"4E2"},
  };
}

std::vector<Event> SampleChain(const StreamId& stream, std::vector<std::string>* records) {
  std::vector<Event> out;
  Hash prev{};
  uint64_t seq = 0;
  for (Payload& p : OnePayloadOfEachType()) {
    Event e;
    e.seq = ++seq;
    e.stream = stream;
    e.event_id = MakeEventId(stream, e.seq);
    e.occurred_at = Timestamp{1'662'000'000'000'000 + static_cast<int64_t>(seq) * 60'000'000};
    e.recorded_at = Timestamp{e.occurred_at.micros + 1'000};
    e.actor = Actor{ActorKind::kStaff, "staff-12", Uai("0350033W"), Module::kAccountsAdmin, true};
    e.command_id = CommandId("cmd-" + std::to_string(seq));
    e.prev_hash = prev;
    e.payload = std::move(p);
    std::string record = SealEvent(e);
    prev = e.hash;
    if (records) records->push_back(std::move(record));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ledger::testing
