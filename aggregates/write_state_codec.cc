// The bytes of the write path's durable state (write_state.h).
#include "events/byte_io.h"
#include "aggregates/write_state.h"

namespace ledger {
namespace {

constexpr uint8_t kFormat = 1;

void PutPosition(ByteWriter& w, const StreamPosition& p) {
  w.U64(p.seq);
  w.Bytes(p.last_hash);
  w.I64(p.last_at.micros);
}

StreamPosition GetPosition(ByteReader& r) {
  StreamPosition p;
  p.seq = r.U64();
  r.Bytes(p.last_hash);
  p.last_at = Timestamp{r.I64()};
  return p;
}

}  // namespace

std::string EncodeAccountState(const AccountState& s, bool with_birth_date) {
  std::string out;
  ByteWriter w(out, kFormat);
  PutPosition(w, s.position);
  w.U8(static_cast<uint8_t>(s.kind));
  w.U8(static_cast<uint8_t>(s.lifecycle));
  w.Field(s.placement);
  const bool date = with_birth_date && s.birth_date.has_value();
  w.U8(date);
  if (date) {
    w.U64(static_cast<uint32_t>(s.birth_date->year));
    w.U8(s.birth_date->month);
    w.U8(s.birth_date->day);
  }
  w.U8(s.has_mobile);
  w.U8(s.has_email);
  w.U64(s.match_keys.size());
  for (const std::string& k : s.match_keys) w.Str(k);
  w.Field(s.letter_expires_at);
  w.U8(s.has_ledger_password);
  w.OptionalEnum(s.activation_method, ActivationMethod::kProvisionalPassword);
  w.U8(s.reset_pending);
  w.U64(s.links.size());
  for (const auto& [pupil, link] : s.links) {
    w.Str(pupil);
    w.Field(link.pupil_placement);
    w.U8(static_cast<uint8_t>(link.rank));
    w.U8(static_cast<uint8_t>(link.status));
  }
  w.Str(s.closed_reason);
  w.I64(s.created_offset);
  w.Str(s.sealed_creation);
  return out;
}

Result<AccountState> DecodeAccountState(std::string_view bytes) {
  ByteReader r(bytes, kFormat, "an account's state (write state)");
  AccountState s;
  s.position = GetPosition(r);
  s.kind = static_cast<AccountKind>(r.U8(static_cast<uint8_t>(AccountKind::kGuardian)));
  s.lifecycle = static_cast<AccountLifecycle>(r.U8(static_cast<uint8_t>(AccountLifecycle::kClosed)));
  r.Field(s.placement);
  if (r.Bool()) {
    Date d;
    d.year = static_cast<int32_t>(r.U64());
    d.month = r.U8(12);
    d.day = r.U8(31);
    s.birth_date = d;
  }
  s.has_mobile = r.Bool();
  s.has_email = r.Bool();
  for (uint64_t n = r.U64(), i = 0; i < n && r.ok(); ++i) s.match_keys.push_back(r.Str());
  r.Field(s.letter_expires_at);
  s.has_ledger_password = r.Bool();
  r.OptionalEnum(s.activation_method, ActivationMethod::kProvisionalPassword);
  s.reset_pending = r.Bool();
  for (uint64_t n = r.U64(), i = 0; i < n && r.ok(); ++i) {
    std::string pupil = r.Str();
    LinkState& link = s.links[pupil];
    r.Field(link.pupil_placement);
    link.rank = static_cast<LinkRank>(r.U8(static_cast<uint8_t>(LinkRank::kEnCharge)));
    link.status = static_cast<LinkStatus>(r.U8(static_cast<uint8_t>(LinkStatus::kDisputed)));
  }
  s.closed_reason = r.Str();
  s.created_offset = r.I64();
  s.sealed_creation = r.Str();
  LEDGER_RETURN_IF_ERROR(r.Done());
  return s;
}

std::string EncodeEstablishmentState(const EstablishmentState& s) {
  std::string out;
  ByteWriter w(out, kFormat);
  PutPosition(w, s.position);
  w.Str(s.uai.str());
  w.U64(s.delegations.size());
  for (const auto& [key, d] : s.delegations) {
    w.Str(key.first);
    w.U8(static_cast<uint8_t>(key.second));
    w.Str(d.granted_by.str());
    w.I64(d.granted_at.micros);
    w.I64(d.valid_until.micros);
    w.U8(d.revoked);
    w.Str(d.reason);
  }
  return out;
}

Result<EstablishmentState> DecodeEstablishmentState(std::string_view bytes) {
  ByteReader r(bytes, kFormat, "an establishment's state (write state)");
  EstablishmentState s;
  s.position = GetPosition(r);
  s.uai = Uai(r.Str());
  for (uint64_t n = r.U64(), i = 0; i < n && r.ok(); ++i) {
    std::string staff = r.Str();
    const auto module = static_cast<Module>(r.U8(static_cast<uint8_t>(Module::kPupilSupport)));
    DelegationState& d = s.delegations[{std::move(staff), module}];
    d.granted_by = StaffId(r.Str());
    d.granted_at = Timestamp{r.I64()};
    d.valid_until = Timestamp{r.I64()};
    d.revoked = r.Bool();
    d.reason = r.Str();
  }
  LEDGER_RETURN_IF_ERROR(r.Done());
  return s;
}

std::string EncodeCommandRecord(const CommandRecord& c) {
  std::string out;
  ByteWriter w(out, kFormat);
  w.Str(c.stream.str());
  w.U64(c.first_seq);
  w.U64(c.count);
  w.I64(c.partition);
  w.I64(c.first_offset);
  return out;
}

Result<CommandRecord> DecodeCommandRecord(std::string_view bytes) {
  ByteReader r(bytes, kFormat, "a command's record (write state)");
  CommandRecord c;
  c.stream = StreamId(r.Str());
  c.first_seq = r.U64();
  c.count = r.U64();
  c.partition = static_cast<int32_t>(r.I64());
  c.first_offset = r.I64();
  LEDGER_RETURN_IF_ERROR(r.Done());
  return c;
}

std::string EncodeWriteStateMeta(const WriteStateMeta& m) {
  std::string out;
  ByteWriter w(out, kFormat);
  w.U64(m.folded.size());
  for (size_t p = 0; p < m.folded.size(); ++p) {
    w.I64(m.folded[p]);
    w.Bytes(p < m.tails.size() ? m.tails[p] : Hash{});
  }
  w.U64(m.event_count);
  w.U64(m.stream_count);
  w.U64(m.pending_erasures.size());
  for (const std::string& a : m.pending_erasures) w.Str(a);
  return out;
}

Result<WriteStateMeta> DecodeWriteStateMeta(std::string_view bytes) {
  ByteReader r(bytes, kFormat, "the write state's positions (write state)");
  WriteStateMeta m;
  for (uint64_t n = r.U64(), i = 0; i < n && r.ok(); ++i) {
    m.folded.push_back(r.I64());
    r.Bytes(m.tails.emplace_back());
  }
  m.event_count = r.U64();
  m.stream_count = r.U64();
  for (uint64_t n = r.U64(), i = 0; i < n && r.ok(); ++i) m.pending_erasures.push_back(r.Str());
  LEDGER_RETURN_IF_ERROR(r.Done());
  return m;
}

}  // namespace ledger
