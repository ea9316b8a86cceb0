#include "spdm/responder/app_message.h"

namespace ccgpu::spdm::responder {
namespace {

// DSP0240 PLDM base: header bits and values.
constexpr uint8_t kRequestBit = 0x80;
constexpr uint8_t kDatagramBit = 0x40;
constexpr uint8_t kInstanceIdMask = 0x1F;
constexpr uint8_t kHeaderVersionMask = 0xC0;
constexpr uint8_t kTypeMask = 0x3F;
constexpr uint8_t kTypeControlDiscovery = 0x00;
constexpr uint8_t kCommandGetTid = 0x02;
// Completion codes.
constexpr uint8_t kSuccess = 0x00;
constexpr uint8_t kErrorInvalidLength = 0x03;
constexpr uint8_t kErrorUnsupportedCommand = 0x05;
constexpr uint8_t kErrorInvalidPldmType = 0x20;

}  // namespace

Result<Bytes> PldmControlResponder::Handle(uint32_t /*session_id*/, uint8_t type, ByteSpan message) {
  if (type != kMctpTypePldm) return Fail(Errc::kUnsupported, "pldm: not a PLDM message (MCTP type)");
  if (message.size() < 3) return Fail(Errc::kMalformed, "pldm: message shorter than its 3-byte header");
  if ((message[0] & kRequestBit) == 0 || (message[0] & kDatagramBit) != 0) {
    return Fail(Errc::kMalformed, "pldm: not a request (Rq = 0 or a datagram)");
  }
  const uint8_t pldm_type = message[1] & kTypeMask;
  const uint8_t command = message[2];
  Bytes rsp = {static_cast<uint8_t>(message[0] & kInstanceIdMask), static_cast<uint8_t>(message[1] & (kHeaderVersionMask | kTypeMask)),
               command};
  if (pldm_type != kTypeControlDiscovery) {
    rsp.push_back(kErrorInvalidPldmType);
  } else if (command != kCommandGetTid) {
    rsp.push_back(kErrorUnsupportedCommand);
  } else if (message.size() != 3) {
    rsp.push_back(kErrorInvalidLength);  // GetTID has no request data
  } else {
    rsp.push_back(kSuccess);
    rsp.push_back(tid_);
  }
  return rsp;
}

}  // namespace ccgpu::spdm::responder
