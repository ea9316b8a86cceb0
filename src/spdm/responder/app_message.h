// Application protocols that ride in an SPDM session beside SPDM itself
// (DSP0277: a session may protect any protocol; over MCTP the record's inner
// message type tells them apart, e.g. 0x01 PLDM). PCI DOE records carry SPDM
// only, so there the hook is never called.
//
// PldmControlResponder answers the PLDM messaging-control command GetTID
// (DSP0240), which DMTF's spdm_requester_emu sends in every MCTP session as
// its application-message step.
#ifndef CCGPU_SPDM_RESPONDER_APP_MESSAGE_H_
#define CCGPU_SPDM_RESPONDER_APP_MESSAGE_H_

#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::spdm::responder {

inline constexpr uint8_t kMctpTypePldm = 0x01;

class ApplicationMessageHandler {
 public:
  virtual ~ApplicationMessageHandler() = default;
  // The reply to `message` (after its MCTP type byte `type`) received in
  // session `session_id`; it is sealed back under the same type. An error
  // (e.g. kUnsupported for a type it does not speak) makes the responder
  // answer ERROR(UnsupportedRequest) in the session instead.
  virtual Result<Bytes> Handle(uint32_t session_id, uint8_t type, ByteSpan message) = 0;
};

// PLDM type 0 (messaging control and discovery), DSP0240: GetTID answers
// `tid`; the other commands of type 0 get completion code
// ERROR_UNSUPPORTED_PLDM_CMD (0x05), other PLDM types
// ERROR_INVALID_PLDM_TYPE (0x20). Header: Rq|D|rsvd|InstanceID,
// HdrVer|PLDMType, Command; a response repeats them with Rq = 0 and adds
// the completion code. kUnsupported for MCTP types other than PLDM;
// kMalformed for a message shorter than the header or not a request.
class PldmControlResponder final : public ApplicationMessageHandler {
 public:
  explicit PldmControlResponder(uint8_t tid = 1) : tid_(tid) {}
  Result<Bytes> Handle(uint32_t session_id, uint8_t type, ByteSpan message) override;

 private:
  uint8_t tid_;
};

}  // namespace ccgpu::spdm::responder

#endif  // CCGPU_SPDM_RESPONDER_APP_MESSAGE_H_
