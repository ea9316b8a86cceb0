// Requester internals shared by the req_*.cc handlers (not a public API).
#ifndef CCGPU_SPDM_REQUESTER_REQUESTER_INTERNAL_H_
#define CCGPU_SPDM_REQUESTER_REQUESTER_INTERNAL_H_

#include <optional>

#include "spdm/requester/requester.h"
#include "spdm/responder/algorithm_map.h"
#include "spdm/session/key_schedule.h"

namespace ccgpu::spdm::requester {

struct Requester::SessionState {
  uint32_t id = 0;
  bool in_clear = false;
  bool established = false;
  uint8_t heartbeat_period = 0;
  std::optional<session::SecureSession> secure;
  std::optional<session::MeasurementTranscript> l;
};

template <typename T>
Result<wire::Decoded<T>> Requester::Expect(ByteSpan raw, const wire::ParseParams& p) {
  CCGPU_ASSIGN_OR_RETURN(auto d, wire::ParseResponse(raw, p));
  if (auto* m = std::get_if<T>(&d.message)) return wire::Decoded<T>{std::move(*m), d.bytes};
  return Fail(Errc::kUnexpectedMessage, "spdm requester: response of another kind than the request asks for");
}

}  // namespace ccgpu::spdm::requester

#endif  // CCGPU_SPDM_REQUESTER_REQUESTER_INTERNAL_H_
