#include "spdm/wire/end_session.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.22 END_SESSION. Trailing rule: exactly 4 bytes.
Result<EndSession> ParseEndSession(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kEndSession, kVersion11, p.negotiated));
  CCGPU_TRY(
      ExpectEnd(r, p, "spdm.end_session: bytes after the 4-byte request"));
  return EndSession{
      h.version,
      static_cast<uint8_t>(h.param1 & kEndSessionNegotiatedStateClearing)};
}

Result<Bytes> SerializeEndSession(const EndSession& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kEndSession,
              m.attributes & kEndSessionNegotiatedStateClearing, 0);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.22 END_SESSION_ACK. Trailing rule: exactly 4 bytes.
Result<EndSessionAck> ParseEndSessionAck(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kEndSessionAck, kVersion11, p.negotiated));
  CCGPU_TRY(
      ExpectEnd(r, p, "spdm.end_session_ack: bytes after the 4-byte response"));
  return EndSessionAck{h.version};
}

Result<Bytes> SerializeEndSessionAck(const EndSessionAck& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kEndSessionAck, 0, 0);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
