#include "attest/rim/rim_schema.h"

#include <libxml/parserInternals.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlschemas.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <string_view>

#include "attest/rim/rim_schema_data.h"
#include "attest/rim/xml_util.h"

namespace ccgpu::attest {
namespace {

using internal::Chars;

constexpr std::string_view kScheme = "ccgpu-rim-schema:";

const internal::EmbeddedSchemaFile* FindEmbedded(std::string_view name) {
  for (std::size_t i = 0; i < internal::kEmbeddedRimSchemaCount; ++i) {
    if (name == internal::kEmbeddedRimSchemas[i].name) return &internal::kEmbeddedRimSchemas[i];
  }
  return nullptr;
}

// Serves "ccgpu-rim-schema:/<name>" from the compiled-in schemas; everything
// else goes to libxml2's no-network loader (local files only).
xmlParserInputPtr SchemaLoader(const char* url, const char* id, xmlParserCtxtPtr ctxt) {
  if (url != nullptr && std::string_view(url).substr(0, kScheme.size()) == kScheme) {
    std::string_view rest(url);
    auto slash = rest.find_last_of("/:");
    const internal::EmbeddedSchemaFile* file = FindEmbedded(rest.substr(slash + 1));
    if (file == nullptr || ctxt == nullptr) return nullptr;
    xmlParserInputBufferPtr buf = xmlParserInputBufferCreateMem(
        static_cast<const char*>(static_cast<const void*>(file->data)),
        static_cast<int>(file->size), XML_CHAR_ENCODING_NONE);
    if (buf == nullptr) return nullptr;
    xmlParserInputPtr input = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE);
    if (input == nullptr) {
      xmlFreeParserInputBuffer(buf);
      return nullptr;
    }
    input->filename = Chars(xmlStrdup(internal::XmlStr(url)));
    return input;
  }
  return xmlNoNetExternalEntityLoader(url, id, ctxt);
}

std::once_flag g_loader_once;
void InstallLoader() {
  internal::InitLibxml();
  std::call_once(g_loader_once, [] { xmlSetExternalEntityLoader(&SchemaLoader); });
}

void CollectError(void* ctx, xmlErrorPtr err) {
  auto* out = static_cast<std::string*>(ctx);
  if (out == nullptr || err == nullptr || out->size() > 2048) return;
  if (!out->empty()) out->append("; ");
  out->append("line ").append(std::to_string(err->line)).append(": ");
  std::string msg = err->message != nullptr ? err->message : "schema error";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  out->append(msg);
}

}  // namespace

struct RimSchema::Impl {
  xmlSchemaPtr schema = nullptr;
  xmlDocPtr main_doc = nullptr;  // kept alive with the schema
  ~Impl() {
    if (schema != nullptr) xmlSchemaFree(schema);
    if (main_doc != nullptr) xmlFreeDoc(main_doc);
  }
};

RimSchema::RimSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RimSchema::~RimSchema() = default;

namespace {
Result<std::shared_ptr<const RimSchema>> Compile(xmlSchemaParserCtxtPtr pctxt, xmlDocPtr doc,
                                                 std::string* messages) {
  if (pctxt == nullptr) {
    if (doc != nullptr) xmlFreeDoc(doc);
    return Fail(Errc::kSchemaInvalid, "rim schema: cannot create the schema parser");
  }
  xmlSchemaSetParserStructuredErrors(pctxt, &CollectError, messages);
  xmlSchemaPtr schema = xmlSchemaParse(pctxt);
  xmlSchemaFreeParserCtxt(pctxt);
  auto impl = std::make_unique<RimSchema::Impl>();
  impl->main_doc = doc;
  impl->schema = schema;
  if (schema == nullptr) return Fail(Errc::kSchemaInvalid, "rim schema: XSD does not compile");
  return std::shared_ptr<const RimSchema>(std::make_shared<RimSchema>(std::move(impl)));
}
}  // namespace

Result<std::shared_ptr<const RimSchema>> RimSchema::Builtin() {
  static std::once_flag once;
  static Result<std::shared_ptr<const RimSchema>> builtin =
      Fail(Errc::kSchemaInvalid, "rim schema: not compiled");
  std::call_once(once, [] {
    InstallLoader();
    const internal::EmbeddedSchemaFile* main = FindEmbedded("swidSchema2015.xsd");
    if (main == nullptr) return;
    const std::string url = std::string(kScheme) + "/swidSchema2015.xsd";
    xmlDocPtr doc = xmlReadMemory(static_cast<const char*>(static_cast<const void*>(main->data)),
                                  static_cast<int>(main->size), url.c_str(), nullptr,
                                  XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    if (doc == nullptr) return;
    std::string messages;
    builtin = Compile(xmlSchemaNewDocParserCtxt(doc), doc, &messages);
  });
  return builtin;
}

Result<std::shared_ptr<const RimSchema>> RimSchema::FromDirectory(const std::string& dir) {
  InstallLoader();
  const std::string path = (std::filesystem::path(dir) / "swidSchema2015.xsd").string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Fail(Errc::kNotFound, "rim schema: swidSchema2015.xsd not found in the directory");
  }
  std::string messages;
  return Compile(xmlSchemaNewParserCtxt(path.c_str()), nullptr, &messages);
}

Status RimSchema::Validate(ByteSpan xml, std::string* detail) const {
  CCGPU_ASSIGN_OR_RETURN(internal::XmlDoc doc, internal::ParseHardened(xml));
  return ValidateTree(doc.get(), detail);
}

Status RimSchema::Validate(const crypto::XmlDocument& doc, std::string* detail) const {
  internal::InitLibxml();
  return ValidateTree(doc.get(), detail);
}

Status RimSchema::ValidateTree(xmlDoc* doc, std::string* detail) const {
  if (doc == nullptr) return Fail(Errc::kMalformed, "rim: no document");
  xmlSchemaValidCtxtPtr vctxt = xmlSchemaNewValidCtxt(impl_->schema);
  if (vctxt == nullptr) return Fail(Errc::kSchemaInvalid, "rim schema: cannot create a validator");
  std::string messages;
  xmlSchemaSetValidStructuredErrors(vctxt, &CollectError, &messages);
  const int rc = xmlSchemaValidateDoc(vctxt, doc);
  xmlSchemaFreeValidCtxt(vctxt);
  if (rc != 0) {
    if (detail != nullptr) *detail = messages.empty() ? "does not conform" : messages;
    return Fail(Errc::kSchemaInvalid, "rim schema: document does not conform to swidSchema2015.xsd");
  }
  return OkStatus();
}

}  // namespace ccgpu::attest
