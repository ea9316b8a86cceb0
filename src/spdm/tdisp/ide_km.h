// PCIe IDE key management (IDE_KM, PCIe Base 6.0 §6.33.3; object IDs and
// layouts as in DMTF libspdm include/industry_standard/pci_idekm.h). IDE_KM
// rides like TDISP in SPDM VENDOR_DEFINED (PCI-SIG) inside a secured
// session, with ProtocolID 0x00: the TSM queries the device's IDE
// capability, programs the AES-256-GCM keys of a selective IDE stream for
// each direction and sub-stream, then switches key sets on (K_SET_GO) and
// off (K_SET_STOP).
//
// Pure functions over bytes (same conventions as tdisp.h): little-endian,
// reserved fields written zero and ignored on receipt, kTruncated /
// kTrailingData for a message shorter / longer than its object's fixed
// size, kUnsupported for an unknown object ID.
#ifndef CCGPU_SPDM_TDISP_IDE_KM_H_
#define CCGPU_SPDM_TDISP_IDE_KM_H_

#include <array>
#include <cstdint>
#include <variant>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"

namespace ccgpu::spdm::idekm {

enum class ObjectId : uint8_t {
  kQuery = 0x00,
  kQueryResp = 0x01,
  kKeyProg = 0x02,
  kKpAck = 0x03,
  kKSetGo = 0x04,
  kKSetStop = 0x05,
  kKSetGoStopAck = 0x06,
};

// KeySet / direction / sub-stream byte.
inline constexpr uint8_t kKeySetMask = 0x01;  // K0 = 0, K1 = 1
inline constexpr uint8_t kDirectionTx = 0x02;  // RX = 0
inline constexpr uint8_t kSubStreamMask = 0xF0;
inline constexpr uint8_t kSubStreamPr = 0x00;   // posted requests
inline constexpr uint8_t kSubStreamNpr = 0x10;  // non-posted requests
inline constexpr uint8_t kSubStreamCpl = 0x20;  // completions

// KP_ACK Status.
enum class KpAckStatus : uint8_t {
  kSuccess = 0x00,
  kIncorrectLength = 0x01,
  kUnsupportedPortIndex = 0x02,
  kUnsupportedValue = 0x03,
  kUnspecifiedFailure = 0x04,
};

inline constexpr std::size_t kKeySize = 32;  // AES-256-GCM key, 8 DW
inline constexpr std::size_t kIfvSize = 8;   // invocation field of the IV, 2 DW

// QUERY: ObjectID | Reserved | PortIndex.
struct Query {
  uint8_t port_index = 0;
};
// QUERY_RESP: ObjectID | Reserved | PortIndex | DevFuncNum | BusNum |
// Segment | MaxPortIndex | IDE extended capability (DWORDs to the end).
struct QueryResp {
  uint8_t port_index = 0;
  uint8_t dev_func_num = 0;
  uint8_t bus_num = 0;
  uint8_t segment = 0;
  uint8_t max_port_index = 0;
  ByteSpan ide_capability;  // borrowed; a multiple of 4 bytes
};
// KEY_PROG: ObjectID | Reserved(2) | StreamID | Reserved | KeySet/RxTx/SubStream
// | PortIndex | Key(32) | IFV(8). The key is a secret: parsed into SecretBytes.
struct KeyProg {
  uint8_t stream_id = 0;
  uint8_t key_sub_stream = 0;
  uint8_t port_index = 0;
  SecretBytes key;  // kKeySize bytes
  std::array<uint8_t, kIfvSize> ifv{};
};
// KP_ACK: ObjectID | Reserved(2) | StreamID | Status | KeySet/RxTx/SubStream |
// PortIndex.
struct KpAck {
  uint8_t stream_id = 0;
  KpAckStatus status = KpAckStatus::kSuccess;
  uint8_t key_sub_stream = 0;
  uint8_t port_index = 0;
};
// K_SET_GO / K_SET_STOP / K_GOSTOP_ACK: ObjectID | Reserved(2) | StreamID |
// Reserved | KeySet/RxTx/SubStream | PortIndex.
struct KeySetCommand {
  ObjectId object = ObjectId::kKSetGo;  // kKSetGo, kKSetStop or kKSetGoStopAck
  uint8_t stream_id = 0;
  uint8_t key_sub_stream = 0;
  uint8_t port_index = 0;
};

using Message = std::variant<Query, QueryResp, KeyProg, KpAck, KeySetCommand>;

// The VENDOR_DEFINED payload: ProtocolID 0x00 | IDE_KM object.
Result<Bytes> WrapPayload(ByteSpan ide_km_object);
// The IDE_KM object inside a VENDOR_DEFINED payload (borrowed). kTruncated
// for an empty payload; kUnsupported for another protocol ID.
Result<ByteSpan> UnwrapPayload(ByteSpan vendor_payload);

// Parses any IDE_KM object (a QUERY_RESP borrows `object`). A KEY_PROG whose
// key would not fit is kTruncated before any key byte is copied.
Result<Message> Parse(ByteSpan object);
// kInvalidArgument for a key that is not 32 bytes, a capability that is not
// whole DWORDs, or a KeySetCommand object other than the three it names.
Result<Bytes> Serialize(const Message& m);

}  // namespace ccgpu::spdm::idekm

#endif  // CCGPU_SPDM_TDISP_IDE_KM_H_
