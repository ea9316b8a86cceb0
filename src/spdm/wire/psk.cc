#include "spdm/wire/psk.h"

namespace ccgpu::spdm::wire {
namespace {

Status CheckU16Field(ByteSpan field, const char* what) {
  if (field.size() > 0xFFFF) return Fail(Errc::kInvalidArgument, what);
  return OkStatus();
}

}  // namespace

// DSP0274 1.2 §10.17 PSK_EXCHANGE request. The three lengths come before the
// fields they size. Trailing rule: the message ends after OpaqueData.
Result<PskExchange> ParsePskExchange(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r, Code::kPskExchange, kVersion11, p.negotiated));
  PskExchange m;
  m.version = h.version;
  m.meas_summary_hash_type = h.param1;
  if (h.version >= kVersion12) m.session_policy = h.param2;
  CCGPU_ASSIGN_OR_RETURN(m.req_session_id, r.U16("spdm.psk_exchange: ReqSessionID"));
  CCGPU_ASSIGN_OR_RETURN(uint16_t hint_len, r.U16("spdm.psk_exchange: PSKHintLength"));
  CCGPU_ASSIGN_OR_RETURN(uint16_t context_len, r.U16("spdm.psk_exchange: RequesterContextLength"));
  CCGPU_ASSIGN_OR_RETURN(uint16_t opaque_len, r.U16("spdm.psk_exchange: OpaqueDataLength"));
  if (opaque_len > kMaxOpaqueDataSize) return Fail(Errc::kMalformed, "spdm.psk_exchange: OpaqueDataLength exceeds 1024");
  CCGPU_ASSIGN_OR_RETURN(m.psk_hint, r.Take(hint_len, "spdm.psk_exchange: PSKHint"));
  CCGPU_ASSIGN_OR_RETURN(m.requester_context, r.Take(context_len, "spdm.psk_exchange: RequesterContext"));
  CCGPU_ASSIGN_OR_RETURN(m.opaque_data, r.Take(opaque_len, "spdm.psk_exchange: OpaqueData"));
  CCGPU_TRY(ExpectEnd(r, p, "spdm.psk_exchange: bytes after OpaqueData"));
  return m;
}

Result<Bytes> SerializePskExchange(const PskExchange& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  CCGPU_TRY(CheckU16Field(m.psk_hint, "spdm.psk_exchange: PSKHint longer than 65535 bytes"));
  CCGPU_TRY(CheckU16Field(m.requester_context, "spdm.psk_exchange: RequesterContext longer than 65535 bytes"));
  if (m.opaque_data.size() > kMaxOpaqueDataSize) {
    return Fail(Errc::kInvalidArgument, "spdm.psk_exchange: opaque data exceeds 1024 bytes");
  }
  ByteWriter w;
  WriteHeader(w, m.version, Code::kPskExchange, m.meas_summary_hash_type,
              m.version >= kVersion12 ? m.session_policy : 0);
  w.U16(m.req_session_id)
      .U16(m.psk_hint.size())
      .U16(m.requester_context.size())
      .U16(m.opaque_data.size())
      .Append(m.psk_hint)
      .Append(m.requester_context)
      .Append(m.opaque_data);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.17 PSK_EXCHANGE_RSP response. Trailing rule: the message
// ends after ResponderVerifyData.
Result<PskExchangeRsp> ParsePskExchangeRsp(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r, Code::kPskExchangeRsp, kVersion11, p.negotiated));
  CCGPU_TRY(RequireSize(p.negotiated.hash_size, "spdm.psk_exchange_rsp: hash size not negotiated"));
  PskExchangeRsp m;
  m.version = h.version;
  m.heartbeat_period = h.param1;
  CCGPU_ASSIGN_OR_RETURN(m.rsp_session_id, r.U16("spdm.psk_exchange_rsp: RspSessionID"));
  CCGPU_TRY(r.Skip(2, "spdm.psk_exchange_rsp: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(uint16_t context_len, r.U16("spdm.psk_exchange_rsp: ResponderContextLength"));
  CCGPU_ASSIGN_OR_RETURN(uint16_t opaque_len, r.U16("spdm.psk_exchange_rsp: OpaqueDataLength"));
  if (opaque_len > kMaxOpaqueDataSize) return Fail(Errc::kMalformed, "spdm.psk_exchange_rsp: OpaqueDataLength exceeds 1024");
  if (p.measurement_summary_hash) {
    CCGPU_ASSIGN_OR_RETURN(m.measurement_summary_hash,
                           r.Take(p.negotiated.hash_size, "spdm.psk_exchange_rsp: MeasurementSummaryHash"));
  }
  CCGPU_ASSIGN_OR_RETURN(m.responder_context, r.Take(context_len, "spdm.psk_exchange_rsp: ResponderContext"));
  CCGPU_ASSIGN_OR_RETURN(m.opaque_data, r.Take(opaque_len, "spdm.psk_exchange_rsp: OpaqueData"));
  CCGPU_ASSIGN_OR_RETURN(m.responder_verify_data,
                         r.Take(p.negotiated.hash_size, "spdm.psk_exchange_rsp: ResponderVerifyData"));
  CCGPU_TRY(ExpectEnd(r, p, "spdm.psk_exchange_rsp: bytes after ResponderVerifyData"));
  return m;
}

Result<Bytes> SerializePskExchangeRsp(const PskExchangeRsp& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  CCGPU_TRY(CheckU16Field(m.responder_context, "spdm.psk_exchange_rsp: ResponderContext longer than 65535 bytes"));
  if (m.opaque_data.size() > kMaxOpaqueDataSize) {
    return Fail(Errc::kInvalidArgument, "spdm.psk_exchange_rsp: opaque data exceeds 1024 bytes");
  }
  ByteWriter w;
  WriteHeader(w, m.version, Code::kPskExchangeRsp, m.heartbeat_period, 0);
  w.U16(m.rsp_session_id)
      .U16(0)
      .U16(m.responder_context.size())
      .U16(m.opaque_data.size())
      .Append(m.measurement_summary_hash)
      .Append(m.responder_context)
      .Append(m.opaque_data)
      .Append(m.responder_verify_data);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.18 PSK_FINISH request. Trailing rule: ends after
// RequesterVerifyData.
Result<PskFinish> ParsePskFinish(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r, Code::kPskFinish, kVersion11, p.negotiated));
  CCGPU_TRY(RequireSize(p.negotiated.hash_size, "spdm.psk_finish: hash size not negotiated"));
  PskFinish m;
  m.version = h.version;
  CCGPU_ASSIGN_OR_RETURN(m.requester_verify_data, r.Take(p.negotiated.hash_size, "spdm.psk_finish: RequesterVerifyData"));
  CCGPU_TRY(ExpectEnd(r, p, "spdm.psk_finish: bytes after RequesterVerifyData"));
  return m;
}

Result<Bytes> SerializePskFinish(const PskFinish& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kPskFinish, 0, 0);
  w.Append(m.requester_verify_data);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.18 PSK_FINISH_RSP response. Trailing rule: 4 bytes.
Result<PskFinishRsp> ParsePskFinishRsp(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r, Code::kPskFinishRsp, kVersion11, p.negotiated));
  CCGPU_TRY(ExpectEnd(r, p, "spdm.psk_finish_rsp: bytes after the header"));
  return PskFinishRsp{h.version};
}

Result<Bytes> SerializePskFinishRsp(const PskFinishRsp& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kPskFinishRsp, 0, 0);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
