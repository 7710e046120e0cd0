#include <string>

#include "ops/import/siecle/bee_readers.h"

namespace ledger::import::siecle_internal {
namespace {

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int ToInt(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

// "14/07/2011" → 2011-07-14; nullopt for anything else, or a day that does
// not exist.
std::optional<Date> ParseFrenchDate(std::string_view t) {
  if (t.size() != 10 || t[2] != '/' || t[5] != '/') return std::nullopt;
  const std::string_view dd = t.substr(0, 2), mm = t.substr(3, 2), yyyy = t.substr(6, 4);
  if (!IsDigits(dd) || !IsDigits(mm) || !IsDigits(yyyy)) return std::nullopt;
  const Date d{ToInt(yyyy), static_cast<uint8_t>(ToInt(mm)), static_cast<uint8_t>(ToInt(dd))};
  if (!d.valid()) return std::nullopt;
  return d;
}

}  // namespace

Status CheckRoot(const XmlDocument& doc, std::string_view expected, std::string_view other) {
  const std::string_view root = Name(doc.root());
  if (root == expected) return OkStatus();
  std::string what = "root element is " + std::string(root) + ", expected " + std::string(expected);
  if (root == other) {
    what += " (were --eleves and --responsables swapped?)";
  } else {
    what += " (give the SIECLE BEE export " + std::string(expected) + ")";
  }
  return doc.ErrorAt(doc.root(), what);
}

Result<const xmlNode*> Require(const XmlDocument& doc, const xmlNode* parent, std::string_view name,
                               std::string_view path) {
  const xmlNode* child = Child(parent, name);
  if (child == nullptr) {
    return doc.ErrorAt(parent, "required element " + std::string(path) +
                                   " missing (export the file again from SIECLE)");
  }
  return child;
}

Result<std::optional<Date>> ReadDate(const XmlDocument& doc, const xmlNode* record,
                                     std::string_view name, std::string_view who) {
  const xmlNode* element = Child(record, name);
  const std::string text = Text(element);
  if (text.empty()) return std::optional<Date>();
  std::optional<Date> date = ParseFrenchDate(text);
  if (!date) {
    return doc.ErrorAt(element, std::string(name) + " of " + std::string(who) +
                                    " is not a date DD/MM/YYYY (correct it in SIECLE and "
                                    "export again)");
  }
  return date;
}

}  // namespace ledger::import::siecle_internal
