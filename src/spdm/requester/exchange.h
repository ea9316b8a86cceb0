// The requester's view of a transport: send one message, get the reply. The
// same requester runs in-process (a direct call into a Responder) and over
// TCP (spdm-emu platform-port framing, transports none/MCTP/PCI DOE).
#ifndef CCGPU_SPDM_REQUESTER_EXCHANGE_H_
#define CCGPU_SPDM_REQUESTER_EXCHANGE_H_

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::spdm::requester {

// A message as the transport marks it: a plain SPDM message or (secured) a
// DSP0277 record.
struct ExchangeMessage {
  bool secured = false;
  Bytes bytes;
};

class MessageExchange {
 public:
  virtual ~MessageExchange() = default;
  // Sends `request` and returns the peer's reply. kIo / kClosed / kTimeout
  // from the transport; whatever the reply holds is checked by the caller.
  virtual Result<ExchangeMessage> Exchange(bool secured, ByteSpan request) = 0;
};

}  // namespace ccgpu::spdm::requester

#endif  // CCGPU_SPDM_REQUESTER_EXCHANGE_H_
