#include "aggregates/command_bytes.h"

#include <type_traits>
#include <utility>

#include "events/byte_io.h"

namespace ledger {
namespace {

constexpr uint8_t kFormat = 1;

// Each body's fields, for both directions: IO is ByteWriter or ByteReader
// (a writer is handed the command const_cast, and only reads it).
template <typename IO>
void Fields(IO& io, AccountCreated& a) {
  io.Enum(a.kind, AccountKind::kGuardian);
  io.Field(a.login);
  io.Enum(a.source_system, SourceSystem::kManual);
  io.Field(a.source_id);
  io.Field(a.source_file);
  io.Field(a.placement);
  io.Field(a.ine);
  io.Field(a.birth_date);
  io.Field(a.last_name);
  io.Field(a.first_name);
  io.Field(a.has_mobile);
  io.Field(a.has_email);
  io.Field(a.match_keys);
  io.Field(a.sealed);
  io.Field(a.login_key);
  io.Field(a.ine_key);
  io.Enum(a.personal, PersonalData::kErased);
}
template <typename IO>
void Fields(IO& io, CreateAccount& b) {
  io.Field(b.account);
  Fields(io, b.data);
}
template <typename IO>
void Fields(IO& io, NotifyAccount& b) {
  io.Field(b.account);
  io.Enum(b.channel, NotifyChannel::kEmail);
  io.Field(b.reset_password);
  io.Field(b.force);
}
template <typename IO>
void Fields(IO& io, ActivateAccount& b) {
  io.Field(b.account);
  io.Enum(b.method, ActivationMethod::kProvisionalPassword);
  io.Field(b.birth_date);
}
template <typename IO>
void Fields(IO& io, ResetPassword& b) {
  io.Field(b.account);
  io.Enum(b.channel, ResetChannel::kStaff);
}
template <typename IO>
void Fields(IO& io, CompletePasswordReset& b) {
  io.Field(b.account);
}
template <typename IO>
void Fields(IO& io, UpdateContact& b) {
  io.Field(b.account);
  io.Field(b.has_mobile);
  io.Field(b.has_email);
  io.Field(b.match_keys);
}
template <typename IO>
void Fields(IO& io, LinkGuardian& b) {
  io.Field(b.guardian);
  io.Field(b.pupil);
  io.Enum(b.rank, LinkRank::kEnCharge);
  io.Field(b.relationship);
  io.Enum(b.source_system, SourceSystem::kManual);
  io.Field(b.source_ids);
  io.Field(b.source_file);
}
// The link commands that name only a guardian and a pupil.
template <typename IO, typename Link>
  requires std::is_same_v<Link, UpdateGuardianLink> || std::is_same_v<Link, ConfirmLink> ||
           std::is_same_v<Link, DisputeLink>
void Fields(IO& io, Link& b) {
  io.Field(b.guardian);
  io.Field(b.pupil);
}
template <typename IO>
void Fields(IO& io, UnlinkGuardian& b) {
  io.Field(b.guardian);
  io.Field(b.pupil);
  io.Enum(b.reason, UnlinkReason::kPupilLeft);
}
template <typename IO>
void Fields(IO& io, TransferPupil& b) {
  io.Field(b.pupil);
  io.Field(b.to);
}
template <typename IO>
void Fields(IO& io, ChangeClass& b) {
  io.Field(b.pupil);
  io.Field(b.class_name);
}
template <typename IO>
void Fields(IO& io, CloseAccount& b) {
  io.Field(b.account);
  io.Enum(b.reason, CloseReason::kErased);
  io.Field(b.merged_into);
  io.Field(b.note);
}
template <typename IO>
void Fields(IO& io, DelegateRights& b) {
  io.Field(b.uai);
  io.Field(b.delegate);
  io.Enum(b.module, Module::kPupilSupport);
  io.Field(b.valid_until);
  io.Field(b.reason);
}
template <typename IO>
void Fields(IO& io, RevokeDelegation& b) {
  io.Field(b.uai);
  io.Field(b.delegate);
  io.Enum(b.module, Module::kPupilSupport);
  io.Field(b.reason);
}

template <typename IO>
void Envelope(IO& io, Command& c) {
  io.Field(c.id);
  io.Field(c.at);
  io.Enum(c.actor.kind, ActorKind::kAcademySupport);
  io.Field(c.actor.id);
  io.Field(c.actor.uai);
  io.OptionalEnum(c.actor.module, Module::kPupilSupport);
  io.Field(c.actor.strong_auth);
}

// The body of index `index` default-constructed in `body`.
template <size_t... I>
void EmplaceBody(CommandBody& body, size_t index, std::index_sequence<I...>) {
  ((index == I ? (void)body.emplace<I>() : (void)0), ...);
}

}  // namespace

void AppendCommandBytes(const Command& c, std::string& out) {
  const size_t at = out.size();
  out.append(4, '\0');  // the length, once known
  ByteWriter w(out, kFormat);
  Command& fields = const_cast<Command&>(c);  // ByteWriter only reads them
  Envelope(w, fields);
  w.U8(static_cast<uint8_t>(c.body.index()));
  std::visit([&](auto& body) { Fields(w, body); }, fields.body);
  const uint32_t n = static_cast<uint32_t>(out.size() - at - 4);
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>(n >> (8 * i));
}

Result<Command> ReadCommandBytes(std::string_view& in) {
  if (in.size() < 4) return DataLoss("cannot read a command: its length is cut short");
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  if (in.size() - 4 < n) return DataLoss("cannot read a command: it is cut short");
  ByteReader r(in.substr(4, n), kFormat, "a command");
  Command c;
  Envelope(r, c);
  const uint8_t index = r.U8(static_cast<uint8_t>(std::variant_size_v<CommandBody> - 1));
  EmplaceBody(c.body, index, std::make_index_sequence<std::variant_size_v<CommandBody>>());
  std::visit([&](auto& body) { Fields(r, body); }, c.body);
  LEDGER_RETURN_IF_ERROR(r.Done());
  in.remove_prefix(4 + n);
  return c;
}

}  // namespace ledger
