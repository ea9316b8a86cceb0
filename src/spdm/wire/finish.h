// FINISH / FINISH_RSP codecs (DSP0274 1.2 §10.16). Borrowed spans.
#ifndef CCGPU_SPDM_WIRE_FINISH_H_
#define CCGPU_SPDM_WIRE_FINISH_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// FINISH Param1 bit 0: Signature field present (mutual authentication).
inline constexpr uint8_t kFinishSignatureIncluded = 0x01;

// FINISH: header(Param1 attributes, Param2 ReqSlotID) | [Signature(req S) if
// Param1 bit 0] | RequesterVerifyData(H).
struct Finish {
  uint8_t version = kVersion12;
  uint8_t attributes = 0;
  uint8_t req_slot_id = 0;
  ByteSpan signature;  // present iff attributes bit 0
  ByteSpan requester_verify_data;
  bool signature_included() const {
    return (attributes & kFinishSignatureIncluded) != 0;
  }
};

// FINISH_RSP: header | [ResponderVerifyData(H) only when the handshake is in
// the clear].
struct FinishRsp {
  uint8_t version = kVersion12;
  ByteSpan responder_verify_data;
};

// Needs hash_size (and req_signature_size when Param1 bit 0 is set).
Result<Finish> ParseFinish(ByteSpan msg, const ParseParams& p);
// kInvalidArgument if the signature's presence disagrees with attributes.
Result<Bytes> SerializeFinish(const Finish& m);

// ResponderVerifyData iff negotiated.handshake_in_the_clear (needs hash_size).
Result<FinishRsp> ParseFinishRsp(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeFinishRsp(const FinishRsp& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_FINISH_H_
