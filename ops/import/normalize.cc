#include "ops/import/normalize.h"

#include <sodium.h>

#include <cctype>
#include <cstdint>

namespace ledger::import {

namespace {

// U+00C0..U+00FF folded to ASCII ('\0': dropped). Upper and lower case share
// letters: the result is upper-cased anyway.
constexpr char kLatin1[] =
    "AAAAAA\0CEEEEIIII"    // C0..CF (C6 Æ handled apart)
    "DNOOOOO\0OUUUUY\0\0"  // D0..DF (D7 ×, DE Þ, DF ß apart)
    "AAAAAA\0CEEEEIIII"    // E0..EF
    "DNOOOOO\0OUUUUY\0Y";  // F0..FF

// Appends the ASCII spelling of code point `cp` ("" for none; ' ' for a separator).
void Fold(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (c == ' ' || c == '-' || c == '\'' || c == '\t' || c == '.' || c == '_') {
      out += ' ';
    }
    return;
  }
  switch (cp) {
    case 0xC6: case 0xE6: out += "AE"; return;
    case 0xDF: out += "SS"; return;
    case 0x152: case 0x153: out += "OE"; return;
    case 0x178: out += 'Y'; return;
    case 0x2019: case 0x2010: case 0x2011: case 0xA0: out += ' '; return;  // ’ ‐ ‑ nbsp
    default: break;
  }
  if (cp >= 0xC0 && cp <= 0xFF && kLatin1[cp - 0xC0] != '\0') out += kLatin1[cp - 0xC0];
}

// Decodes one UTF-8 code point at text[i], advancing i; U+FFFD on a bad byte.
uint32_t NextCodePoint(std::string_view text, size_t& i) {
  const auto b = static_cast<unsigned char>(text[i++]);
  int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  if (b >= 0x80 && extra == 0) return 0xFFFD;
  uint32_t cp = extra == 0 ? b : (b & (0x3F >> extra));
  for (; extra > 0; --extra) {
    if (i >= text.size() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (static_cast<unsigned char>(text[i++]) & 0x3F);
  }
  return cp;
}

std::string Hex128(std::string_view input) {
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size(), nullptr, 0);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

std::string NormalizeName(std::string_view utf8) {
  std::string folded;
  for (size_t i = 0; i < utf8.size();) Fold(NextCodePoint(utf8, i), folded);
  std::string out;  // blanks collapsed, trimmed
  for (char c : folded) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string NormalizeMobile(std::string_view text) {
  std::string digits;
  for (char c : text)
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  if (digits.size() == 11 && digits.compare(0, 2, "33") == 0) digits = "0" + digits.substr(2);
  if (digits.size() == 13 && digits.compare(0, 4, "0033") == 0) digits = "0" + digits.substr(4);
  if (digits.size() != 10 || digits[0] != '0' || (digits[1] != '6' && digits[1] != '7')) return "";
  return digits;
}

std::string NormalizeEmail(std::string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  std::string out;
  for (char c : text.substr(b, e - b)) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = out.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= out.size()) return "";
  return out;
}

std::vector<std::string> GuardianMatchKeys(std::string_view last_name, std::string_view first_name,
                                           std::string_view mobile, std::string_view email,
                                           const privacy::LookupKeyer* keyer) {
  const std::string who = NormalizeName(last_name) + "|" + NormalizeName(first_name);
  if (NormalizeName(last_name).empty()) return {};
  auto digest = [&](const std::string& s) { return keyer ? keyer->Key("match", s) : Hex128(s); };
  std::vector<std::string> keys;
  if (std::string m = NormalizeMobile(mobile); !m.empty())
    keys.push_back("m:" + digest("ledger-guardian-v1|m|" + who + "|" + m));
  if (std::string e = NormalizeEmail(email); !e.empty())
    keys.push_back("e:" + digest("ledger-guardian-v1|e|" + who + "|" + e));
  return keys;
}

}  // namespace ledger::import
