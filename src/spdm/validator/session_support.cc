// Establish: KEY_EXCHANGE (+ FINISH) as the validator's requester side.
#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator::internal {

Result<OpenSession> Establish(Probe&, const Negotiated&, const SlotChain&, bool, uint8_t) {
  return Fail(Errc::kUnsupported, "validator: Establish not written yet");
}

}  // namespace ccgpu::spdm::validator::internal
