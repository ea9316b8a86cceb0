// In-process transport: a requester's MessageExchange that hands each message
// straight to a Responder (tests, benchmarks, the emulated GPU). An optional
// tamper hook sees every message in both directions and may change it.
#ifndef CCGPU_SPDM_RESPONDER_LOOPBACK_H_
#define CCGPU_SPDM_RESPONDER_LOOPBACK_H_

#include <functional>

#include "spdm/requester/exchange.h"
#include "spdm/responder/responder.h"

namespace ccgpu::spdm {

class LoopbackExchange final : public requester::MessageExchange {
 public:
  // to_responder: true for requests. The hook may edit `bytes` in place.
  using Tamper = std::function<void(bool to_responder, bool secured, Bytes& bytes)>;
  explicit LoopbackExchange(responder::Responder* r) : responder_(r) {}
  void set_tamper(Tamper t) { tamper_ = std::move(t); }
  Result<requester::ExchangeMessage> Exchange(bool secured, ByteSpan request) override;
  std::size_t exchanges() const { return exchanges_; }

 private:
  responder::Responder* responder_;
  Tamper tamper_;
  std::size_t exchanges_ = 0;
};

}  // namespace ccgpu::spdm

#endif  // CCGPU_SPDM_RESPONDER_LOOPBACK_H_
