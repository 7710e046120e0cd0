#include "ops/import/siecle/xml_document.h"

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <vector>

#ifndef LIBXML_THREAD_ENABLED
#error "libxml2 without thread support: its error handlers would be process-wide"
#endif

namespace ledger::import::siecle_internal {
namespace {

#if LIBXML_VERSION >= 21200
using XmlErrorArg = const xmlError*;
#else
using XmlErrorArg = xmlError*;
#endif

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kBlanks = " \t\r\n";

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(kBlanks);
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(kBlanks) - b + 1));
}

std::string FirstLine(const char* message) {
  if (message == nullptr) return "";
  std::string_view m(message);
  return Trim(m.substr(0, m.find('\n')));
}

std::string_view View(const xmlChar* s) {
  return s == nullptr ? std::string_view() : reinterpret_cast<const char*>(s);
}

std::string Where(const std::string& path, long line) {
  return path + ":" + std::to_string(line > 0 ? line : 1) + ": ";
}

const xmlNode* NextElement(const xmlNode* n, std::string_view name) {
  for (; n != nullptr; n = n->next) {
    if (n->type == XML_ELEMENT_NODE && View(n->name) == name) return n;
  }
  return nullptr;
}

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return NotFound(path + ": cannot open (" + std::strerror(EISDIR) + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Unavailable(path + ": cannot read (" + std::strerror(errno) + ")");
  return std::move(bytes).str();
}

// One diagnostic of libxml2, as captured.
struct Diagnostic {
  int code = 0;
  int line = 0;
  std::string message;  // first line of libxml2's message
  std::string str1;     // e.g. the encoding name of XML_ERR_UNSUPPORTED_ENCODING
};

// Installs this thread's libxml2 error handlers for the object's lifetime
// and restores the previous ones: errors (level ≥ XML_ERR_ERROR) are kept,
// warnings dropped, nothing printed.
class ErrorCapture {
 public:
  ErrorCapture()
      : prev_structured_(xmlStructuredError),
        prev_structured_ctx_(xmlStructuredErrorContext),
        prev_generic_(xmlGenericError),
        prev_generic_ctx_(xmlGenericErrorContext) {
    xmlSetStructuredErrorFunc(this, &ErrorCapture::OnError);
    xmlSetGenericErrorFunc(this, &ErrorCapture::OnGeneric);
  }
  ~ErrorCapture() {
    xmlSetStructuredErrorFunc(prev_structured_ctx_, prev_structured_);
    xmlSetGenericErrorFunc(prev_generic_ctx_, prev_generic_);
  }
  ErrorCapture(const ErrorCapture&) = delete;
  ErrorCapture& operator=(const ErrorCapture&) = delete;

  const std::vector<Diagnostic>& errors() const { return errors_; }
  const std::string& generic() const { return generic_; }

 private:
  static void OnError(void* self, XmlErrorArg e) {
    if (e == nullptr || e->level < XML_ERR_ERROR) return;
    static_cast<ErrorCapture*>(self)->errors_.push_back(
        Diagnostic{e->code, e->line, FirstLine(e->message), e->str1 ? e->str1 : ""});
  }
  static void OnGeneric(void* self, const char* format, ...) {
    auto* capture = static_cast<ErrorCapture*>(self);
    if (!capture->generic_.empty()) return;
    char buffer[256];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    capture->generic_ = FirstLine(buffer);
  }

  xmlStructuredErrorFunc prev_structured_;
  void* prev_structured_ctx_;
  xmlGenericErrorFunc prev_generic_;
  void* prev_generic_ctx_;
  std::vector<Diagnostic> errors_;
  std::string generic_;
};

// The first entity declaration or reference met (ctxt->_private): the parse
// is stopped there.
struct EntityRefusal {
  int line = 0;
  std::string what;
};

void Refuse(void* ctx, std::string what) {
  auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
  auto* refusal = static_cast<EntityRefusal*>(ctxt->_private);
  if (refusal->line == 0) {
    refusal->line = ctxt->input != nullptr ? ctxt->input->line : 1;
    refusal->what = std::move(what);
  }
  xmlStopParser(ctxt);
}

void OnEntityDecl(void* ctx, const xmlChar* name, int, const xmlChar*, const xmlChar*, xmlChar*) {
  Refuse(ctx, "entity declaration '" + std::string(View(name)) + "'");
}

void OnReference(void* ctx, const xmlChar* name) {
  Refuse(ctx, "entity reference '&" + std::string(View(name)) + ";'");
}

// Records each element's line in node->_private: past line 65535 libxml2
// (2.9, even with XML_PARSE_BIG_LINES) answers for an element the line of its
// first text, not of its start tag.
void OnStartElement(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri,
                    int nb_namespaces, const xmlChar** namespaces, int nb_attributes,
                    int nb_defaulted, const xmlChar** attributes) {
  xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                        nb_defaulted, attributes);
  auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
  if (ctxt->node != nullptr && ctxt->input != nullptr) {
    ctxt->node->_private = reinterpret_cast<void*>(static_cast<intptr_t>(ctxt->input->line));
  }
}

// Never load an external DTD, whatever the options say.
void OnExternalSubset(void*, const xmlChar*, const xmlChar*, const xmlChar*) {}

bool IsTruncation(int code) {
  return code == XML_ERR_TAG_NOT_FINISHED || code == XML_ERR_DOCUMENT_EMPTY;
}

// The InvalidArgument for a failed parse, from what libxml2 said.
Status ParseError(const std::string& path, std::string_view bytes, bool bom,
                  const ErrorCapture& capture) {
  const std::vector<Diagnostic>& errors = capture.errors();
  if (errors.empty()) {
    const std::string said = capture.generic().empty() ? "unknown error" : capture.generic();
    return InvalidArgument(Where(path, 1) + "unreadable XML: " + said +
                           " (export the file again from SIECLE)");
  }
  for (const Diagnostic& d : errors) {
    if (d.code == XML_ERR_UNSUPPORTED_ENCODING) {
      return InvalidArgument(Where(path, d.line) + "unsupported encoding \"" + d.str1 +
                             "\" in the XML declaration (export the file again in ISO-8859-15 "
                             "or UTF-8)");
    }
  }
  const Diagnostic& first = errors.front();
  if (first.code == XML_ERR_INVALID_ENCODING ||
      first.message.rfind("Input is not proper UTF-8", 0) == 0) {
    return InvalidArgument(
        Where(path, first.line) + "bytes that are not UTF-8 " +
        (bom ? "after a UTF-8 byte order mark (the mark says UTF-8: remove it if the file is "
               "ISO-8859-15, or export the file again)"
             : "in a file declaring no other encoding (declare it in the first line, e.g. "
               "encoding=\"ISO-8859-15\", or export the file again)"));
  }
  // Truncated: the first error is at the end of the input and libxml2 ran out
  // of data inside the document.
  const int last_line = 1 + static_cast<int>(std::count(bytes.begin(), bytes.end(), '\n'));
  if (first.line >= last_line) {
    for (const Diagnostic& d : errors) {
      if (IsTruncation(d.code)) {
        return InvalidArgument(Where(path, d.line) + "truncated file: " + d.message +
                               " (the export is incomplete: export it again from SIECLE)");
      }
    }
  }
  return InvalidArgument(Where(path, first.line) + "malformed XML: " + first.message +
                         " (fix the file or export it again from SIECLE)");
}

struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

}  // namespace

Result<XmlDocument> XmlDocument::Read(const std::string& path) {
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });

  LEDGER_ASSIGN_OR_RETURN(const std::string file, ReadFile(path));
  std::string_view bytes = file;
  const bool bom = bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom;
  if (bom) bytes.remove_prefix(kUtf8Bom.size());
  if (bytes.find_first_not_of(kBlanks) == std::string_view::npos) {
    return InvalidArgument(Where(path, 1) +
                           "empty file (the export is incomplete: export it again from SIECLE)");
  }

  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument(path +
                           ": larger than 2 GiB, not a SIECLE export of one establishment "
                           "(check the file given)");
  }

  ErrorCapture capture;
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (ctxt == nullptr) return Internal(path + ": libxml2 could not allocate a parser");
  EntityRefusal refusal;
  ctxt->_private = &refusal;
  ctxt->sax->entityDecl = &OnEntityDecl;
  ctxt->sax->reference = &OnReference;
  ctxt->sax->externalSubset = &OnExternalSubset;
  ctxt->sax->startElementNs = &OnStartElement;

  int options = XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_BIG_LINES;
  // The BOM says UTF-8: parse as UTF-8 and ignore the declaration.
  if (bom) options |= XML_PARSE_IGNORE_ENC;
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlCtxtReadMemory(ctxt.get(), bytes.data(), static_cast<int>(bytes.size()), path.c_str(),
                        bom ? "UTF-8" : nullptr, options));

  if (refusal.line != 0) {
    return InvalidArgument(Where(path, refusal.line) + refusal.what +
                           ": entities are not allowed in a SIECLE export and are never "
                           "expanded (export the file again from SIECLE)");
  }
  if (doc == nullptr || !capture.errors().empty()) {
    return ParseError(path, bytes, bom, capture);
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    return InvalidArgument(Where(path, 1) + "no root element (export the file again from SIECLE)");
  }
  return XmlDocument(path, doc.release());
}

Status XmlDocument::ErrorAt(const xmlNode* node, std::string_view what) const {
  return InvalidArgument(Where(path_, Line(node)) + std::string(what));
}

std::string_view Name(const xmlNode* node) { return node == nullptr ? "" : View(node->name); }

int Line(const xmlNode* node) {
  if (node == nullptr) return 0;
  if (node->type == XML_ELEMENT_NODE && node->_private != nullptr) {
    return static_cast<int>(reinterpret_cast<intptr_t>(node->_private));
  }
  return static_cast<int>(xmlGetLineNo(const_cast<xmlNode*>(node)));
}

const xmlNode* Child(const xmlNode* parent, std::string_view name) {
  return parent == nullptr ? nullptr : NextElement(parent->children, name);
}

const xmlNode* NextSibling(const xmlNode* node, std::string_view name) {
  return node == nullptr ? nullptr : NextElement(node->next, name);
}

std::string Text(const xmlNode* node) {
  if (node == nullptr) return "";
  std::string text;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) text += View(c->content);
  }
  return Trim(text);
}

std::string ChildText(const xmlNode* parent, std::string_view name) {
  return Text(Child(parent, name));
}

std::string Attribute(const xmlNode* node, const char* name) {
  if (node == nullptr) return "";
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  std::string result = Trim(View(value));
  xmlFree(value);
  return result;
}

}  // namespace ledger::import::siecle_internal
