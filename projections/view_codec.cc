#include "projections/view_codec.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include <nlohmann/json.hpp>

#include "events/byte_io.h"

namespace ledger {
namespace {

using nlohmann::json;

Placement PlacementFromCbor(const json& j) {
  return Placement{Uai(j.at(0).get<std::string>()), j.at(1).get<std::string>(),
                   j.at(2).get<std::string>(), static_cast<Level>(j.at(3).get<int>()),
                   j.at(4).get<std::string>()};
}

LinkView LinkFromCbor(const json& j) {
  LinkView l;
  l.guardian = j.at(0).get<std::string>();
  l.pupil = j.at(1).get<std::string>();
  l.placement = PlacementFromCbor(j.at(2));
  l.rank = static_cast<LinkRank>(j.at(3).get<int>());
  l.relationship = j.at(4).get<std::string>();
  l.source_system = static_cast<SourceSystem>(j.at(5).get<int>());
  l.source_ids = j.at(6).get<std::string>();
  l.source_file = j.at(7).get<std::string>();
  l.status = static_cast<LinkViewStatus>(j.at(8).get<int>());
  l.removed_reason = j.at(9).get<std::string>();
  l.linked_at = Timestamp{j.at(10).get<int64_t>()};
  l.linked_by = j.at(11).get<std::string>();
  l.changed_at = Timestamp{j.at(12).get<int64_t>()};
  l.changed_by = j.at(13).get<std::string>();
  l.last_change = j.at(14).get<std::string>();
  return l;
}

template <typename T, typename F>
Result<T> Decode(std::string_view bytes, const char* what, F from) {
  json j = json::from_cbor(bytes.begin(), bytes.end(), true, false);
  if (j.is_discarded()) return DataLoss(std::string("undecodable ") + what);
  try {
    return from(j);
  } catch (const json::exception& e) {
    return DataLoss(std::string("malformed ") + what + ": " + e.what());
  }
}

// The binary forms (byte_io.h): one template per type for both directions (a
// writer is handed the value const_cast, and only reads it). The leading byte
// tells them from each other and from the CBOR arrays of layout-3 stores
// written before 2026-12-02 (0x8f for a link, 0x95/0x96 for a view), all
// still read. Form 1 (2026-12-02 to 04) wrote every integer in 8 bytes; form
// 2, written since, in varints: a guardian's view with two links 739 -> 484
// bytes, a fed live fold 5-10 % faster (README "National scale").
constexpr uint8_t kBinaryForm = 1;
constexpr uint8_t kVarintForm = 2;

template <typename IO>
void LinkFields(IO& io, LinkView& l) {
  io.Field(l.guardian);
  io.Field(l.pupil);
  io.Field(l.placement);
  io.Enum(l.rank, LinkRank::kEnCharge);
  io.Field(l.relationship);
  io.Enum(l.source_system, SourceSystem::kManual);
  io.Field(l.source_ids);
  io.Field(l.source_file);
  io.Enum(l.status, LinkViewStatus::kRemoved);
  io.Field(l.removed_reason);
  io.Field(l.linked_at);
  io.Field(l.linked_by);
  io.Field(l.changed_at);
  io.Field(l.changed_by);
  io.Field(l.last_change);
}

void Links(ByteWriter& w, std::map<std::string, LinkView>& links) {
  w.U64(links.size());
  for (auto& [_, l] : links) LinkFields(w, l);
}
void Links(ByteReader& r, std::map<std::string, LinkView>& links) {
  links.clear();
  for (uint64_t n = r.U64(), i = 0; i < n && r.ok(); ++i) {
    LinkView l;
    LinkFields(r, l);
    std::string pupil = l.pupil;
    links.emplace(std::move(pupil), std::move(l));
  }
}

// `sealed`: false writes the view's state alone, an empty string in place
// of its sealed fields (the store keeps those under a key of their own).
template <typename IO>
void ViewFields(IO& io, AccountView& v, bool sealed = true) {
  io.Field(v.id);
  io.Enum(v.kind, AccountKind::kGuardian);
  io.Enum(v.state, ViewState::kClosed);
  io.Field(v.reset_pending);
  io.Field(v.login);
  if (sealed) {
    io.Field(v.sealed);
  } else {
    std::string none;
    io.Field(none);
  }
  io.Enum(v.source_system, SourceSystem::kManual);
  io.Field(v.placement);
  io.OptionalEnum(v.activation_method, ActivationMethod::kProvisionalPassword);
  io.Field(v.has_mobile);
  io.Field(v.has_email);
  io.OptionalEnum(v.notified_by, NotifyChannel::kEmail);
  io.Field(v.notice_expires_at);
  io.Field(v.created_at);
  io.Field(v.notified_at);
  io.Field(v.activated_at);
  io.Field(v.closed_at);
  io.Field(v.updated_at);
  io.Field(v.closed_reason);
  io.Field(v.seq);
  io.Field(v.last_hash);
  Links(io, v.links);
}

bool IsBinaryForm(std::string_view bytes) {
  return !bytes.empty() && (static_cast<uint8_t>(bytes[0]) == kBinaryForm || static_cast<uint8_t>(bytes[0]) == kVarintForm);
}
// A reader of either binary form, told by the leading byte.
ByteReader BinaryReader(std::string_view bytes, const char* what) {
  const uint8_t form = static_cast<uint8_t>(bytes[0]);
  return ByteReader(bytes, form, what, form == kVarintForm ? Ints::kVarint : Ints::kFixed);
}
ByteWriter BinaryWriter(std::string& out) { return ByteWriter(out, kVarintForm, Ints::kVarint); }

std::string Time(Timestamp t) { return t.micros == 0 ? std::string() : FormatRfc3339(t); }

Json PlacementJson(const Placement& p) {
  Json j{{"uai", p.uai.str()}, {"department", p.department}, {"academy", p.academy},
         {"level", Name(p.level)}};
  if (!p.class_name.empty()) j["class"] = p.class_name;
  return j;
}

}  // namespace

std::string EncodeView(const AccountView& v, bool with_sealed) {
  std::string out;
  out.reserve(256 + (with_sealed ? v.sealed.size() : 0) + 160 * v.links.size());
  ByteWriter w = BinaryWriter(out);
  ViewFields(w, const_cast<AccountView&>(v), with_sealed);  // ByteWriter only reads it
  return out;
}

Result<AccountView> DecodeView(std::string_view bytes) {
  if (IsBinaryForm(bytes)) {
    ByteReader r = BinaryReader(bytes, "an account view");
    AccountView v;
    ViewFields(r, v);
    LEDGER_RETURN_IF_ERROR(r.Done());
    if (!v.sealed.empty()) v.personal = PersonalData::kSealed;
    return v;
  }
  return Decode<AccountView>(bytes, "account view", [](const json& j) {
    AccountView v;
    v.id = j.at(0).get<std::string>();
    v.kind = static_cast<AccountKind>(j.at(1).get<int>());
    v.state = static_cast<ViewState>(j.at(2).get<int>());
    v.reset_pending = j.at(3).get<bool>();
    v.login = j.at(4).get<std::string>();
    v.source_system = static_cast<SourceSystem>(j.at(5).get<int>());
    v.placement = PlacementFromCbor(j.at(6));
    if (int m = j.at(7).get<int>(); m >= 0) v.activation_method = static_cast<ActivationMethod>(m);
    v.created_at = Timestamp{j.at(8).get<int64_t>()};
    v.notified_at = Timestamp{j.at(9).get<int64_t>()};
    v.activated_at = Timestamp{j.at(10).get<int64_t>()};
    v.closed_at = Timestamp{j.at(11).get<int64_t>()};
    v.updated_at = Timestamp{j.at(12).get<int64_t>()};
    v.closed_reason = j.at(13).get<std::string>();
    v.seq = j.at(14).get<uint64_t>();
    const auto& hash = j.at(16).get_binary();
    if (hash.size() != v.last_hash.size()) throw json::other_error::create(501, "bad hash size", &j);
    std::copy(hash.begin(), hash.end(), v.last_hash.begin());
    v.has_mobile = j.at(17).get<bool>();
    v.has_email = j.at(18).get<bool>();
    if (int c = j.at(19).get<int>(); c >= 0) v.notified_by = static_cast<NotifyChannel>(c);
    v.notice_expires_at = Timestamp{j.at(20).get<int64_t>()};
    if (j.size() > 21) {  // stores written before schema 2 have no sealed fields
      const auto& sealed = j.at(21).get_binary();
      v.sealed.assign(sealed.begin(), sealed.end());
      if (!v.sealed.empty()) v.personal = PersonalData::kSealed;
    }
    for (const json& l : j.at(15)) {
      LinkView lv = LinkFromCbor(l);
      v.links.emplace(lv.pupil, std::move(lv));
    }
    return v;
  });
}

std::string EncodeLink(const LinkView& l) {
  std::string out;
  out.reserve(160);
  ByteWriter w = BinaryWriter(out);
  LinkFields(w, const_cast<LinkView&>(l));  // ByteWriter only reads it
  return out;
}

Result<LinkView> DecodeLink(std::string_view bytes) {
  if (IsBinaryForm(bytes)) {
    ByteReader r = BinaryReader(bytes, "a link");
    LinkView l;
    LinkFields(r, l);
    LEDGER_RETURN_IF_ERROR(r.Done());
    return l;
  }
  return Decode<LinkView>(bytes, "link", [](const json& j) { return LinkFromCbor(j); });
}

Json LinkToJson(const LinkView& l) {
  Json j{{"guardian", l.guardian},
         {"pupil", l.pupil},
         {"pupil_establishment", PlacementJson(l.placement)},
         {"rank", Name(l.rank)},
         {"relationship", l.relationship},
         {"source_system", Name(l.source_system)},
         {"source_ids", l.source_ids},
         {"source_file", l.source_file},
         {"status", Name(l.status)},
         {"linked_at", Time(l.linked_at)},
         {"linked_by", l.linked_by},
         {"last_change", l.last_change},
         {"changed_at", Time(l.changed_at)},
         {"changed_by", l.changed_by}};
  if (!l.removed_reason.empty()) j["removed_reason"] = l.removed_reason;
  return j;
}

Json ViewToJson(const AccountView& v) {
  Json j{{"account", v.id},
         {"kind", Name(v.kind)},
         {"state", Name(v.state)},
         {"reset_pending", v.reset_pending}};
  // The login as read: clear, "[erased]", or absent while sealed (ops/query opens it).
  if (v.personal == PersonalData::kClear) j["login"] = v.login;
  if (v.personal == PersonalData::kErased) j["login"] = kErasedMark;
  if (v.personal == PersonalData::kSealed) j["personal_data"] = "encrypted";
  j["source_system"] = Name(v.source_system);
  if (v.kind == AccountKind::kPupil) j["establishment"] = PlacementJson(v.placement);
  if (v.activation_method) j["activation_method"] = Name(*v.activation_method);
  j["has_mobile"] = v.has_mobile;  // whether contact details are on file, never the details
  j["has_email"] = v.has_email;
  if (v.notified_by) j["notified_by"] = Name(*v.notified_by);
  for (auto [key, t] : {std::pair{"created_at", v.created_at}, {"notified_at", v.notified_at},
                        {"notice_expires_at", v.notice_expires_at},
                        {"activated_at", v.activated_at}, {"closed_at", v.closed_at},
                        {"updated_at", v.updated_at}})
    if (t.micros != 0) j[key] = FormatRfc3339(t);
  if (!v.closed_reason.empty()) j["closed_reason"] = v.closed_reason;
  j["events"] = v.seq;
  if (v.kind == AccountKind::kGuardian) {
    Json links = Json::array();
    for (const auto& [_, l] : v.links) links.push_back(LinkToJson(l));
    j["links"] = links;
  }
  return j;
}

std::string EncodeStatTable(const StatTable& t) {
  std::string out;
  out.reserve(t.size() * 40);
  for (const auto& [cell, c] : t) {
    if (c.zero()) continue;
    uint16_t len = static_cast<uint16_t>(std::min<size_t>(cell.scope_id.size(), 0xffff));
    out.append(reinterpret_cast<const char*>(&len), 2);
    out.append(cell.scope_id, 0, len);
    out.push_back(static_cast<char>(cell.profile));
    out.push_back(static_cast<char>(cell.level));
    int64_t v[3] = {c.accounts, c.notified, c.activated};
    out.append(reinterpret_cast<const char*>(v), 24);  // little-endian hosts (x86-64, arm64)
  }
  return out;
}

Status AddStatTable(std::string_view b, Scope scope, StatTable& t) {
  size_t i = 0;
  while (i < b.size()) {
    uint16_t len;
    if (b.size() - i < 2) return DataLoss("truncated statistics entry");
    std::memcpy(&len, b.data() + i, 2);
    i += 2;
    if (b.size() - i < size_t{len} + 26) return DataLoss("truncated statistics entry");
    StatCell cell{scope, std::string(b.substr(i, len)), static_cast<AccountKind>(b[i + len]),
                  static_cast<StatLevel>(b[i + len + 1])};
    if (cell.profile > AccountKind::kGuardian || cell.level > StatLevel::kOther)
      return DataLoss("bad statistics cell");
    i += len + 2;
    int64_t v[3];
    std::memcpy(v, b.data() + i, 24);
    i += 24;
    t[std::move(cell)] += StatCounts{v[0], v[1], v[2]};
  }
  return OkStatus();
}

Result<std::string> AddToEncodedStatTable(std::string_view base, const StatTable& delta) {
  std::string out;
  out.reserve(base.size() + delta.size() * 40);
  auto put = [&out](std::string_view id, uint8_t profile, uint8_t level, const StatCounts& c) {
    if (c.zero()) return;
    uint16_t len = static_cast<uint16_t>(std::min<size_t>(id.size(), 0xffff));
    out.append(reinterpret_cast<const char*>(&len), 2);
    out.append(id.substr(0, len));
    out.push_back(static_cast<char>(profile));
    out.push_back(static_cast<char>(level));
    int64_t v[3] = {c.accounts, c.notified, c.activated};
    out.append(reinterpret_cast<const char*>(v), 24);
  };
  // Both sides are in StatCell order (id, profile, level): merge them in one pass.
  auto d = delta.begin();
  size_t i = 0;
  while (i < base.size()) {
    uint16_t len;
    if (base.size() - i < 2) return DataLoss("truncated statistics entry");
    std::memcpy(&len, base.data() + i, 2);
    if (base.size() - i - 2 < size_t{len} + 26) return DataLoss("truncated statistics entry");
    const std::string_view id = base.substr(i + 2, len);
    const uint8_t profile = static_cast<uint8_t>(base[i + 2 + len]), level = static_cast<uint8_t>(base[i + 3 + len]);
    StatCounts c;
    std::memcpy(&c, base.data() + i + 4 + len, 24);  // three int64 in declaration order
    auto key = std::tuple(id, profile, level);
    for (; d != delta.end() && std::tuple(std::string_view(d->first.scope_id), static_cast<uint8_t>(d->first.profile),
                                          static_cast<uint8_t>(d->first.level)) < key;
         ++d)
      put(d->first.scope_id, static_cast<uint8_t>(d->first.profile), static_cast<uint8_t>(d->first.level), d->second);
    if (d != delta.end() && std::tuple(std::string_view(d->first.scope_id), static_cast<uint8_t>(d->first.profile),
                                       static_cast<uint8_t>(d->first.level)) == key) {
      c += d->second;
      ++d;
    }
    put(id, profile, level, c);
    i += 4 + len + 24;
  }
  for (; d != delta.end(); ++d)
    put(d->first.scope_id, static_cast<uint8_t>(d->first.profile), static_cast<uint8_t>(d->first.level), d->second);
  return out;
}

Result<StatTable> DecodeStatTable(std::string_view b, Scope scope) {
  StatTable t;
  LEDGER_RETURN_IF_ERROR(AddStatTable(b, scope, t));
  return t;
}

}  // namespace ledger
