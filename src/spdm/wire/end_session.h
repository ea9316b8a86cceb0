// END_SESSION / END_SESSION_ACK codecs (DSP0274 1.2 §10.22).
#ifndef CCGPU_SPDM_WIRE_END_SESSION_H_
#define CCGPU_SPDM_WIRE_END_SESSION_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// END_SESSION Param1 bit 0: NegotiatedStateClearing (forget cached VCA).
inline constexpr uint8_t kEndSessionNegotiatedStateClearing = 0x01;

// END_SESSION: header(Param1 EndSessionRequestAttributes, Param2 reserved).
struct EndSession {
  uint8_t version = kVersion12;
  uint8_t attributes = 0;
  bool negotiated_state_clearing() const {
    return (attributes & kEndSessionNegotiatedStateClearing) != 0;
  }
};
// END_SESSION_ACK: header only.
struct EndSessionAck {
  uint8_t version = kVersion12;
};

// kTrailingData after 4 bytes; reserved attribute bits are dropped.
Result<EndSession> ParseEndSession(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeEndSession(const EndSession& m);
Result<EndSessionAck> ParseEndSessionAck(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeEndSessionAck(const EndSessionAck& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_END_SESSION_H_
