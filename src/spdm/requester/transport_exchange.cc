#include "spdm/requester/transport_exchange.h"

namespace ccgpu::spdm::requester {

Result<ExchangeMessage> TransportExchange::Exchange(bool secured, ByteSpan request) {
  CCGPU_TRY(transport_->Send(request, secured));
  CCGPU_ASSIGN_OR_RETURN(transport::TransportMessage m, transport_->Receive());
  return ExchangeMessage{m.secured, std::move(m.data)};
}

Result<session::TransportBinding> RecordBindingFor(transport::TransportType type) {
  switch (type) {
    case transport::TransportType::kMctp:
      return session::TransportBinding::Mctp();
    case transport::TransportType::kPciDoe:
      return session::TransportBinding::PciDoe();
    default:
      return Fail(Errc::kUnsupported, "spdm: no secured messages on this transport");
  }
}

}  // namespace ccgpu::spdm::requester
