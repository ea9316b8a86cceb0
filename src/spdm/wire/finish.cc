#include "spdm/wire/finish.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.16 FINISH request. Trailing rule: ends after
// RequesterVerifyData.
Result<Finish> ParseFinish(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kFinish, kVersion11, p.negotiated));
  CCGPU_TRY(RequireSize(p.negotiated.hash_size,
                        "spdm.finish: hash size not negotiated"));
  Finish m;
  m.version = h.version;
  m.attributes = h.param1;
  m.req_slot_id = h.param2;
  if (m.signature_included()) {
    CCGPU_TRY(
        RequireSize(p.negotiated.req_signature_size,
                    "spdm.finish: requester signature size not negotiated"));
    CCGPU_ASSIGN_OR_RETURN(m.signature, r.Take(p.negotiated.req_signature_size,
                                               "spdm.finish: Signature"));
  }
  CCGPU_ASSIGN_OR_RETURN(
      m.requester_verify_data,
      r.Take(p.negotiated.hash_size, "spdm.finish: RequesterVerifyData"));
  CCGPU_TRY(ExpectEnd(r, p, "spdm.finish: bytes after RequesterVerifyData"));
  return m;
}

Result<Bytes> SerializeFinish(const Finish& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  if (m.signature_included() == m.signature.empty()) {
    return Fail(Errc::kInvalidArgument,
                "spdm.finish: signature presence disagrees with Param1 bit 0");
  }
  ByteWriter w;
  WriteHeader(w, m.version, Code::kFinish, m.attributes, m.req_slot_id);
  w.Append(m.signature).Append(m.requester_verify_data);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.16 FINISH_RSP response. Trailing rule: 4 bytes, or 4 + H
// when the handshake is in the clear.
Result<FinishRsp> ParseFinishRsp(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kFinishRsp, kVersion11, p.negotiated));
  FinishRsp m;
  m.version = h.version;
  if (p.negotiated.handshake_in_the_clear) {
    CCGPU_TRY(RequireSize(p.negotiated.hash_size,
                          "spdm.finish_rsp: hash size not negotiated"));
    CCGPU_ASSIGN_OR_RETURN(
        m.responder_verify_data,
        r.Take(p.negotiated.hash_size, "spdm.finish_rsp: ResponderVerifyData"));
  }
  CCGPU_TRY(ExpectEnd(r, p, "spdm.finish_rsp: bytes after the response"));
  return m;
}

Result<Bytes> SerializeFinishRsp(const FinishRsp& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kFinishRsp, 0, 0);
  w.Append(m.responder_verify_data);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
