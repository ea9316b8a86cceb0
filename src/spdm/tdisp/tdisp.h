// PCIe TDISP message codecs (TEE Device Interface Security Protocol, PCIe
// Base 6.1 §11; codes and layouts as in DMTF libspdm
// include/industry_standard/pci_tdisp.h and spdm-emu's TDISP samples).
//
// Pure functions over bytes: no state, no crypto, no I/O. Untrusted bytes are
// read only through ByteReader. Parsed structs borrow spans of the input where
// a field is variable-sized (the report portion, extended error data); fixed
// fields are copied.
//
// How TDISP rides on SPDM (reference/tdisp.md §3.1):
//   VENDOR_DEFINED_REQUEST/RESPONSE (DSP0274 §10.14), inside a secured session:
//     StandardID = 3 (PCI-SIG) | Len = 2 | VendorID = 0x0001 | ReqLength |
//     payload = ProtocolID (0x01 = TDISP) | TDISP message
//   TDISP message = version (0x10) | message_type | reserved[2] |
//                   INTERFACE_ID { function_id u32 | reserved u64 } | body
// The StandardID/VendorID part is spdm/wire/vendor_defined.h's; this file
// handles the payload (ProtocolID + TDISP message).
//
// Conventions:
//  * All integers little-endian.
//  * Reserved fields: senders write zero, receivers ignore (so a message with
//    non-zero reserved bytes parses, and re-serialises with zeros).
//  * Trailing-data rule: every TDISP message's size is fixed by its type and
//    its own length/count fields (PCIe 6.1 §11.3 message tables); bytes past
//    that end are kTrailingData. TDISP_ERROR's extended error data runs to the
//    end of the message, so it has no trailing data by construction.
//  * Input that ends early: kTruncated. A length field that runs past the end:
//    kTruncated; one that stops short: kTrailingData. An unknown message type:
//    kUnsupported. A known response type where another was expected:
//    kMalformed. A field value the format forbids (TDI state > 3): kMalformed.
//  * The header's version byte is returned as read; callers decide
//    VERSION_MISMATCH (the parser does not reject versions).
#ifndef CCGPU_SPDM_TDISP_TDISP_H_
#define CCGPU_SPDM_TDISP_TDISP_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::spdm::tdisp {

// ---- SPDM VENDOR_DEFINED framing ----
inline constexpr uint16_t kStandardIdPciSig = 3;  // DSP0274 registry: PCI-SIG
// VendorID 0x0001 (PCI-SIG), little-endian as carried in the VendorID field.
inline constexpr std::array<uint8_t, 2> kVendorIdPciSig = {0x01, 0x00};
inline constexpr uint8_t kProtocolIdIdeKm = 0x00;
inline constexpr uint8_t kProtocolIdTdisp = 0x01;

// TDISP message version 1.0.
inline constexpr uint8_t kVersion10 = 0x10;
inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kStartNonceSize = 32;
using StartNonce = std::array<uint8_t, kStartNonceSize>;

// The VENDOR_DEFINED payload for a TDISP message: ProtocolID 0x01 | message.
// kInvalidArgument if the result would not fit ReqLength (65535 bytes).
Result<Bytes> WrapPayload(ByteSpan tdisp_message);
// The TDISP message inside a VENDOR_DEFINED payload (borrowed).
// kTruncated for an empty payload; kUnsupported for another protocol ID
// (IDE_KM included).
Result<ByteSpan> UnwrapPayload(ByteSpan vendor_payload);

// ---- header ----
enum class MessageType : uint8_t {
  // Responses.
  kVersion = 0x01,
  kCapabilities = 0x02,
  kLockInterfaceRsp = 0x03,
  kDeviceInterfaceReport = 0x04,
  kDeviceInterfaceState = 0x05,
  kStartInterfaceRsp = 0x06,
  kStopInterfaceRsp = 0x07,
  kBindP2pStreamRsp = 0x08,
  kUnbindP2pStreamRsp = 0x09,
  kSetMmioAttributeRsp = 0x0A,
  kVdmRsp = 0x0B,
  kError = 0x7F,
  // Requests.
  kGetVersion = 0x81,
  kGetCapabilities = 0x82,
  kLockInterfaceReq = 0x83,
  kGetDeviceInterfaceReport = 0x84,
  kGetDeviceInterfaceState = 0x85,
  kStartInterfaceReq = 0x86,
  kStopInterfaceReq = 0x87,
  kBindP2pStreamReq = 0x88,
  kUnbindP2pStreamReq = 0x89,
  kSetMmioAttributeReq = 0x8A,
  kVdmReq = 0x8B,
};
// "GET_TDISP_VERSION", "LOCK_INTERFACE_RESPONSE", …; "unknown" otherwise.
std::string_view MessageTypeName(uint8_t type);

// INTERFACE_ID: function_id = Requester ID (bits 15:0), Requester Segment
// (23:16), Segment valid (bit 24); 8 reserved bytes.
struct InterfaceId {
  uint32_t function_id = 0;
  friend bool operator==(const InterfaceId&, const InterfaceId&) = default;
};

struct Header {
  uint8_t version = kVersion10;
  uint8_t message_type = 0;
  InterfaceId interface_id;
};

// ---- TDI states (DEVICE_INTERFACE_STATE tdi_state) ----
enum class TdiState : uint8_t {
  kConfigUnlocked = 0,
  kConfigLocked = 1,
  kRun = 2,
  kError = 3,
};
// "CONFIG_UNLOCKED", "CONFIG_LOCKED", "RUN", "ERROR".
std::string_view TdiStateName(TdiState s);

// ---- TDISP_ERROR codes ----
enum class ErrorCode : uint32_t {
  kInvalidRequest = 0x0001,
  kBusy = 0x0003,
  kInvalidInterfaceState = 0x0004,
  kUnspecified = 0x0005,
  kUnsupportedRequest = 0x0007,
  kVersionMismatch = 0x0041,
  kVendorSpecificError = 0x00FF,
  kInvalidInterface = 0x0101,
  kInvalidNonce = 0x0102,
  kInsufficientEntropy = 0x0103,
  kInvalidDeviceConfiguration = 0x0104,
};
// "INVALID_NONCE", …; "unknown" for other values.
std::string_view ErrorCodeName(uint32_t code);

// LOCK_INTERFACE_REQUEST flags.
namespace lock_flags {
inline constexpr uint16_t kNoFwUpdate = 0x0001;
inline constexpr uint16_t kSystemCacheLineSize = 0x0002;
inline constexpr uint16_t kLockMsix = 0x0004;
inline constexpr uint16_t kBindP2p = 0x0008;
inline constexpr uint16_t kAllRequestRedirect = 0x0010;
}  // namespace lock_flags

// ---- requests ----
struct GetVersion {};
struct GetCapabilities {
  uint32_t tsm_caps = 0;
};
// LOCK_INTERFACE_PARAM: flags u16 | default_stream_id u8 | reserved u8 |
// mmio_reporting_offset u64 | bind_p2p_address_mask u64 (20 bytes).
struct LockInterface {
  uint16_t flags = 0;
  uint8_t default_stream_id = 0;
  uint64_t mmio_reporting_offset = 0;
  uint64_t bind_p2p_address_mask = 0;
};
struct GetInterfaceReport {
  uint16_t offset = 0;
  uint16_t length = 0;
};
struct GetInterfaceState {};
struct StartInterface {
  StartNonce start_interface_nonce{};
};
struct StopInterface {};

using RequestBody = std::variant<GetVersion, GetCapabilities, LockInterface, GetInterfaceReport,
                                 GetInterfaceState, StartInterface, StopInterface>;
struct Request {
  Header header;  // message_type is derived from body on serialise
  RequestBody body;
};

// The message type a request body is sent as (GET_TDISP_VERSION for
// GetVersion, …).
MessageType RequestType(const RequestBody& body);

// Parses one TDISP request message (no ProtocolID byte). kTruncated,
// kTrailingData, kUnsupported (a response code, BIND_P2P_STREAM, SET_MMIO_
// ATTRIBUTE, VDM or an unknown code), per the conventions above.
Result<Request> ParseRequest(ByteSpan msg);
// Builds a request; header.message_type is taken from the body's type.
Result<Bytes> SerializeRequest(const Request& m);

// ---- responses ----
struct VersionRsp {
  std::vector<uint8_t> versions;  // version_num_entry[version_num_count]
};
// TDISP_CAPABILITIES: dsm_caps u32 | req_msg_supported[16] |
// lock_interface_flags_supported u16 | reserved[3] | dev_addr_width u8 |
// num_req_this u8 | num_req_all u8 (28 bytes).
struct CapabilitiesRsp {
  uint32_t dsm_caps = 0;
  // Bit n set = request code 0x80 + n is supported.
  std::array<uint8_t, 16> req_msg_supported{};
  uint16_t lock_interface_flags_supported = 0;
  uint8_t dev_addr_width = 0;
  uint8_t num_req_this = 0;
  uint8_t num_req_all = 0;
};
struct LockInterfaceRsp {
  StartNonce start_interface_nonce{};
};
// DEVICE_INTERFACE_REPORT: portion_length u16 | remainder_length u16 |
// report[portion_length]. `portion` borrows the input.
struct InterfaceReportRsp {
  ByteSpan portion;
  uint16_t remainder_length = 0;
};
struct InterfaceStateRsp {
  TdiState tdi_state = TdiState::kConfigUnlocked;
};
struct StartInterfaceRsp {};
struct StopInterfaceRsp {};
// TDISP_ERROR: error_code u32 | error_data u32 | extended_error_data[].
struct ErrorRsp {
  uint32_t error_code = 0;
  uint32_t error_data = 0;
  ByteSpan extended_error_data;  // borrowed
};

using ResponseBody = std::variant<VersionRsp, CapabilitiesRsp, LockInterfaceRsp, InterfaceReportRsp,
                                  InterfaceStateRsp, StartInterfaceRsp, StopInterfaceRsp, ErrorRsp>;
struct Response {
  Header header;  // message_type is derived from body on serialise
  ResponseBody body;
};

// Parses one TDISP response message. kTruncated, kTrailingData,
// kUnsupported (a request code or an unimplemented response), kMalformed
// (tdi_state above 3).
Result<Response> ParseResponse(ByteSpan msg);
// kInvalidArgument: more than 255 versions, a portion above 65535 bytes.
Result<Bytes> SerializeResponse(const Response& m);

// The request message_type a response type answers (0x81 for 0x01, …); 0 for
// TDISP_ERROR and unknown values.
uint8_t RequestTypeFor(uint8_t response_type);

}  // namespace ccgpu::spdm::tdisp

#endif  // CCGPU_SPDM_TDISP_TDISP_H_
