// VENDOR_DEFINED_REQUEST / VENDOR_DEFINED_RESPONSE codecs (DSP0274 1.2 §10.14).
// Borrowed: VendorID and payload spans point into the input.
#ifndef CCGPU_SPDM_WIRE_VENDOR_DEFINED_H_
#define CCGPU_SPDM_WIRE_VENDOR_DEFINED_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// StandardID registry (DSP0274 1.2 Table "Registry or standards body ID").
namespace standard_id {
inline constexpr uint16_t kDmtf = 0;
inline constexpr uint16_t kTcg = 1;
inline constexpr uint16_t kUsb = 2;
inline constexpr uint16_t kPciSig = 3;
inline constexpr uint16_t kIana = 4;
inline constexpr uint16_t kHdbaseT = 5;
inline constexpr uint16_t kMipi = 6;
inline constexpr uint16_t kCxl = 7;
inline constexpr uint16_t kJedec = 8;
inline constexpr uint16_t kVesa = 9;
inline constexpr uint16_t kIanaCbor = 10;  // 1.3
}  // namespace standard_id

// Both directions: header(Param1/Param2 reserved) | StandardID u16 | Len u8 |
// VendorID[Len] | ReqLength/RespLength u16 | payload.
struct VendorDefinedRequest {
  uint8_t version = kVersion12;
  uint16_t standard_id = 0;
  ByteSpan vendor_id;
  ByteSpan payload;
};
struct VendorDefinedResponse {
  uint8_t version = kVersion12;
  uint16_t standard_id = 0;
  ByteSpan vendor_id;
  ByteSpan payload;
};

// Len or ReqLength past the end: kTruncated; short of it: kTrailingData.
Result<VendorDefinedRequest> ParseVendorDefinedRequest(ByteSpan msg,
                                                       const ParseParams& p);
// kInvalidArgument if VendorID > 255 or the payload > 65535 bytes.
Result<Bytes> SerializeVendorDefinedRequest(const VendorDefinedRequest& m);
Result<VendorDefinedResponse> ParseVendorDefinedResponse(ByteSpan msg,
                                                         const ParseParams& p);
Result<Bytes> SerializeVendorDefinedResponse(const VendorDefinedResponse& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_VENDOR_DEFINED_H_
