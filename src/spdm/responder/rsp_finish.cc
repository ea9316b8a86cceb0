// FINISH → FINISH_RSP (DSP0274 1.2 §10.16).
//   RequesterVerifyData = HMAC(req_finished_key, Hash(TH… || FINISH header))
//   in the clear: FINISH_RSP.ResponderVerifyData =
//                 HMAC(rsp_finished_key, Hash(… || FINISH || FINISH_RSP header))
//   TH2 = Hash(… || FINISH || FINISH_RSP) → application keys once FINISH_RSP
//   is on its way (Handle applies PostAction::kEnterApplication after sealing).
// A wrong RequesterVerifyData is ERROR(DecryptError) and changes nothing.
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {

Result<Bytes> Responder::OnFinish(const wire::Finish& m, const Ctx& ctx) {
  SessionState* s = ctx.session;
  if (s == nullptr) {
    // Only a handshake in the clear sends FINISH outside a record.
    auto it = sessions_.find(in_clear_handshake_session_);
    if (in_clear_handshake_session_ == 0 || it == sessions_.end()) {
      return SessionRequired("spdm responder: FINISH outside a session");
    }
    s = it->second.get();
  } else if (s->in_clear) {
    return Unexpected("spdm responder: FINISH in a record for an in-the-clear handshake");
  }
  if (s->psk_th) return Unexpected("spdm responder: FINISH in a PSK session");
  if (s->established) return Unexpected("spdm responder: FINISH after the handshake");
  if (m.signature_included()) return Invalid("spdm responder: FINISH signature without mutual authentication");
  if (m.req_slot_id != 0) return Invalid("spdm responder: FINISH ReqSlotID without mutual authentication");
  const std::size_t h = neg_.wire.hash_size;
  if (ctx.request.size() < h) return Invalid("spdm responder: FINISH shorter than its verify data");
  session::SessionTranscript th = *s->th;  // committed only on success
  CCGPU_TRY(th.AppendFinishSigned(ctx.request.first(ctx.request.size() - h)));
  CCGPU_ASSIGN_OR_RETURN(Bytes fin_digest, th.Digest());
  auto ok = s->secure->CheckVerifyData(session::Direction::kRequesterToResponder, fin_digest, m.requester_verify_data);
  if (!ok) return Fail(Errc::kTranscriptMismatch, "spdm responder: RequesterVerifyData does not verify");
  CCGPU_TRY(th.AppendFinishVerifyData(m.requester_verify_data));

  wire::FinishRsp r;
  r.version = neg_.version;
  Bytes rsp;
  if (s->in_clear) {
    const Bytes zero(h, 0);
    r.responder_verify_data = zero;
    CCGPU_ASSIGN_OR_RETURN(rsp, wire::SerializeFinishRsp(r));
    CCGPU_TRY(th.AppendFinishRspHeader(ByteSpan(rsp).first(rsp.size() - h)));
    CCGPU_ASSIGN_OR_RETURN(Bytes d, th.Digest());
    CCGPU_ASSIGN_OR_RETURN(Bytes vd, s->secure->VerifyData(session::Direction::kResponderToRequester, d));
    if (config_.fault == Fault::kBadFinishRspVerifyData) FlipBit(vd, 1);
    std::copy(vd.begin(), vd.end(), rsp.end() - static_cast<std::ptrdiff_t>(h));
    CCGPU_TRY(th.AppendFinishRspVerifyData(vd));
  } else {
    CCGPU_ASSIGN_OR_RETURN(rsp, wire::SerializeFinishRsp(r));
    CCGPU_TRY(th.AppendFinishRspHeader(rsp));
  }
  CCGPU_ASSIGN_OR_RETURN(s->th2, th.Th2());
  *s->th = std::move(th);
  post_action_ = PostAction::kEnterApplication;
  return rsp;
}

}  // namespace ccgpu::spdm::responder
