// XmlDocument: one SIECLE file read into a libxml2 tree with the safety and
// encoding rules of siecle.h, and the few tree accessors the BEE readers need.
// Internal to ops/import/siecle (siecle.h is the public API).
//
// Reading (XmlDocument::Read):
//  - the whole file is read into memory; options XML_PARSE_NONET |
//    XML_PARSE_NOBLANKS | XML_PARSE_BIG_LINES (line numbers past 65535), never
//    NOENT / DTDLOAD / DTDATTR / HUGE: no entity substitution, no external DTD,
//    no network, libxml2's default size limits;
//  - a UTF-8 byte order mark is authoritative: the bytes after it are parsed as
//    UTF-8 and the XML declaration's encoding is ignored (libxml2 alone would
//    obey the declaration and turn "é" into "Ã©"). Without a BOM, the
//    declaration is obeyed (ISO-8859-15 through iconv); no declaration = UTF-8;
//  - any entity declaration (internal subset) or entity reference (other than
//    the five predefined ones and character references) makes the file
//    refused at that line: a SIECLE export has none, and nothing of a DTD
//    ever reaches a record;
//  - libxml2's diagnostics are captured for the parse (this thread's
//    structured and generic error handlers, restored afterwards): nothing is
//    printed. libxml2 keeps those handlers per thread, so parses may run on
//    several threads at once, one at a time per thread.
// Errors: NotFound "PATH: cannot open (…)"; InvalidArgument "PATH:LINE: what
// (what to do)" for malformed XML, a truncated file, an unsupported encoding,
// bytes not in the file's encoding, entities.
//
// An XmlDocument owns its tree; nodes handed out live as long as it does.
// Thread-compatible.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

#include "events/status.h"

namespace ledger::import::siecle_internal {

class XmlDocument {
 public:
  static Result<XmlDocument> Read(const std::string& path);

  const std::string& path() const { return path_; }
  // The root element (never null for a document Read returned).
  const xmlNode* root() const { return xmlDocGetRootElement(doc_.get()); }

  // InvalidArgument "PATH:LINE: what" with the line of `node`.
  Status ErrorAt(const xmlNode* node, std::string_view what) const;

 private:
  struct DocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
  };
  XmlDocument(std::string path, xmlDoc* doc) : path_(std::move(path)), doc_(doc) {}

  std::string path_;
  std::unique_ptr<xmlDoc, DocFree> doc_;
};

// The element's name ("" for null).
std::string_view Name(const xmlNode* node);
// The line of the node's start tag in its file.
int Line(const xmlNode* node);
// The first child element named `name`, or null (also for a null parent).
const xmlNode* Child(const xmlNode* parent, std::string_view name);
// The next sibling element named `name`, or null.
const xmlNode* NextSibling(const xmlNode* node, std::string_view name);
// The node's own text (its text and CDATA children; elements inside are not
// descended into), trimmed of ASCII blanks. "" for null.
std::string Text(const xmlNode* node);
// Text(Child(parent, name)).
std::string ChildText(const xmlNode* parent, std::string_view name);
// The attribute's value, trimmed; "" when absent.
std::string Attribute(const xmlNode* node, const char* name);

// Calls fn(child) for each child element of `parent` named `name`, in order;
// stops at, and returns, the first non-OK Status.
template <typename Fn>
Status ForEachChild(const xmlNode* parent, std::string_view name, Fn fn) {
  for (const xmlNode* n = Child(parent, name); n != nullptr; n = NextSibling(n, name)) {
    LEDGER_RETURN_IF_ERROR(fn(n));
  }
  return OkStatus();
}

}  // namespace ledger::import::siecle_internal
