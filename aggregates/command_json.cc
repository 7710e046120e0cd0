#include "aggregates/command_json.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "events/overloaded.h"

namespace ledger {
namespace {

// Thrown inside this file only; CommandFromJson turns it into a Status.
struct FieldError {
  std::string message;
};

template <typename E>
std::optional<E> ParseName(std::string_view s, int count) {
  for (int i = 0; i < count; ++i)
    if (Name(static_cast<E>(i)) == s) return static_cast<E>(i);
  return std::nullopt;
}

template <typename E>
std::string Choices(int count) {
  std::string s;
  for (int i = 0; i < count; ++i) s += std::string(i ? "|" : "") + std::string(Name(static_cast<E>(i)));
  return s;
}

// Bounds on one command: its events stay far below any log's record limit
// (Kafka's message.max.bytes is 1 MB), so a command is refused, not the log.
constexpr size_t kMaxString = 1024;
constexpr size_t kMaxStrings = 16;

// Reads the fields of one JSON object, remembering which were used so that
// Finish() can refuse the others.
class Fields {
 public:
  Fields(const Json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) Fail("", "expected a JSON object");
  }

  [[noreturn]] void Fail(const std::string& key, const std::string& what) const {
    throw FieldError{where_ + (key.empty() ? "" : "." + key) + ": " + what};
  }

  const Json* Find(const std::string& key) {
    used_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string Str(const std::string& key, bool required = true) {
    const Json* v = Find(key);
    if (!v) {
      if (required) Fail(key, "missing (a string)");
      return "";
    }
    if (!v->is_string()) Fail(key, "expected a string");
    std::string s = v->get<std::string>();
    if (s.size() > kMaxString) Fail(key, "longer than " + std::to_string(kMaxString) + " bytes");
    if (required && s.empty()) Fail(key, "must not be empty");
    RefuseNul(key, s);
    return s;
  }

  // The log's codec stores strings up to their first NUL (events/codec.cc):
  // a "\u0000" would make the event applied differ from the event logged.
  void RefuseNul(const std::string& key, const std::string& s) const {
    if (s.find('\0') != std::string::npos) Fail(key, "must not contain a NUL character (\\u0000)");
  }

  bool Bool(const std::string& key, bool def = false) {
    const Json* v = Find(key);
    if (!v) return def;
    if (!v->is_boolean()) Fail(key, "expected true or false");
    return v->get<bool>();
  }

  std::optional<bool> OptBool(const std::string& key) {
    if (!j_.contains(key) || j_.at(key).is_null()) {
      used_.insert(key);
      return std::nullopt;
    }
    return Bool(key);
  }

  template <typename E>
  E Enum(const std::string& key, int count, std::optional<E> def = std::nullopt) {
    const Json* v = Find(key);
    if (!v) {
      if (def) return *def;
      Fail(key, "missing (one of " + Choices<E>(count) + ")");
    }
    std::optional<E> e = v->is_string() ? ParseName<E>(v->get<std::string>(), count) : std::nullopt;
    if (!e) Fail(key, "expected one of " + Choices<E>(count));
    return *e;
  }

  Timestamp Time(const std::string& key) {
    std::optional<Timestamp> t = ParseRfc3339(Str(key));
    if (!t) Fail(key, "expected an RFC 3339 UTC time (2023-01-15T10:00:00Z)");
    return *t;
  }

  std::optional<Date> OptDate(const std::string& key) {
    std::string s = Str(key, /*required=*/false);
    if (s.empty()) return std::nullopt;
    std::optional<Date> d = ParseIsoDate(s);
    if (!d) Fail(key, "expected a date YYYY-MM-DD");
    return d;
  }

  std::vector<std::string> Strings(const std::string& key) {
    const Json* v = Find(key);
    std::vector<std::string> out;
    if (!v) return out;
    if (!v->is_array()) Fail(key, "expected an array of strings");
    if (v->size() > kMaxStrings) Fail(key, "more than " + std::to_string(kMaxStrings) + " strings");
    for (const Json& s : *v) {
      if (!s.is_string() || s.get_ref<const std::string&>().size() > kMaxString)
        Fail(key, "expected an array of strings of at most " + std::to_string(kMaxString) + " bytes");
      RefuseNul(key, s.get_ref<const std::string&>());
      out.push_back(s.get<std::string>());
    }
    return out;
  }

  Fields Object(const std::string& key) {
    const Json* v = Find(key);
    if (!v) Fail(key, "missing (an object)");
    return Fields(*v, where_ + "." + key);
  }

  // Refuses fields nobody read (typos, fields of another type).
  void Finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!used_.count(it.key())) Fail(it.key(), "unknown field");
  }

 private:
  const Json& j_;
  std::string where_;
  std::set<std::string> used_;
};

Placement ReadPlacement(Fields& f, bool with_class) {
  Placement p;
  p.uai = Uai(f.Str("uai"));
  p.department = f.Str("department");
  p.academy = f.Str("academy");
  p.level = f.Enum<Level>("level", 4);
  if (with_class) p.class_name = f.Str("class", /*required=*/false);
  return p;
}

AccountCreated ReadCreated(Fields& f) {
  AccountCreated c;
  c.kind = f.Enum<AccountKind>("kind", 2);
  c.login = f.Str("login");
  c.source_system = f.Enum<SourceSystem>("source_system", 3, SourceSystem::kManual);
  c.source_id = f.Str("source_id", false);
  c.source_file = f.Str("source_file", false);
  if (c.kind == AccountKind::kPupil) {
    c.placement = ReadPlacement(f, /*with_class=*/true);
    c.ine = Ine(f.Str("ine", false));
    c.birth_date = f.OptDate("birth_date");
  }
  c.last_name = f.Str("last_name", false);
  c.first_name = f.Str("first_name", false);
  c.has_mobile = f.Bool("has_mobile");
  c.has_email = f.Bool("has_email");
  c.match_keys = f.Strings("match_keys");
  return c;
}

Actor ReadActor(Fields f) {
  Actor a;
  a.kind = f.Enum<ActorKind>("kind", 6);
  a.id = f.Str("id");
  a.uai = Uai(f.Str("uai", false));
  if (f.Find("delegation")) a.module = f.Enum<Module>("delegation", 2);
  a.strong_auth = f.Bool("strong_auth");
  f.Finish();
  return a;
}

CloseReason ReadCloseReason(Fields& f) {
  const std::string r = f.Str("reason");
  if (r == "left") return CloseReason::kLeft;
  if (r == "merged_into") return CloseReason::kMergedInto;
  if (r == "erased") return CloseReason::kErased;
  f.Fail("reason", "expected one of left|merged_into|erased");
}

CommandBody ReadBody(Fields& f, const std::string& type) {
  auto account = [&](const char* key = "account") { return AccountId(f.Str(key)); };
  if (type == "CreateAccount") {
    CreateAccount c{account(), {}};
    Fields data = f.Object("data");
    c.data = ReadCreated(data);
    data.Finish();
    return c;
  }
  if (type == "NotifyAccount")
    return NotifyAccount{account(), f.Enum<NotifyChannel>("channel", 2), f.OptBool("reset_password"),
                         f.Bool("force")};
  if (type == "ActivateAccount")
    return ActivateAccount{account(), f.Enum<ActivationMethod>("method", 3), f.OptDate("birth_date")};
  if (type == "ResetPassword") return ResetPassword{account(), f.Enum<ResetChannel>("channel", 3)};
  if (type == "CompletePasswordReset") return CompletePasswordReset{account()};
  if (type == "UpdateContact")
    return UpdateContact{account(), f.Bool("has_mobile"), f.Bool("has_email"), f.Strings("match_keys")};
  if (type == "LinkGuardian")
    return LinkGuardian{account("guardian"), account("pupil"), f.Enum<LinkRank>("rank", 3),
                        f.Str("relationship", false), f.Enum<SourceSystem>("source_system", 3, SourceSystem::kManual),
                        f.Str("source_ids", false), f.Str("source_file", false)};
  if (type == "UpdateGuardianLink") return UpdateGuardianLink{account("guardian"), account("pupil")};
  if (type == "UnlinkGuardian")
    return UnlinkGuardian{account("guardian"), account("pupil"), f.Enum<UnlinkReason>("reason", 3)};
  if (type == "ConfirmLink") return ConfirmLink{account("guardian"), account("pupil")};
  if (type == "DisputeLink") return DisputeLink{account("guardian"), account("pupil")};
  if (type == "TransferPupil") {
    TransferPupil t{account("pupil"), {}};
    Fields to = f.Object("to");
    t.to = ReadPlacement(to, /*with_class=*/true);
    to.Finish();
    return t;
  }
  if (type == "ChangeClass") return ChangeClass{account("pupil"), f.Str("class")};
  if (type == "CloseAccount") {
    CloseAccount c{account(), ReadCloseReason(f), AccountId()};
    if (c.reason == CloseReason::kMergedInto) c.merged_into = account("merged_into");
    c.note = f.Str("note", false);
    return c;
  }
  if (type == "DelegateRights")
    return DelegateRights{Uai(f.Str("uai")), StaffId(f.Str("delegate")), f.Enum<Module>("module", 2),
                          f.Time("valid_until"), f.Str("reason", false)};
  if (type == "RevokeDelegation")
    return RevokeDelegation{Uai(f.Str("uai")), StaffId(f.Str("delegate")), f.Enum<Module>("module", 2),
                            f.Str("reason", false)};
  std::string known;
  for (std::string_view name : CommandNames()) known += (known.empty() ? "" : ", ") + std::string(name);
  bool plain = type.size() <= 40 && std::all_of(type.begin(), type.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
  f.Fail("type", (plain ? "unknown command type " + type : std::string("unknown command type")) +
                     " (expected one of " + known + ")");
}

}  // namespace

Result<Command> CommandFromJson(const Json& j, const std::string& where) {
  try {
    Fields f(j, where);
    Command c;
    c.id = CommandId(f.Str("command_id"));
    c.at = f.Time("at");
    c.actor = ReadActor(f.Object("actor"));
    const std::string type = f.Str("type");
    c.body = ReadBody(f, type);
    f.Finish();
    return c;
  } catch (const FieldError& e) {
    return InvalidArgument(e.message);
  }
}

Json CommandToJson(const Command& c) {
  Json j{{"command_id", c.id.str()}, {"at", FormatRfc3339(c.at)}, {"actor", ActorToJson(c.actor)},
         {"type", CommandName(c.body)}};
  auto ids = [&](const AccountId& g, const AccountId& p) {
    j["guardian"] = g.str();
    j["pupil"] = p.str();
  };
  std::visit(
      Overloaded{
          [&](const CreateAccount& x) {
            j["account"] = x.account.str();
            j["data"] = PayloadToJson(Payload(x.data));
          },
          [&](const NotifyAccount& x) {
            j["account"] = x.account.str();
            j["channel"] = Name(x.channel);
            if (x.reset_password) j["reset_password"] = *x.reset_password;
            if (x.force) j["force"] = true;
          },
          [&](const ActivateAccount& x) {
            j["account"] = x.account.str();
            j["method"] = Name(x.method);
            if (x.birth_date) j["birth_date"] = FormatIsoDate(*x.birth_date);
          },
          [&](const ResetPassword& x) {
            j["account"] = x.account.str();
            j["channel"] = Name(x.channel);
          },
          [&](const CompletePasswordReset& x) { j["account"] = x.account.str(); },
          [&](const UpdateContact& x) {
            j["account"] = x.account.str();
            j["has_mobile"] = x.has_mobile;
            j["has_email"] = x.has_email;
            if (!x.match_keys.empty()) j["match_keys"] = x.match_keys;
          },
          [&](const LinkGuardian& x) {
            ids(x.guardian, x.pupil);
            j["rank"] = Name(x.rank);
            j["relationship"] = x.relationship;
            j["source_system"] = Name(x.source_system);
            j["source_ids"] = x.source_ids;
            j["source_file"] = x.source_file;
          },
          [&](const UpdateGuardianLink& x) { ids(x.guardian, x.pupil); },
          [&](const UnlinkGuardian& x) {
            ids(x.guardian, x.pupil);
            j["reason"] = Name(x.reason);
          },
          [&](const ConfirmLink& x) { ids(x.guardian, x.pupil); },
          [&](const DisputeLink& x) { ids(x.guardian, x.pupil); },
          [&](const TransferPupil& x) {
            j["pupil"] = x.pupil.str();
            Json to = Json::object();
            PutPlacement(to, x.to, /*with_class=*/true);
            j["to"] = to;
          },
          [&](const ChangeClass& x) {
            j["pupil"] = x.pupil.str();
            j["class"] = x.class_name;
          },
          [&](const CloseAccount& x) {
            j["account"] = x.account.str();
            j["reason"] = x.reason == CloseReason::kLeft ? "left" : x.reason == CloseReason::kErased ? "erased"
                                                                                                     : "merged_into";
            if (x.reason == CloseReason::kMergedInto) j["merged_into"] = x.merged_into.str();
            if (!x.note.empty()) j["note"] = x.note;
          },
          [&](const DelegateRights& x) {
            j["uai"] = x.uai.str();
            j["delegate"] = x.delegate.str();
            j["module"] = Name(x.module);
            j["valid_until"] = FormatRfc3339(x.valid_until);
            j["reason"] = x.reason;
          },
          [&](const RevokeDelegation& x) {
            j["uai"] = x.uai.str();
            j["delegate"] = x.delegate.str();
            j["module"] = Name(x.module);
            j["reason"] = x.reason;
          },
      },
      c.body);
  return j;
}

bool IsRefusal(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
    case StatusCode::kOk: return false;
    default: return true;
  }
}

Json OutcomeToJson(const CommandId& id, const Result<Outcome>& r) {
  Json j{{"command_id", id.str()}};
  if (!r.ok()) {
    j["outcome"] = "refused";
    j["code"] = StatusCodeName(r.status().code());
    j["reason"] = r.status().message();
    return j;
  }
  j["outcome"] = r->replayed ? "replayed" : "appended";
  Json events = Json::array();
  for (size_t i = 0; i < r->count; ++i)
    events.push_back(Json{{"stream", r->stream.str()},
                          {"seq", r->first_seq + i},
                          {"partition", r->partition},
                          {"offset", r->first_offset < 0 ? -1 : r->first_offset + static_cast<int64_t>(i)}});
  j["events"] = events;
  return j;
}

std::string JsonSyntaxError(std::string_view text) {
  try {
    Json parsed = Json::parse(text);
    return "";
  } catch (const Json::parse_error& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while
    // parsing value - invalid literal; last read: '…'" — the "last read" part echoes the body (it may
    // hold a name), so it is left out; the position is recomputed from e.byte.
    std::string what = e.what();
    size_t colon = what.find(": ", what.find("column"));
    std::string reason = colon == std::string::npos ? "syntax error" : what.substr(colon + 2);
    reason = reason.substr(0, reason.find("; last read"));
    size_t line = 1, column = 1;
    const size_t upto = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (size_t i = 0; i < upto; ++i) text[i] == '\n' ? (++line, column = 1) : ++column;
    return "byte " + std::to_string(e.byte) + " (line " + std::to_string(line) + ", column " +
           std::to_string(column) + "): " + reason;
  } catch (const Json::exception&) {
    // out_of_range 406, "number overflow parsing '1e400'" (found by tests/fuzz/fuzz_command): not a
    // parse_error, so it escaped, ending `ledger submit`. Its text echoes the number; no position.
    return "a number too large to represent";
  }
}

Result<std::vector<Command>> ParseCommandBatch(std::string_view body, size_t max_commands) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("malformed JSON at " + JsonSyntaxError(body));
  std::vector<Command> out;
  if (j.is_object()) {
    LEDGER_ASSIGN_OR_RETURN(Command c, CommandFromJson(j, "command"));
    out.push_back(std::move(c));
    return out;
  }
  if (!j.is_array()) return InvalidArgument("expected a command object or an array of commands");
  if (j.size() > max_commands)
    return InvalidArgument(std::to_string(j.size()) + " commands in one request, at most " +
                           std::to_string(max_commands) + ": split the batch");
  if (j.empty()) return InvalidArgument("an empty array: nothing to do");
  out.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    LEDGER_ASSIGN_OR_RETURN(Command c, CommandFromJson(j[i], "commands[" + std::to_string(i) + "]"));
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ledger
