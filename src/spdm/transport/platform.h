// The DMTF spdm-emu "platform port" framing used over TCP between requester
// and responder emulators (spdm-emu spdm_emu_common/command.h), and the
// transport-layer encapsulations its NORMAL frames carry: MCTP (DSP0275/
// DSP0276) and PCI DOE (PCIe r6 §6.30, DSP0276 CMA/DOE binding). Pure codecs.
//
// Frame: command u32 BE | transport_type u32 BE | payload_size u32 BE |
// payload.
#ifndef CCGPU_SPDM_TRANSPORT_PLATFORM_H_
#define CCGPU_SPDM_TRANSPORT_PLATFORM_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::spdm::transport {

inline constexpr uint16_t kDefaultPlatformPort = 2323;  // MCTP, PCI_DOE, NONE
inline constexpr uint16_t kTcpPlatformPort = 4194;      // --trans TCP
inline constexpr std::size_t kFrameHeaderSize = 12;
// Default bound on one frame's payload (spdm-emu's sender/receiver buffer is
// of this order); larger frames are refused before any allocation.
inline constexpr std::size_t kDefaultMaxPayload = 0x12000;

// Platform-port commands.
namespace command {
inline constexpr uint32_t kNormal = 0x0001;
inline constexpr uint32_t kOobEncapKeyUpdate = 0x8001;
inline constexpr uint32_t kOobEncapEndpointInfo = 0x8002;
inline constexpr uint32_t kTest = 0xDEAD;
inline constexpr uint32_t kContinue = 0xFFFD;
inline constexpr uint32_t kShutdown = 0xFFFE;
inline constexpr uint32_t kUnknown = 0xFFFF;
}  // namespace command

// transport_type values.
enum class TransportType : uint32_t {
  kNone = 0,    // bare SPDM, no secured sessions
  kMctp = 1,    // MCTP message type byte, then the message
  kPciDoe = 2,  // DOE data object
};

// TEST payloads, NUL included (14 bytes each).
inline constexpr std::array<uint8_t, 14> kClientHello = {
    'C', 'l', 'i', 'e', 'n', 't', ' ', 'H', 'e', 'l', 'l', 'o', '!', 0};
inline constexpr std::array<uint8_t, 14> kServerHello = {
    'S', 'e', 'r', 'v', 'e', 'r', ' ', 'H', 'e', 'l', 'l', 'o', '!', 0};

struct FrameHeader {
  uint32_t command = command::kNormal;
  uint32_t transport_type = 0;
  uint32_t payload_size = 0;
};

struct Frame {
  uint32_t command = command::kNormal;
  uint32_t transport_type = 0;
  Bytes payload;
};

// Parses exactly 12 header bytes: kTruncated if fewer, kTrailingData if more.
Result<FrameHeader> ParseFrameHeader(ByteSpan header);
// Header + payload in one buffer (to be sent in one write). kOutOfRange if the
// payload does not fit a u32.
Result<Bytes> EncodeFrame(uint32_t command, uint32_t transport_type,
                          ByteSpan payload);
// A whole frame: kTruncated if payload_size runs past the end, kTrailingData if
// bytes follow, kResourceExhausted if payload_size > max_payload.
Result<Frame> ParseFrame(ByteSpan frame,
                         std::size_t max_payload = kDefaultMaxPayload);

// --- MCTP (DSP0275 message type byte; no MCTP transport header on this port)
// ---
inline constexpr uint8_t kMctpTypeSpdm = 0x05;
inline constexpr uint8_t kMctpTypeSecuredSpdm = 0x06;

struct MctpMessage {
  uint8_t type = kMctpTypeSpdm;
  ByteSpan body;  // borrowed
};
// type byte | body.
Bytes EncodeMctp(uint8_t type, ByteSpan body);
// kTruncated if empty; kUnsupported for the integrity-check bit (0x80) or a
// type other than 0x05/0x06.
Result<MctpMessage> DecodeMctp(ByteSpan payload);

// --- PCI DOE data objects (PCIe r6 §6.30.1) ---
inline constexpr uint16_t kDoeVendorPciSig = 0x0001;
inline constexpr uint8_t kDoeTypeDiscovery = 0x00;
inline constexpr uint8_t kDoeTypeSpdm = 0x01;
inline constexpr uint8_t kDoeTypeSecuredSpdm = 0x02;
inline constexpr std::size_t kDoeHeaderSize = 8;
inline constexpr std::size_t kDoeMaxDwords = 1u << 18;  // Length 0 encodes 2^18

struct DoeObject {
  uint16_t vendor_id = kDoeVendorPciSig;
  uint8_t type = kDoeTypeSpdm;
  ByteSpan body;  // borrowed; includes the 0..3 zero bytes of DWORD padding
};
// Header {VendorID u16 LE, DataObjectType u8, Reserved u8, Length u32 LE in
// DWORDs incl. header (bits 17:0)} | body | zero padding to a DWORD.
// kOutOfRange if the object exceeds 2^18 DWORDs.
Result<Bytes> EncodeDoe(uint8_t type, ByteSpan body,
                        uint16_t vendor_id = kDoeVendorPciSig);
// kTruncated under 8 bytes or if Length runs past the end; kTrailingData if
// bytes follow Length DWORDs; kMalformed for a Length below 2 DWORDs.
Result<DoeObject> DecodeDoe(ByteSpan payload);

// DOE Discovery request body: Index u8 | Version u8 (0) | Reserved u16.
Bytes EncodeDoeDiscoveryRequest(uint8_t index);
// kTruncated / kTrailingData unless exactly 4 bytes; returns Index.
Result<uint8_t> ParseDoeDiscoveryRequest(ByteSpan body);
// DOE Discovery response body: VendorID u16 | DataObjectType u8 | NextIndex u8.
struct DoeDiscoveryResponse {
  uint16_t vendor_id = kDoeVendorPciSig;
  uint8_t type = 0;
  uint8_t next_index = 0;
};
Bytes EncodeDoeDiscoveryResponse(const DoeDiscoveryResponse& r);
Result<DoeDiscoveryResponse> ParseDoeDiscoveryResponse(ByteSpan body);
// The responder's table: index 0 -> discovery, 1 -> SPDM, 2 -> secured SPDM
// (NextIndex 0 ends the list). kOutOfRange for a larger index.
Result<DoeDiscoveryResponse> DoeDiscoveryEntry(uint8_t index);

}  // namespace ccgpu::spdm::transport

#endif  // CCGPU_SPDM_TRANSPORT_PLATFORM_H_
