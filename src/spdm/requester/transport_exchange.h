// MessageExchange over spdmwire's SpdmTransport (the spdm-emu platform port:
// transports none / MCTP / PCI DOE over TCP), and the matching record binding.
#ifndef CCGPU_SPDM_REQUESTER_TRANSPORT_EXCHANGE_H_
#define CCGPU_SPDM_REQUESTER_TRANSPORT_EXCHANGE_H_

#include "spdm/requester/exchange.h"
#include "spdm/session/secured_message.h"
#include "spdm/transport/spdm_transport.h"

namespace ccgpu::spdm::requester {

class TransportExchange final : public MessageExchange {
 public:
  // `transport` must outlive this object.
  explicit TransportExchange(transport::SpdmTransport* transport) : transport_(transport) {}
  // Send then Receive; errors of the transport (kClosed, kTimeout, kIo,
  // kMalformed, kUnsupported for a record on transport NONE).
  Result<ExchangeMessage> Exchange(bool secured, ByteSpan request) override;

 private:
  transport::SpdmTransport* transport_;
};

// The DSP0277 record binding of a platform-port transport type: MCTP (2-byte
// sequence number, random padding, inner 0x05) or PCI DOE (neither).
// kUnsupported for NONE (no secured messages there).
Result<session::TransportBinding> RecordBindingFor(transport::TransportType type);

}  // namespace ccgpu::spdm::requester

#endif  // CCGPU_SPDM_REQUESTER_TRANSPORT_EXCHANGE_H_
