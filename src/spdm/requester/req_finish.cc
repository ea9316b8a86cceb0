// FINISH → FINISH_RSP (DSP0274 1.2 §10.16):
//   RequesterVerifyData = HMAC(req_finished_key, Hash(TH1… || FINISH header))
//   FINISH_RSP (in the clear) ResponderVerifyData =
//       HMAC(rsp_finished_key, Hash(… || FINISH || FINISH_RSP header))
//   TH2 = Hash(… || FINISH || FINISH_RSP) → application keys.
// FINISH goes under the handshake keys, or as a plain message when both
// sides set HANDSHAKE_IN_THE_CLEAR_CAP.
#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {

Status Requester::SendFinish(SessionState& s, session::SessionTranscript& th) {
  wire::Finish f;
  f.version = conn_.version;
  const Bytes zero(np_.hash_size, 0);
  f.requester_verify_data = zero;
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeFinish(f));
  const std::size_t vd_at = req.size() - zero.size();
  CCGPU_TRY(th.AppendFinishSigned(ByteSpan(req).first(vd_at)));
  CCGPU_ASSIGN_OR_RETURN(Bytes digest, th.Digest());
  CCGPU_ASSIGN_OR_RETURN(Bytes vd, s.secure->VerifyData(session::Direction::kRequesterToResponder, digest));
  std::copy(vd.begin(), vd.end(), req.begin() + static_cast<std::ptrdiff_t>(vd_at));
  CCGPU_TRY(th.AppendFinishVerifyData(vd));

  CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(s.in_clear ? nullptr : &s, req));
  CCGPU_ASSIGN_OR_RETURN(auto rsp, Expect<wire::FinishRsp>(raw, Params()));
  const std::size_t h = rsp.message.responder_verify_data.size();
  CCGPU_TRY(th.AppendFinishRspHeader(rsp.bytes.first(rsp.bytes.size() - h)));
  if (s.in_clear) {
    CCGPU_ASSIGN_OR_RETURN(Bytes d, th.Digest());
    CCGPU_TRY(s.secure->CheckVerifyData(session::Direction::kResponderToRequester, d, rsp.message.responder_verify_data));
    CCGPU_TRY(th.AppendFinishRspVerifyData(rsp.message.responder_verify_data));
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes th2, th.Th2());
  CCGPU_TRY(s.secure->EnterApplicationPhase(th2));
  s.established = true;
  return OkStatus();
}

}  // namespace ccgpu::spdm::requester
