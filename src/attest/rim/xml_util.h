// Internal libxml2 helpers shared by the RIM reader and schema validator.
// Not part of the public API.
#ifndef CCGPU_ATTEST_RIM_XML_UTIL_H_
#define CCGPU_ATTEST_RIM_XML_UTIL_H_

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::attest::internal {

struct XmlDocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocDeleter>;

// libxml2 strings are UTF-8 bytes typed unsigned char.
inline const char* Chars(const xmlChar* s) {
  return static_cast<const char*>(static_cast<const void*>(s));
}
inline const xmlChar* XmlStr(const char* s) {
  return static_cast<const xmlChar*>(static_cast<const void*>(s));
}

// Initialises libxml2 once (thread-safe) and silences its stderr output on
// the calling thread.
void InitLibxml();

// Parses with NONET, no entity substitution, no DTD loading; refuses any
// document with a DTD. kOutOfRange (> 16 MiB), kMalformed.
Result<XmlDoc> ParseHardened(ByteSpan xml);

bool IsElement(const xmlNode* n, const char* ns, const char* local_name);
// Value of attribute `name` in namespace `ns` (nullptr = no namespace).
std::optional<std::string> Attr(const xmlNode* n, const char* ns, const char* name);

}  // namespace ccgpu::attest::internal

#endif  // CCGPU_ATTEST_RIM_XML_UTIL_H_
