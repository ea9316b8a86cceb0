// NVIDIA GPU / NVSwitch attestation evidence: the raw blob NVML returns
// (nvmlDeviceGetConfComputeGpuAttestationReport), which is an SPDM 1.1
// GET_MEASUREMENTS request followed by its signed MEASUREMENTS response
// (DSP0274 1.1 §10.11), with NVIDIA's opaque-data TLVs.
//
// Parsing is pure (no crypto): it reads the bytes through ByteReader and
// decodes every opaque field NVIDIA defines. Parsed structs own their bytes
// (copied), so an Evidence outlives the buffer it was parsed from.
#ifndef CCGPU_ATTEST_EVIDENCE_H_
#define CCGPU_ATTEST_EVIDENCE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::attest {

// Which kind of device produced the evidence. The opaque TLV ids 22..27 mean
// different things on a GPU and on an NVSwitch, so the parser needs it.
enum class DeviceKind { kGpu, kSwitch };

// GPU architecture (NVML: 9 = Hopper, 10 = Blackwell) or the NVSwitch family.
enum class Arch { kHopper, kBlackwell, kLs10 };
DeviceKind KindOf(Arch arch);
std::string_view ArchName(Arch arch);  // "HOPPER", "BLACKWELL", "LS10"
// Parses NVIDIA's "arch" strings (case-insensitive: HOPPER, BLACKWELL, LS10,
// NVSWITCH). kInvalidArgument otherwise.
Result<Arch> ParseArch(std::string_view text);

inline constexpr std::size_t kSpdmNonceSize = 32;
inline constexpr std::size_t kGetMeasurementsRequestSize = 37;
inline constexpr std::size_t kEvidenceSignatureSize = 96;  // P-384 raw r||s
inline constexpr std::size_t kFwidSize = 48;

// DSP0274 1.1 §10.11.1 GET_MEASUREMENTS request (37 bytes as NVIDIA sends it:
// signature requested, so Nonce and SlotIDParam are present).
struct MeasurementsRequest {
  uint8_t spdm_version = 0;           // 0x11
  uint8_t request_response_code = 0;  // 0xE0
  uint8_t param1 = 0;                 // 0x01: signature requested
  uint8_t param2 = 0;                 // 0xFF: all measurement blocks
  std::array<uint8_t, kSpdmNonceSize> nonce{};
  uint8_t slot_id_param = 0;
};

// DSP0274 1.1 §10.11.2 measurement block with a DSP0274 Table 45 DMTF
// measurement value.
struct MeasurementBlock {
  uint8_t index = 0;                      // numbered from 1
  uint8_t measurement_specification = 0;  // 0x01 = DMTF
  uint8_t dmtf_value_type = 0;            // DMTFSpecMeasurementValueType
  Bytes value;                            // DMTFSpecMeasurementValue
};

// NVIDIA opaque-data field ids (u16 type | u16 length | value, LE).
enum class OpaqueId : uint16_t {
  kCertIssuerName = 1,
  kCertAuthorityKeyIdentifier = 2,
  kDriverVersion = 3,
  kGpuInfo = 4,
  kSku = 5,
  kVbiosVersion = 6,
  kManufacturerId = 7,
  kTamperDetection = 8,
  kSmc = 9,
  kVpr = 10,
  kNvdec0Status = 11,
  kMsrscnt = 12,
  kCprinfo = 13,
  kBoardId = 14,
  kChipSku = 15,
  kChipSkuMod = 16,
  kProject = 17,
  kProjectSku = 18,
  kProjectSkuMod = 19,
  kFwid = 20,
  kProtectedPcieStatus = 21,
  kSwitchPdi = 22,        // NVSwitch: DEVICE_PDI
  kFloorsweptPorts = 23,  // NVSwitch: DISABLED_PORTS
  kPositionId = 24,       // NVSwitch: SWITCH_POSITION_ID
  kLockSwitchStatus = 25, // NVSwitch: SWITCH_LOCK_STATUS
  kSwitchGpuPdis = 26,    // NVSwitch only: GPU PDIs + per-port GPU map
  kSwitchPorts = 27,      // NVSwitch only
  kGpuLinkConn = 32,
  kSysEnableStatus = 33,
  kOpaqueDataVersion = 34,
  kChipInfo = 35,
  kFeatureFlag = 36,
  kInvalid = 255,
};

// NVIDIA's name of an opaque field ("OPAQUE_FIELD_ID_DRIVER_VERSION"), as
// used in NVIDIA's parse dumps; depends on the device kind for ids 22..27.
// "OPAQUE_FIELD_ID_UNKNOWN" for ids NVIDIA does not define.
std::string_view OpaqueFieldName(uint16_t type, DeviceKind kind);

inline constexpr uint8_t kNvdec0Enabled = 0xAA;
inline constexpr uint8_t kNvdec0Disabled = 0x55;

// GPU operating mode from FEATURE_FLAG (NVAT's mapping: 0 MPT, 1 SPT, 2 PPCIe).
enum class GpuMode { kMpt, kSpt, kPpcie };
std::string_view GpuModeName(GpuMode mode);  // "mpt", "spt", "ppcie"

struct OpaqueField {
  uint16_t type = 0;
  Bytes value;
};

// The opaque TLVs, in order, and the decoded values of the ones NVIDIA
// defines. A decoded member is empty when its TLV is absent.
struct OpaqueData {
  std::vector<OpaqueField> fields;

  std::optional<std::string> driver_version;   // ASCII up to the first NUL
  std::optional<std::string> vbios_version;    // "96.00.9F.00.01"
  std::optional<std::string> project;          // "1010", "G520"
  std::optional<std::string> project_sku;      // "0200"
  std::optional<std::string> project_sku_mod;
  std::optional<std::string> chip_sku;         // "882"
  std::optional<std::string> chip_sku_mod;
  std::optional<std::string> chip_info;        // Blackwell: "GB100"
  std::optional<Bytes> fwid;                   // 48 bytes
  std::optional<uint8_t> nvdec0_status;        // 0xAA / 0x55
  std::optional<uint8_t> protected_pcie_status;
  std::vector<uint32_t> msrscnt;               // per measurement index
  std::optional<uint16_t> opaque_data_version;
  std::optional<uint16_t> feature_flag;
  std::optional<uint32_t> board_id;
  // GPU: SWITCH_PDI list; NVSwitch: DEVICE_PDI (one) and the GPU PDIs.
  std::vector<Bytes> switch_pdis;
  std::optional<Bytes> device_pdi;
  std::vector<Bytes> switch_gpu_pdis;
  std::vector<uint8_t> switch_ports;           // NVSwitch: port -> GPU map
  std::vector<uint8_t> disabled_ports;         // NVSwitch: 64 x 0/1
  std::optional<uint16_t> switch_position_id;
  std::optional<uint16_t> switch_lock_status;

  // The first TLV of this type, or null.
  const OpaqueField* Find(OpaqueId id) const;
  // FEATURE_FLAG as a mode (kMpt when absent or when opaque version < 1, as
  // NVAT does). kMalformed for an unknown value.
  Result<GpuMode> Mode() const;
};

// Parses NVIDIA opaque data. kTruncated if a TLV runs past the end;
// kMalformed (context names the field) if a known field has the wrong size
// or is not the text it must be.
Result<OpaqueData> ParseOpaqueData(ByteSpan data, DeviceKind kind);

// VBIOS_VERSION (GPU, 8 bytes LE) to NVIDIA's text form: bytes
// 00 9f 00 96 01 00 00 00 -> "96.00.9F.00.01". kMalformed unless 8 bytes.
Result<std::string> DecodeGpuVbiosVersion(ByteSpan value);

// DSP0274 1.1 §10.11.2 MEASUREMENTS response.
struct MeasurementsResponse {
  uint8_t spdm_version = 0;           // 0x11
  uint8_t request_response_code = 0;  // 0x60
  uint8_t param1 = 0;
  uint8_t param2 = 0;
  uint8_t number_of_blocks = 0;
  uint32_t measurement_record_length = 0;
  std::vector<MeasurementBlock> blocks;
  std::array<uint8_t, kSpdmNonceSize> nonce{};  // responder's nonce
  uint16_t opaque_length = 0;
  OpaqueData opaque;
  std::array<uint8_t, kEvidenceSignatureSize> signature{};

  // The block with this SPDM index (from 1), or null.
  const MeasurementBlock* Block(uint8_t index) const;
};

// A parsed evidence blob.
struct Evidence {
  DeviceKind kind = DeviceKind::kGpu;
  Bytes raw;                 // request || response
  MeasurementsRequest request;
  MeasurementsResponse response;

  // What the signature covers: request || response without the signature.
  ByteSpan SignedBytes() const {
    return ByteSpan(raw).first(raw.size() - kEvidenceSignatureSize);
  }
};

// Parses a 37-byte GET_MEASUREMENTS request. kTruncated / kTrailingData on
// a wrong size; kMalformed if the version is not 0x11 or the code is not
// 0xE0; kUnsupported if no signature was requested (Param1 bit 0 clear).
Result<MeasurementsRequest> ParseMeasurementsRequest(ByteSpan data);

// Parses a MEASUREMENTS response that carries a 96-byte signature.
// kTruncated if any field runs past the end; kTrailingData if bytes follow
// the signature; kMalformed if the header, a block's specification, sizes or
// the record length disagree; opaque errors as ParseOpaqueData.
Result<MeasurementsResponse> ParseMeasurementsResponse(ByteSpan data,
                                                       DeviceKind kind);

// Parses request || response. Errors as the two parsers above.
Result<Evidence> ParseEvidence(ByteSpan blob, DeviceKind kind);

// Parses the hex text form (whitespace around it ignored). kInvalidHex on an
// odd length or a non-hex character, then as ParseEvidence.
Result<Evidence> ParseEvidenceHex(std::string_view text, DeviceKind kind);

// One entry of NVIDIA's JSON evidence list (NRAS / nvattest format):
// {"arch", "nonce" (hex), "evidence" (base64 blob), "certificate" (base64 of
// the PEM chain), optional "driver_version", "vbios_version", "version"}.
struct EvidenceListEntry {
  Arch arch = Arch::kHopper;
  std::optional<Bytes> nonce;
  Bytes evidence;           // the raw blob
  std::string certificate;  // PEM chain text
  std::optional<std::string> driver_version;
  std::optional<std::string> vbios_version;
};

// Parses the JSON list. kInvalidJson if the text is not JSON, not a list or
// an entry lacks a required member; kInvalidBase64 / kInvalidHex for bad
// encodings; kInvalidArgument for an unknown arch.
Result<std::vector<EvidenceListEntry>> ParseEvidenceList(std::string_view json_text);

// NVIDIA's golden parse dump shape (the JSON the attestation SDK's SPDM
// tests compare): {"SPDMVersion": "0x11", ..., "MeasurementRecord":
// {"NumberOfBlocks", "MeasurementBlocks": {"1": {...}}}, "OpaqueData":
// {"OpaqueDataField": {...}}} and the request's {"SPDMVersion", ...,
// "Nonce", "SlotIDParam"}. Returned as JSON text.
std::string ResponseToNvidiaJson(const MeasurementsResponse& response, DeviceKind kind);
std::string RequestToNvidiaJson(const MeasurementsRequest& request);

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_EVIDENCE_H_
