#include "events/json.h"

namespace ledger {
void PutPlacement(Json& j, const Placement& p, bool with_class) {
  j["uai"] = p.uai.str();
  j["department"] = p.department;
  j["academy"] = p.academy;
  j["level"] = Name(p.level);
  if (with_class) j["class"] = p.class_name;
}

namespace {

struct PayloadRenderer {
  Json operator()(const AccountCreated& e) const {
    // Personal fields: as read (clear, or opened with the person's key),
    // "[erased]" once the key is destroyed, absent while still sealed.
    const bool sealed = e.personal == PersonalData::kSealed;
    const bool erased = e.personal == PersonalData::kErased;
    Json j;
    auto personal = [&](const char* key, const std::string& value) {
      if (!sealed) j[key] = erased ? std::string(kErasedMark) : value;
    };
    j["kind"] = Name(e.kind);
    personal("login", e.login);
    j["source_system"] = Name(e.source_system);
    personal("source_id", e.source_id);
    j["source_file"] = e.source_file;
    if (e.kind == AccountKind::kPupil) {
      PutPlacement(j, e.placement, /*with_class=*/true);
      personal("ine", e.ine.str());
      personal("birth_date", e.birth_date ? FormatIsoDate(*e.birth_date) : "");
    }
    personal("last_name", e.last_name);
    personal("first_name", e.first_name);
    if (sealed) j["personal_data"] = "encrypted";
    if (erased) j["personal_data"] = "erased";
    j["has_mobile"] = e.has_mobile;
    j["has_email"] = e.has_email;
    if (!e.match_keys.empty()) j["match_keys"] = e.match_keys;
    return j;
  }
  Json operator()(const AccountNotified& e) const {
    return Json{{"channel", Name(e.channel)},
                {"password_reset", e.password_reset},
                {"expires_at", FormatRfc3339(e.expires_at)},
                {"forced", e.forced}};
  }
  Json operator()(const AccountActivated& e) const { return Json{{"method", Name(e.method)}}; }
  Json operator()(const PasswordReset& e) const { return Json{{"channel", Name(e.channel)}}; }
  Json operator()(const GuardianLinked& e) const {
    Json j{{"pupil", e.pupil.str()}};
    PutPlacement(j, e.pupil_placement, /*with_class=*/false);
    j["rank"] = Name(e.rank);
    j["relationship"] = e.relationship;
    j["source_system"] = Name(e.source_system);
    j["source_ids"] = e.source_ids;
    j["source_file"] = e.source_file;
    return j;
  }
  Json operator()(const GuardianLinkUpdated& e) const {
    Json j{{"pupil", e.pupil.str()}};
    PutPlacement(j, e.pupil_placement, /*with_class=*/false);
    return j;
  }
  Json operator()(const GuardianUnlinked& e) const {
    return Json{{"pupil", e.pupil.str()}, {"reason", Name(e.reason)}};
  }
  Json operator()(const LinkConfirmed& e) const { return Json{{"pupil", e.pupil.str()}}; }
  Json operator()(const LinkDisputed& e) const { return Json{{"pupil", e.pupil.str()}}; }
  Json operator()(const PupilTransferred& e) const {
    Json j = Json::object();
    PutPlacement(j, e.to, /*with_class=*/true);
    return j;
  }
  Json operator()(const AccountClosed& e) const {
    Json j{{"reason", e.reason}};
    if (!e.note.empty()) j["note"] = e.note;
    return j;
  }
  Json operator()(const RightsDelegated& e) const {
    return Json{{"delegate", e.delegate.str()},
                {"module", Name(e.module)},
                {"granted_by", e.granted_by.str()},
                {"valid_until", FormatRfc3339(e.valid_until)},
                {"reason", e.reason}};
  }
  Json operator()(const DelegationRevoked& e) const {
    return Json{{"delegate", e.delegate.str()},
                {"module", Name(e.module)},
                {"revoked_by", e.revoked_by.str()},
                {"reason", e.reason}};
  }
  Json operator()(const PasswordResetCompleted&) const { return Json::object(); }
  Json operator()(const ContactUpdated& e) const {
    Json j{{"has_mobile", e.has_mobile}, {"has_email", e.has_email}};
    if (!e.match_keys.empty()) j["match_keys"] = e.match_keys;
    return j;
  }
  Json operator()(const ClassChanged& e) const { return Json{{"class", e.class_name}}; }
};

}  // namespace

Json ActorToJson(const Actor& a) {
  Json j{{"kind", Name(a.kind)}, {"id", a.id}};
  if (!a.uai.empty()) j["uai"] = a.uai.str();
  if (a.module) j["delegation"] = Name(*a.module);
  if (a.strong_auth) j["strong_auth"] = true;
  return j;
}

Json PayloadToJson(const Payload& p) { return std::visit(PayloadRenderer{}, p); }

Json EventToJson(const Event& e, int32_t partition, int64_t offset) {
  Json j;
  j["partition"] = partition;
  j["offset"] = offset;
  j["stream"] = e.stream.str();
  j["seq"] = e.seq;
  j["type"] = EventTypeName(e.payload);
  j["event_id"] = e.event_id.str();
  j["occurred_at"] = FormatRfc3339(e.occurred_at);
  j["actor"] = ActorToJson(e.actor);
  j["data"] = PayloadToJson(e.payload);
  j["recorded_at"] = FormatRfc3339(e.recorded_at);
  j["command_id"] = e.command_id.str();
  j["schema_version"] = e.schema_version;
  j["prev_hash"] = HexOf(e.prev_hash);
  j["hash"] = HexOf(e.hash);
  return j;
}

std::string ExportLine(const Event& e, int32_t partition, int64_t offset) {
  // A string that is not UTF-8 (only a corrupt or foreign record holds one:
  // the ledger's writers all write UTF-8) is rendered with U+FFFD, as every
  // other JSON output does, instead of throwing out of the export.
  return EventToJson(e, partition, offset).dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace ledger
