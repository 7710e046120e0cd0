#include "events/codec.h"

#include <algorithm>
#include <type_traits>

#include "events/event_generated.h"

namespace ledger {
namespace {

namespace fb = ::ledger::fb;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

template <typename To, typename From>
To CastEnum(From v) {
  return static_cast<To>(static_cast<std::underlying_type_t<From>>(v));
}

// Up to the first NUL, as the encoder writes strings (the generated *Direct
// builders take C strings): a NUL inside a stored string comes only from a
// corrupt or foreign record, and reading past it gave an event that did not
// re-encode to itself (found by tests/fuzz/fuzz_codec).
std::string Str(const flatbuffers::String* s) { return s ? std::string(s->c_str()) : std::string(); }

}  // namespace

uint32_t PackDate(const std::optional<Date>& d) {
  return d ? static_cast<uint32_t>(d->year) * 10000 + d->month * 100 + d->day : 0;
}

std::optional<Date> UnpackDate(uint32_t v) {
  if (v == 0) return std::nullopt;
  return Date{static_cast<int32_t>(v / 10000), static_cast<uint8_t>(v / 100 % 100),
              static_cast<uint8_t>(v % 100)};
}

namespace {

// ---- encoding -------------------------------------------------------------

Offset<fb::Placement> PutPlacement(FlatBufferBuilder& b, const Placement& p) {
  return fb::CreatePlacementDirect(b, p.uai.str().c_str(), p.department.c_str(), p.academy.c_str(),
                                   CastEnum<fb::Level>(p.level), p.class_name.c_str());
}

struct PayloadEncoder {
  FlatBufferBuilder& b;

  // Strings of a [string] field; the field is absent when empty (nullptr), so
  // events without keys encode exactly as before the field existed.
  std::vector<Offset<flatbuffers::String>> keys_;
  const std::vector<Offset<flatbuffers::String>>* PutKeys(const std::vector<std::string>& keys) {
    keys_.clear();
    for (const std::string& k : keys) keys_.push_back(b.CreateString(k));
    return keys_.empty() ? nullptr : &keys_;
  }

  Offset<void> operator()(const AccountCreated& e) {
    auto placement = PutPlacement(b, e.placement);
    auto* keys = PutKeys(e.match_keys);
    if (e.sealed.empty())  // schema 1: every field in clear, encoded exactly as before schema 2
      return fb::CreateAccountCreatedDirect(
                 b, CastEnum<fb::AccountKind>(e.kind), e.login.c_str(),
                 CastEnum<fb::SourceSystem>(e.source_system), e.source_id.c_str(),
                 e.source_file.c_str(), placement, e.ine.str().c_str(), PackDate(e.birth_date),
                 e.last_name.c_str(), e.first_name.c_str(), e.has_mobile, e.has_email, keys)
          .Union();
    // Schema 2: the personal fields are absent; `sealed` holds them. Whatever
    // the event holds in clear (it was just sealed, or opened) is not written.
    std::vector<uint8_t> sealed(e.sealed.begin(), e.sealed.end());
    return fb::CreateAccountCreatedDirect(
               b, CastEnum<fb::AccountKind>(e.kind), nullptr,
               CastEnum<fb::SourceSystem>(e.source_system), nullptr, e.source_file.c_str(),
               placement, nullptr, 0, nullptr, nullptr, e.has_mobile, e.has_email, keys, &sealed,
               e.login_key.empty() ? nullptr : e.login_key.c_str(),
               e.ine_key.empty() ? nullptr : e.ine_key.c_str())
        .Union();
  }
  Offset<void> operator()(const AccountNotified& e) {
    return fb::CreateAccountNotified(b, CastEnum<fb::NotifyChannel>(e.channel), e.password_reset,
                                     e.expires_at.micros, e.forced)
        .Union();
  }
  Offset<void> operator()(const AccountActivated& e) {
    return fb::CreateAccountActivated(b, CastEnum<fb::ActivationMethod>(e.method)).Union();
  }
  Offset<void> operator()(const PasswordReset& e) {
    return fb::CreatePasswordReset(b, CastEnum<fb::ResetChannel>(e.channel)).Union();
  }
  Offset<void> operator()(const GuardianLinked& e) {
    auto placement = PutPlacement(b, e.pupil_placement);
    return fb::CreateGuardianLinkedDirect(b, e.pupil.str().c_str(), placement,
                                          CastEnum<fb::LinkRank>(e.rank), e.relationship.c_str(),
                                          CastEnum<fb::SourceSystem>(e.source_system),
                                          e.source_ids.c_str(), e.source_file.c_str())
        .Union();
  }
  Offset<void> operator()(const GuardianLinkUpdated& e) {
    auto placement = PutPlacement(b, e.pupil_placement);
    return fb::CreateGuardianLinkUpdatedDirect(b, e.pupil.str().c_str(), placement).Union();
  }
  Offset<void> operator()(const GuardianUnlinked& e) {
    return fb::CreateGuardianUnlinkedDirect(b, e.pupil.str().c_str(),
                                            CastEnum<fb::UnlinkReason>(e.reason))
        .Union();
  }
  Offset<void> operator()(const LinkConfirmed& e) {
    return fb::CreateLinkConfirmedDirect(b, e.pupil.str().c_str()).Union();
  }
  Offset<void> operator()(const LinkDisputed& e) {
    return fb::CreateLinkDisputedDirect(b, e.pupil.str().c_str()).Union();
  }
  Offset<void> operator()(const PupilTransferred& e) {
    auto placement = PutPlacement(b, e.to);
    return fb::CreatePupilTransferred(b, placement).Union();
  }
  Offset<void> operator()(const AccountClosed& e) {
    // `note` absent when empty: closures from before it existed encode as they did.
    return fb::CreateAccountClosedDirect(b, e.reason.c_str(), e.note.empty() ? nullptr : e.note.c_str())
        .Union();
  }
  Offset<void> operator()(const RightsDelegated& e) {
    return fb::CreateRightsDelegatedDirect(b, e.delegate.str().c_str(),
                                           CastEnum<fb::Module>(e.module),
                                           e.granted_by.str().c_str(), e.valid_until.micros,
                                           e.reason.c_str())
        .Union();
  }
  Offset<void> operator()(const DelegationRevoked& e) {
    return fb::CreateDelegationRevokedDirect(b, e.delegate.str().c_str(),
                                             CastEnum<fb::Module>(e.module),
                                             e.revoked_by.str().c_str(), e.reason.c_str())
        .Union();
  }
  Offset<void> operator()(const PasswordResetCompleted&) {
    return fb::CreatePasswordResetCompleted(b).Union();
  }
  Offset<void> operator()(const ContactUpdated& e) {
    auto* keys = PutKeys(e.match_keys);
    return fb::CreateContactUpdatedDirect(b, e.has_mobile, e.has_email, keys).Union();
  }
  Offset<void> operator()(const ClassChanged& e) {
    return fb::CreateClassChangedDirect(b, e.class_name.c_str()).Union();
  }
};

// ---- decoding -------------------------------------------------------------

Placement GetPlacement(const fb::Placement* p) {
  if (p == nullptr) return Placement{};
  return Placement{Uai(Str(p->uai())), Str(p->department()), Str(p->academy()),
                   CastEnum<Level>(p->level()), Str(p->class_name())};
}

std::vector<std::string> GetKeys(const flatbuffers::Vector<Offset<flatbuffers::String>>* keys) {
  std::vector<std::string> out;
  if (keys != nullptr)
    for (const auto* k : *keys) out.push_back(Str(k));
  return out;
}

// The payload into `out` (one move of it; unchanged on an error).
Status GetPayloadInto(const fb::EventBody& body, Payload& out) {
  auto set = [&out](auto&& payload) {
    out = std::forward<decltype(payload)>(payload);
    return OkStatus();
  };
  switch (body.payload_type()) {
    case fb::Payload::AccountCreated: {
      auto* p = body.payload_as_AccountCreated();
      AccountCreated a{
          CastEnum<AccountKind>(p->kind()), Str(p->login()),
          CastEnum<SourceSystem>(p->source_system()), Str(p->source_id()), Str(p->source_file()),
          GetPlacement(p->placement()), Ine(Str(p->ine())), UnpackDate(p->birth_date()),
          Str(p->last_name()), Str(p->first_name()), p->has_mobile(), p->has_email(),
          GetKeys(p->match_keys())};
      if (const auto* sealed = p->sealed(); sealed != nullptr && sealed->size() > 0) {
        a.sealed.assign(reinterpret_cast<const char*>(sealed->data()), sealed->size());
        a.login_key = Str(p->login_key());
        a.ine_key = Str(p->ine_key());
        a.personal = PersonalData::kSealed;
        // A sealed event carries no clear personal field: one that does is not ours.
        if (!a.login.empty() || !a.ine.empty() || a.birth_date || !a.last_name.empty() ||
            !a.first_name.empty() || !a.source_id.empty())
          return InvalidArgument("sealed AccountCreated that also carries personal fields in clear (corrupt)");
      }
      return set(std::move(a));
    }
    case fb::Payload::AccountNotified: {
      auto* p = body.payload_as_AccountNotified();
      return set(AccountNotified{CastEnum<NotifyChannel>(p->channel()), p->password_reset(),
                                 Timestamp{p->expires_at()}, p->forced()});
    }
    case fb::Payload::AccountActivated:
      return set(
          AccountActivated{CastEnum<ActivationMethod>(body.payload_as_AccountActivated()->method())});
    case fb::Payload::PasswordReset:
      return set(PasswordReset{CastEnum<ResetChannel>(body.payload_as_PasswordReset()->channel())});
    case fb::Payload::GuardianLinked: {
      auto* p = body.payload_as_GuardianLinked();
      return set(GuardianLinked{AccountId(Str(p->pupil())), GetPlacement(p->pupil_placement()),
                                CastEnum<LinkRank>(p->rank()), Str(p->relationship()),
                                CastEnum<SourceSystem>(p->source_system()),
                                Str(p->source_ids()), Str(p->source_file())});
    }
    case fb::Payload::GuardianLinkUpdated: {
      auto* p = body.payload_as_GuardianLinkUpdated();
      return set(
          GuardianLinkUpdated{AccountId(Str(p->pupil())), GetPlacement(p->pupil_placement())});
    }
    case fb::Payload::GuardianUnlinked: {
      auto* p = body.payload_as_GuardianUnlinked();
      return set(
          GuardianUnlinked{AccountId(Str(p->pupil())), CastEnum<UnlinkReason>(p->reason())});
    }
    case fb::Payload::LinkConfirmed:
      return set(LinkConfirmed{AccountId(Str(body.payload_as_LinkConfirmed()->pupil()))});
    case fb::Payload::LinkDisputed:
      return set(LinkDisputed{AccountId(Str(body.payload_as_LinkDisputed()->pupil()))});
    case fb::Payload::PupilTransferred:
      return set(PupilTransferred{GetPlacement(body.payload_as_PupilTransferred()->to())});
    case fb::Payload::AccountClosed:
      return set(AccountClosed{Str(body.payload_as_AccountClosed()->reason()),
                               Str(body.payload_as_AccountClosed()->note())});
    case fb::Payload::RightsDelegated: {
      auto* p = body.payload_as_RightsDelegated();
      return set(RightsDelegated{StaffId(Str(p->delegate())), CastEnum<Module>(p->module_()),
                                 StaffId(Str(p->granted_by())), Timestamp{p->valid_until()},
                                 Str(p->reason())});
    }
    case fb::Payload::DelegationRevoked: {
      auto* p = body.payload_as_DelegationRevoked();
      return set(DelegationRevoked{StaffId(Str(p->delegate())), CastEnum<Module>(p->module_()),
                                   StaffId(Str(p->revoked_by())), Str(p->reason())});
    }
    case fb::Payload::PasswordResetCompleted:
      return set(PasswordResetCompleted{});
    case fb::Payload::ContactUpdated: {
      auto* p = body.payload_as_ContactUpdated();
      return set(ContactUpdated{p->has_mobile(), p->has_email(), GetKeys(p->match_keys())});
    }
    case fb::Payload::ClassChanged:
      return set(ClassChanged{Str(body.payload_as_ClassChanged()->class_name())});
    case fb::Payload::NONE:
      break;
  }
  return InvalidArgument("unknown event type " +
                         std::to_string(static_cast<int>(body.payload_type())) +
                         " (written by a newer schema, or corrupt)");
}

// Enum values outside the schema's range would be rendered as garbage names;
// reject them like any other corrupt input.
bool EnumsInRange(const fb::EventBody& body) {
  const fb::Actor* a = body.actor();
  if (a && (a->kind() > fb::ActorKind::MAX || a->module_() > fb::Module::MAX)) return false;
  auto level_ok = [](const fb::Placement* p) { return !p || p->level() <= fb::Level::MAX; };
  switch (body.payload_type()) {
    case fb::Payload::AccountCreated: {
      auto* p = body.payload_as_AccountCreated();
      return p->kind() <= fb::AccountKind::MAX && p->source_system() <= fb::SourceSystem::MAX &&
             level_ok(p->placement());
    }
    case fb::Payload::AccountNotified:
      return body.payload_as_AccountNotified()->channel() <= fb::NotifyChannel::MAX;
    case fb::Payload::AccountActivated:
      return body.payload_as_AccountActivated()->method() <= fb::ActivationMethod::MAX;
    case fb::Payload::PasswordReset:
      return body.payload_as_PasswordReset()->channel() <= fb::ResetChannel::MAX;
    case fb::Payload::GuardianLinked: {
      auto* p = body.payload_as_GuardianLinked();
      return p->rank() <= fb::LinkRank::MAX && p->source_system() <= fb::SourceSystem::MAX &&
             level_ok(p->pupil_placement());
    }
    case fb::Payload::GuardianLinkUpdated:
      return level_ok(body.payload_as_GuardianLinkUpdated()->pupil_placement());
    case fb::Payload::GuardianUnlinked:
      return body.payload_as_GuardianUnlinked()->reason() <= fb::UnlinkReason::MAX;
    case fb::Payload::PupilTransferred:
      return level_ok(body.payload_as_PupilTransferred()->to());
    case fb::Payload::RightsDelegated:
      return body.payload_as_RightsDelegated()->module_() <= fb::Module::MAX;
    case fb::Payload::DelegationRevoked:
      return body.payload_as_DelegationRevoked()->module_() <= fb::Module::MAX;
    default:
      return true;
  }
}

template <size_t N>
void CopyHash(const flatbuffers::Vector<uint8_t>* v, std::array<uint8_t, N>& out) {
  std::copy(v->begin(), v->end(), out.begin());
}

}  // namespace

std::string EncodeBody(const Event& e) {
  FlatBufferBuilder b(512);
  auto payload = std::visit(PayloadEncoder{b, {}}, e.payload);
  auto actor = fb::CreateActorDirect(b, CastEnum<fb::ActorKind>(e.actor.kind), e.actor.id.c_str(),
                                     e.actor.uai.str().c_str(), e.actor.module.has_value(),
                                     CastEnum<fb::Module>(e.actor.module.value_or(Module{})),
                                     e.actor.strong_auth);
  std::vector<uint8_t> prev(e.prev_hash.begin(), e.prev_hash.end());
  auto body = fb::CreateEventBodyDirect(
      b, e.event_id.str().c_str(), e.stream.str().c_str(), e.seq, e.occurred_at.micros,
      e.recorded_at.micros, actor, e.command_id.str().c_str(), e.schema_version, &prev,
      static_cast<fb::Payload>(e.payload.index() + 1), payload);
  b.Finish(body);
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

std::string EncodeRecord(std::string_view body, const Hash& hash) {
  FlatBufferBuilder b(body.size() + 96);
  b.ForceVectorAlignment(body.size(), sizeof(uint8_t), 8);  // the nested root needs alignment
  auto body_vec = b.CreateVector(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  auto hash_vec = b.CreateVector(hash.data(), hash.size());
  b.Finish(fb::CreateRecord(b, body_vec, hash_vec));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

Result<DecodedRecord> DecodeRecord(std::string_view bytes) {
  DecodedRecord out;
  LEDGER_RETURN_IF_ERROR(DecodeRecordInto(bytes, out));
  return out;
}

Status DecodeRecordInto(std::string_view bytes, DecodedRecord& out) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  // The body is verified once, below, where its failure has its own message:
  // the outer verifier would verify it as well (the schema's nested_flatbuffer).
  flatbuffers::Verifier::Options outer_only;
  outer_only.check_nested_flatbuffers = false;
  flatbuffers::Verifier outer(data, bytes.size(), outer_only);
  if (!fb::VerifyRecordBuffer(outer))
    return InvalidArgument("not a ledger event record (truncated or corrupt, " +
                           std::to_string(bytes.size()) + " bytes)");
  const fb::Record* record = fb::GetRecord(data);
  if (record->body() == nullptr || record->hash() == nullptr || record->hash()->size() != 32)
    return InvalidArgument("ledger event record without a body or a 32-byte hash");
  const auto* body_vec = record->body();
  flatbuffers::Verifier inner(body_vec->data(), body_vec->size());
  if (!inner.VerifyBuffer<fb::EventBody>(nullptr))
    return InvalidArgument("ledger event body fails verification (corrupt)");
  const fb::EventBody* body = record->body_nested_root();
  if (body->prev_hash() == nullptr || body->prev_hash()->size() != 32)
    return InvalidArgument("ledger event body without a 32-byte previous hash");
  if (body->seq() == 0) return InvalidArgument("ledger event with sequence number 0");
  if (Str(body->stream()).empty())  // as read: a stream id starting with NUL is none
    return InvalidArgument("ledger event without a stream id");
  if (body->payload_type() != fb::Payload::NONE && body->payload() == nullptr)
    return InvalidArgument("ledger event whose payload table is missing (corrupt)");
  if (!EnumsInRange(*body)) return InvalidArgument("ledger event with an out-of-range enum value");
  LEDGER_RETURN_IF_ERROR(GetPayloadInto(*body, out.event.payload));

  Event& e = out.event;
  e.event_id = EventId(Str(body->event_id()));
  e.stream = StreamId(Str(body->stream()));
  e.seq = body->seq();
  e.occurred_at = Timestamp{body->occurred_at()};
  e.recorded_at = Timestamp{body->recorded_at()};
  // Every field set, none left as it was: `out` may hold an earlier record's.
  if (const fb::Actor* a = body->actor()) {
    e.actor.kind = CastEnum<ActorKind>(a->kind());
    e.actor.id = Str(a->id());
    e.actor.uai = Uai(Str(a->uai()));
    e.actor.module = a->has_module() ? std::optional(CastEnum<Module>(a->module_())) : std::nullopt;
    e.actor.strong_auth = a->strong_auth();
  } else {
    e.actor = Actor{};
  }
  e.command_id = CommandId(Str(body->command_id()));
  e.schema_version = body->schema_version();
  CopyHash(body->prev_hash(), e.prev_hash);
  CopyHash(record->hash(), e.hash);
  out.body.assign(reinterpret_cast<const char*>(body_vec->data()), body_vec->size());
  return OkStatus();
}

}  // namespace ledger
