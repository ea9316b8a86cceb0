// GET_CERTIFICATE → CERTIFICATE (DSP0274 1.2 §10.8): slot 0's chain in
// portions bounded by the request, our DataTransferSize and the requester's
// (MaxSPDMmsgSize when chunking).
// Outside a session the exchange joins transcript B.
#include <algorithm>

#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {

Result<Bytes> Responder::OnGetCertificate(const wire::GetCertificate& m, const Ctx& ctx) {
  if ((neg_.rsp_caps & wire::cap::kCert) == 0) return Unsupported("spdm responder: CERT_CAP not set");
  if (ctx.session != nullptr && !ctx.session->established) {
    return Unexpected("spdm responder: GET_CERTIFICATE during the session handshake");
  }
  if (cert_chain_.empty()) return Unexpected("spdm responder: no common hash algorithm");
  if (m.slot_id != 0) return Invalid("spdm responder: certificate slot not provisioned");
  wire::Certificate c;
  c.version = neg_.version;
  c.slot_id = 0;
  if (m.slot_size_requested) {
    // 1.3 SlotSizeRequested: Offset and Length are ignored; no portion, and
    // RemainderLength is the size of the slot's chain.
    c.remainder_length = static_cast<uint16_t>(cert_chain_.size());
  } else {
    if (m.offset >= cert_chain_.size()) return Invalid("spdm responder: certificate offset beyond the chain");
    const std::size_t left = cert_chain_.size() - m.offset;
    // With chunking a portion may fill a whole large message (DMTF's case
    // 5.8: the whole chain in one CERTIFICATE, fetched by CHUNK_GET).
    std::size_t limit = (Chunking() ? config_.max_spdm_msg_size : config_.data_transfer_size) - 8;
    const uint32_t peer = Chunking() ? neg_.req_max_spdm_msg_size : neg_.req_data_transfer_size;
    if (peer != 0) limit = std::min<std::size_t>(limit, peer - 8);
    const std::size_t portion = std::min<std::size_t>({left, m.length, limit});
    c.portion = ByteSpan(cert_chain_).subspan(m.offset, portion);
    c.remainder_length = static_cast<uint16_t>(left - portion);
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializeCertificate(c));
  if (ctx.session == nullptr) {
    message_b_.insert(message_b_.end(), ctx.request.begin(), ctx.request.end());
    message_b_.insert(message_b_.end(), rsp.begin(), rsp.end());
  }
  return rsp;
}

}  // namespace ccgpu::spdm::responder
