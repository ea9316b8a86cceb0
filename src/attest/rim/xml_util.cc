#include "attest/rim/xml_util.h"

#include <libxml/xmlerror.h>

#include <cstring>
#include <mutex>

namespace ccgpu::attest::internal {
namespace {
std::once_flag g_libxml_once;
void Ignore(void* /*ctx*/, xmlErrorPtr /*error*/) {}
}  // namespace

void InitLibxml() {
  std::call_once(g_libxml_once, [] { xmlInitParser(); });
  // Per-thread in libxml2: drop messages instead of printing them.
  xmlSetStructuredErrorFunc(nullptr, &Ignore);
}

Result<XmlDoc> ParseHardened(ByteSpan xml) {
  InitLibxml();
  if (xml.size() > (16u << 20)) return Fail(Errc::kOutOfRange, "rim: document larger than 16 MiB");
  if (xml.empty()) return Fail(Errc::kMalformed, "rim: empty document");
  // XML_PARSE_NONET: no fetching; no NOENT (entities stay references) and no
  // DTDLOAD (the external subset is never read).
  const int options = XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR;
  XmlDoc doc(xmlReadMemory(static_cast<const char*>(static_cast<const void*>(xml.data())),
                           static_cast<int>(xml.size()), nullptr, nullptr, options));
  if (!doc) return Fail(Errc::kMalformed, "rim: not well-formed XML");
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return Fail(Errc::kMalformed, "rim: document type declarations (DTD) are refused");
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    return Fail(Errc::kMalformed, "rim: document has no root element");
  }
  return doc;
}

bool IsElement(const xmlNode* n, const char* ns, const char* local_name) {
  return n != nullptr && n->type == XML_ELEMENT_NODE && n->ns != nullptr &&
         n->ns->href != nullptr && std::strcmp(Chars(n->ns->href), ns) == 0 &&
         std::strcmp(Chars(n->name), local_name) == 0;
}

std::optional<std::string> Attr(const xmlNode* n, const char* ns, const char* name) {
  for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
    if (std::strcmp(Chars(a->name), name) != 0) continue;
    const bool ns_matches = ns == nullptr ? a->ns == nullptr
                                          : (a->ns != nullptr && a->ns->href != nullptr &&
                                             std::strcmp(Chars(a->ns->href), ns) == 0);
    if (!ns_matches) continue;
    std::string value;
    for (const xmlNode* t = a->children; t != nullptr; t = t->next) {
      if (t->content != nullptr) value += Chars(t->content);
    }
    return value;
  }
  return std::nullopt;
}

}  // namespace ccgpu::attest::internal
