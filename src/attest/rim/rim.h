// Reader for NVIDIA reference integrity manifests (RIMs): ISO/IEC
// 19770-2:2015 SWID tags with the TCG PC Client RIM information model
// ("RIMIM" binding 1.01), as published for GPU drivers, VBIOS and NVSwitch
// BIOS. This file only READS the document; signature verification and
// schema validation are in rim_verifier.h / rim_schema.h.
//
// Document shape (reference: nvidia-attestation.md §1(c)):
//   <SoftwareIdentity name="GH100" tagId=… version="1.0" tagVersion="0">
//     <Entity …/>
//     <Meta colloquialVersion="550.144.03" product="GH100" edition="GPU"
//           tcg:FirmwareManufacturerId="5703" …/>
//     <Payload>
//       <Resource type="Measurement" index="7" active="True" alternatives="2"
//                 sha384:Hash0="<96 hex>" sha384:Hash1="…" name="Measurement_7"
//                 size="48"/> …
//     </Payload>
//     <ds:Signature>…</ds:Signature>
//   </SoftwareIdentity>
// RIM index i is compared with SPDM measurement block i+1 (done by the
// verifier, not here).
#ifndef CCGPU_ATTEST_RIM_RIM_H_
#define CCGPU_ATTEST_RIM_RIM_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/xmldsig/xmldsig.h"

namespace ccgpu::attest {

// Namespaces used by RIMs.
inline constexpr char kSwidNamespace[] = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
inline constexpr char kTcgRimNamespace[] =
    "https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/";
inline constexpr char kSha384Namespace[] = "http://www.w3.org/2001/04/xmlenc#sha384";
inline constexpr char kSha256Namespace[] = "http://www.w3.org/2001/04/xmlenc#sha256";
inline constexpr char kSha512Namespace[] = "http://www.w3.org/2001/04/xmlenc#sha512";

// Limits the reader enforces (kRimInvalid beyond them).
inline constexpr std::size_t kMaxRimMeasurements = 1024;
inline constexpr uint32_t kMaxRimIndex = 253;  // SPDM block index i+1 <= 254
inline constexpr std::size_t kMaxRimAlternatives = 64;

// One <Resource type="Measurement"> entry.
struct RimMeasurement {
  uint32_t index = 0;  // RIM index (SPDM block index - 1)
  bool active = false;
  // Golden values Hash0..Hash{alternatives-1}, each `size` bytes; a runtime
  // measurement matches when it equals any of them.
  std::vector<Bytes> alternatives;
  std::size_t size = 0;  // digest size in bytes (48 for SHA-384)
  std::string name;      // "Measurement_7", "HashedMeasurement_0_FSP"
};

// The parsed manifest. Owns all its data.
struct Rim {
  // <SoftwareIdentity>
  std::string name;          // "GH100", "LS10", "GB100"
  std::string tag_id;        // tagId
  std::string swid_version;  // version attribute ("1.0"), NOT the firmware version
  std::string tag_version;   // tagVersion
  // <Meta>
  std::string colloquial_version;  // driver "550.144.03" / VBIOS "96.00.5E.00.01"
  std::string product;             // "GH100"
  std::string edition;             // "GPU" / "SWITCH"
  std::string revision;
  std::string firmware_manufacturer;     // tcg:FirmwareManufacturer
  std::string firmware_manufacturer_id;  // tcg:FirmwareManufacturerId ("5703" → oemid)
  std::string platform_manufacturer_id;  // tcg:PlatformManufacturerId
  std::string platform_model;            // tcg:PlatformModel
  std::string binding_spec;              // tcg:BindingSpec ("RIMIM")
  std::string binding_spec_version;      // tcg:BindingSpecVersion ("1.01")
  // <Entity name>, first entity ("NVIDIA Corporation").
  std::string entity_name;
  // <Payload> measurements in document order; indices are unique.
  std::vector<RimMeasurement> measurements;

  // The entry with this index, or nullptr.
  const RimMeasurement* Find(uint32_t index) const;
  // Indices of active entries, ascending.
  std::vector<uint32_t> ActiveIndices() const;
};

// True when the RIM's colloquialVersion names `reported_version` (the
// driver or VBIOS version decoded from the evidence), compared ASCII
// case-insensitively ("96.00.5e.00.01" == "96.00.5E.00.01"), as NVIDIA's
// verifiers do. The caller decides whether a mismatch is an error (NVAT) or
// a warning (Python verifier).
bool RimVersionMatches(const Rim& rim, std::string_view reported_version);

// Where a parse failed, for reports (the Error context names the rule).
struct RimParseError {
  std::string element;  // "Resource #12" / "Meta" / "SoftwareIdentity"
  std::string detail;   // "attribute Hash2: 95 hex digits, expected 96"
};

// Parses RIM XML (no signature or schema check). Hardened parse: no
// network, no entity substitution, any DTD refused. Never crashes on
// arbitrary bytes. Errors:
//   kOutOfRange  larger than 16 MiB
//   kMalformed   not well-formed XML, or it carries a DTD
//   kRimInvalid  well-formed XML that is not a RIM or breaks a rule above
//                (the context names the rule; `error` says where).
Result<Rim> ParseRim(ByteSpan xml, RimParseError* error = nullptr);
// Same on a document already parsed (crypto::XmlDocument::Parse applies the
// same hardened rules), so the verifier parses a RIM once for schema,
// signature and content. kRimInvalid as above.
Result<Rim> ParseRim(const crypto::XmlDocument& doc, RimParseError* error = nullptr);

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_RIM_RIM_H_
