#include "spdm/responder/loopback.h"

namespace ccgpu::spdm {

Result<requester::ExchangeMessage> LoopbackExchange::Exchange(bool secured, ByteSpan request) {
  ++exchanges_;
  Bytes req(request.begin(), request.end());
  if (tamper_) tamper_(true, secured, req);
  responder::TransportMessage rsp = responder_->Handle(secured, req);
  if (tamper_) tamper_(false, rsp.secured, rsp.bytes);
  return requester::ExchangeMessage{rsp.secured, std::move(rsp.bytes)};
}

}  // namespace ccgpu::spdm
