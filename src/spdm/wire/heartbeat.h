// HEARTBEAT / HEARTBEAT_ACK codecs (DSP0274 1.2 §10.19): 4-byte messages,
// Param1/Param2 reserved. Only valid inside a session (checked by the caller).
#ifndef CCGPU_SPDM_WIRE_HEARTBEAT_H_
#define CCGPU_SPDM_WIRE_HEARTBEAT_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

struct Heartbeat {
  uint8_t version = kVersion12;
};
struct HeartbeatAck {
  uint8_t version = kVersion12;
};

// kTruncated under 4 bytes; kTrailingData after them; kUnsupported for 1.0.
Result<Heartbeat> ParseHeartbeat(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeHeartbeat(const Heartbeat& m);
Result<HeartbeatAck> ParseHeartbeatAck(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeHeartbeatAck(const HeartbeatAck& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_HEARTBEAT_H_
