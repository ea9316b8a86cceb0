// KEY_UPDATE / KEY_UPDATE_ACK codecs (DSP0274 1.2 §10.20).
#ifndef CCGPU_SPDM_WIRE_KEY_UPDATE_H_
#define CCGPU_SPDM_WIRE_KEY_UPDATE_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// KeyOperation (Param1).
enum class KeyUpdateOp : uint8_t {
  kUpdateKey = 1,      // update the sender-direction (request) key only
  kUpdateAllKeys = 2,  // update both directions
  kVerifyNewKey = 3,   // first message under the new key(s)
};

// KEY_UPDATE: header(Param1 KeyOperation, Param2 Tag).
struct KeyUpdate {
  uint8_t version = kVersion12;
  KeyUpdateOp operation = KeyUpdateOp::kUpdateKey;
  uint8_t tag = 0;
};
// KEY_UPDATE_ACK: header(Param1 KeyOperation echoed, Param2 Tag echoed).
struct KeyUpdateAck {
  uint8_t version = kVersion12;
  KeyUpdateOp operation = KeyUpdateOp::kUpdateKey;
  uint8_t tag = 0;
};

// kMalformed for a KeyOperation outside 1..3; kTrailingData after 4 bytes.
Result<KeyUpdate> ParseKeyUpdate(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeKeyUpdate(const KeyUpdate& m);
Result<KeyUpdateAck> ParseKeyUpdateAck(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeKeyUpdateAck(const KeyUpdateAck& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_KEY_UPDATE_H_
