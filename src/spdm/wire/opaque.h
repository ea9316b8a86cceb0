// OpaqueData fields and their formats (DSP0274 1.2 §10.5 OtherParams /
// Table "General opaque data format"; 1.1 §"Opaque data" with the DMTF
// SpecID header) and the DSP0277 secured-message version elements carried in
// KEY_EXCHANGE(_RSP) opaque data. Borrowed: spans point into the input.
#ifndef CCGPU_SPDM_WIRE_OPAQUE_H_
#define CCGPU_SPDM_WIRE_OPAQUE_H_

#include <vector>

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// OpaqueDataLength u16 | OpaqueData. kTruncated if the data runs past the end;
// kMalformed if OpaqueDataLength > 1024 (DSP0274 1.2: shall not exceed 1024).
// Does not advance on failure.
Result<ByteSpan> ReadOpaqueField(ByteReader& r, const char* what);
// kInvalidArgument if `opaque` exceeds 1024 bytes.
Status WriteOpaqueField(ByteWriter& w, ByteSpan opaque);

enum class OpaqueFormat {
  // SPDM 1.1 (and 1.2 OpaqueDataFmt0-less peers): SpecID u32 = 0x444D5446
  // ("DMTF") | OpaqueVersion u8 = 1 | TotalElements u8 | Reserved u16 |
  // elements.
  kDmtfSpecId,
  // SPDM 1.2+ OpaqueDataFmt1: TotalElements u8 | Reserved(3) | elements.
  kFmt1,
};

inline constexpr uint32_t kOpaqueSpecIdDmtf = 0x444D5446;
inline constexpr uint8_t kOpaqueElementIdDmtf = 0x00;  // registry ID: DMTF

// One element: ID u8 | VendorLen u8 | VendorID | OpaqueElementDataLen u16 |
// OpaqueElementData | zero padding so the element is a multiple of 4 bytes.
struct OpaqueElement {
  uint8_t id = kOpaqueElementIdDmtf;
  ByteSpan vendor_id;
  ByteSpan data;
};

// Parses an opaque-data table (KEY_EXCHANGE(_RSP) use the DMTF SpecID header
// in 1.1 and OpaqueDataFmt1 in 1.2+ when negotiated).
// kTruncated if an element or its padding runs past the end; kMalformed for a
// wrong SpecID/OpaqueVersion; kTrailingData after TotalElements elements.
Result<std::vector<OpaqueElement>> ParseOpaqueData(ByteSpan opaque,
                                                   OpaqueFormat format);
// kInvalidArgument for more than 255 elements or oversized fields.
Result<Bytes> SerializeOpaqueData(const std::vector<OpaqueElement>& elements,
                                  OpaqueFormat format);

// DSP0277 1.1 §8 secured-message opaque elements (DMTF element data):
// SMDataVersion u8 = 1 | SMDataID u8 | …
inline constexpr uint8_t kSmDataVersion = 1;
inline constexpr uint8_t kSmDataIdVersionSelection = 0;
inline constexpr uint8_t kSmDataIdSupportedVersionList = 1;

// Which element this is, for dispatch: kTruncated if under 2 bytes.
Result<uint8_t> SmDataId(ByteSpan element_data);
// VersionSelection: SMDataVersion | SMDataID = 0 | SelectedVersion u16 (a
// VersionNumberEntry, e.g. 0x1200 = DSP0277 1.2). kMalformed if the IDs differ.
Result<uint16_t> ParseSmVersionSelection(ByteSpan element_data);
Bytes SerializeSmVersionSelection(uint16_t selected_version);
// SupportedVersionList: SMDataVersion | SMDataID = 1 | VersionCount u8 |
// VersionsList u16[VersionCount]. kMalformed for a count of 0 or wrong IDs.
Result<std::vector<uint16_t>> ParseSmSupportedVersions(ByteSpan element_data);
// kInvalidArgument for 0 or more than 255 versions.
Result<Bytes> SerializeSmSupportedVersions(
    const std::vector<uint16_t>& versions);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_OPAQUE_H_
