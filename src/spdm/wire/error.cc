#include "spdm/wire/error.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.12 ERROR response. Trailing rule: ResponseNotReady has
// exactly 4 bytes of ExtendedErrorData; other codes at most 32, all kept raw.
Result<ErrorResponse> ParseError(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  NegotiatedParams any;  // ERROR's version is not bound to the negotiated one
  CCGPU_ASSIGN_OR_RETURN(Header h,
                         ReadHeader(r, Code::kError, kVersion10, any));
  ErrorResponse m;
  m.version = h.version;
  m.error_code = static_cast<ErrorCode>(h.param1);
  m.error_data = h.param2;
  if (m.error_code == ErrorCode::kResponseNotReady) {
    ResponseNotReadyData d;
    CCGPU_ASSIGN_OR_RETURN(
        ByteSpan ext, r.Take(4, "spdm.error: ResponseNotReady extended data"));
    d.rdt_exponent = ext[0];
    d.request_code = ext[1];
    d.token = ext[2];
    d.rdtm = ext[3];
    m.response_not_ready = d;
    CCGPU_TRY(ExpectEnd(
        r, p, "spdm.error: bytes after ResponseNotReady extended data"));
    return m;
  }
  // With DOE padding, up to 3 zero pad bytes cannot be told apart from
  // extended data; they are kept in extended_error_data.
  ByteSpan rest = r.rest();
  if (rest.size() > kMaxExtendedErrorData) {
    return Fail(Errc::kTrailingData,
                "spdm.error: ExtendedErrorData exceeds 32 bytes");
  }
  m.extended_error_data = rest;
  return m;
}

Result<Bytes> SerializeError(const ErrorResponse& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion10));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kError, static_cast<uint8_t>(m.error_code),
              m.error_data);
  if (m.error_code == ErrorCode::kResponseNotReady) {
    if (!m.response_not_ready || !m.extended_error_data.empty()) {
      return Fail(Errc::kInvalidArgument,
                  "spdm.error: ResponseNotReady needs exactly its 4-byte data");
    }
    const auto& d = *m.response_not_ready;
    w.U8(d.rdt_exponent).U8(d.request_code).U8(d.token).U8(d.rdtm);
  } else {
    if (m.extended_error_data.size() > kMaxExtendedErrorData) {
      return Fail(Errc::kInvalidArgument,
                  "spdm.error: ExtendedErrorData exceeds 32 bytes");
    }
    w.Append(m.extended_error_data);
  }
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.13 RESPOND_IF_READY. Trailing rule: exactly 4 bytes.
Result<RespondIfReady> ParseRespondIfReady(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kRespondIfReady, kVersion11, p.negotiated));
  CCGPU_TRY(
      ExpectEnd(r, p, "spdm.respond_if_ready: bytes after the 4-byte request"));
  return RespondIfReady{h.version, h.param1, h.param2};
}

Result<Bytes> SerializeRespondIfReady(const RespondIfReady& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kRespondIfReady, m.request_code, m.token);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
