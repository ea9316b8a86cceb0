// GET_DIGESTS → DIGESTS (DSP0274 1.2 §10.7). Outside a session the exchange
// joins transcript B.
#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {

Result<Bytes> Requester::GetDigests() {
  if (!connected_) return Fail(Errc::kStateError, "spdm requester: GET_DIGESTS before VCA");
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeGetDigests(wire::GetDigests{conn_.version}));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(nullptr, req));
  CCGPU_ASSIGN_OR_RETURN(auto d, Expect<wire::Digests>(raw, Params()));
  if ((d.message.provisioned_slot_mask & 0x01) == 0 || d.message.digests.empty()) {
    return Fail(Errc::kUnexpectedMessage, "spdm requester: slot 0 not provisioned");
  }
  message_b_.insert(message_b_.end(), req.begin(), req.end());
  message_b_.insert(message_b_.end(), d.bytes.begin(), d.bytes.end());
  digest_slot0_.assign(d.message.digests[0].begin(), d.message.digests[0].end());
  return digest_slot0_;
}

}  // namespace ccgpu::spdm::requester
