// XSD validation of RIM documents against the ISO/IEC 19770-2:2015 SWID
// schema (swidSchema2015.xsd, which imports the W3C XML Signature schema
// signSchema.xsd and xml.xsd), as NVIDIA's verifiers do before checking the
// signature.
//
// The schemas ship with ccgpu: data/rim-schemas/ is compiled into this
// library, so the verifier validates at runtime without files or network.
// Schema imports are resolved ONLY from the compiled-in copies (or, for
// FromDirectory, from local files): the process-wide libxml2 external-entity
// loader is replaced once by one that serves the compiled-in schemas and
// otherwise behaves like xmlNoNetExternalEntityLoader (local files only,
// never http/ftp).
#ifndef CCGPU_ATTEST_RIM_RIM_SCHEMA_H_
#define CCGPU_ATTEST_RIM_RIM_SCHEMA_H_

#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/xmldsig/xmldsig.h"

namespace ccgpu::attest {

// A compiled schema. Immutable; Validate may run on many threads at once.
class RimSchema {
 public:
  // The schemas compiled into the library; compiled once per process on
  // first use (thread-safe) and shared. kSchemaInvalid if they fail to
  // compile (a build defect).
  static Result<std::shared_ptr<const RimSchema>> Builtin();
  // Loads `dir`/swidSchema2015.xsd and resolves its imports relative to it
  // (local files only). kNotFound if the file is missing, kSchemaInvalid if
  // it does not compile.
  static Result<std::shared_ptr<const RimSchema>> FromDirectory(const std::string& dir);

  // Validates `xml` (parsed hardened: no network, no entities, no DTD).
  // kOutOfRange (> 16 MiB), kMalformed (not well-formed / DTD present),
  // kSchemaInvalid when it does not conform; `detail` (optional) receives
  // libxml2's first messages with line numbers, e.g. "line 3: Element
  // '{…}Payload': This element is not expected. Expected is ( {…}Meta )."
  Status Validate(ByteSpan xml, std::string* detail = nullptr) const;
  // Same on an already parsed document (parsed with the same hardened rules
  // by crypto::XmlDocument::Parse); the tree is only read. kSchemaInvalid.
  Status Validate(const crypto::XmlDocument& doc, std::string* detail = nullptr) const;

  struct Impl;  // libxml2 state (opaque)
  explicit RimSchema(std::unique_ptr<Impl> impl);
  ~RimSchema();
  RimSchema(const RimSchema&) = delete;
  RimSchema& operator=(const RimSchema&) = delete;

 private:
  Status ValidateTree(_xmlDoc* doc, std::string* detail) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_RIM_RIM_SCHEMA_H_
