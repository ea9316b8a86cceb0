// GET_DIGESTS → DIGESTS (DSP0274 1.2 §10.7): one provisioned slot (0).
// Outside a session the exchange joins transcript B (M1/M2).
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {

Result<Bytes> Responder::OnGetDigests(const wire::GetDigests&, const Ctx& ctx) {
  if ((neg_.rsp_caps & wire::cap::kCert) == 0) return Unsupported("spdm responder: CERT_CAP not set");
  if (ctx.session != nullptr && !ctx.session->established) {
    return Unexpected("spdm responder: GET_DIGESTS during the session handshake");
  }
  if (cert_chain_.empty() || neg_.base_asym == 0) return Unexpected("spdm responder: no common hash/asym algorithm");
  if (config_.fault == Fault::kBusyOnce && !fault_fired_) {
    fault_fired_ = true;
    return Fail(Errc::kBusy, "spdm responder: fault busy-once");
  }
  wire::Digests d;
  d.version = neg_.version;
  d.supported_slot_mask = neg_.version >= wire::kVersion13 ? 0x01 : 0;
  if (config_.fault == Fault::kNoSupportedSlotMask) d.supported_slot_mask = 0;
  d.provisioned_slot_mask = 0x01;
  Bytes digest = cert_chain_hash_;
  if (config_.fault == Fault::kBadCertChainDigest) FlipBit(digest, 3);
  d.digests.push_back(digest);
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializeDigests(d));
  if (config_.fault == Fault::kTrailingBytes) rsp.push_back(0x5A);
  if (ctx.session == nullptr) {
    message_b_.insert(message_b_.end(), ctx.request.begin(), ctx.request.end());
    message_b_.insert(message_b_.end(), rsp.begin(), rsp.end());
  }
  return rsp;
}

}  // namespace ccgpu::spdm::responder
