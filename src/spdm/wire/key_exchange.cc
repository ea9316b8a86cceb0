#include "spdm/wire/key_exchange.h"

#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.15 KEY_EXCHANGE request. Trailing rule: the message ends
// after OpaqueData.
Result<KeyExchange> ParseKeyExchange(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kKeyExchange, kVersion11, p.negotiated));
  CCGPU_TRY(RequireSize(p.negotiated.dhe_size,
                        "spdm.key_exchange: DHE size not negotiated"));
  KeyExchange m;
  m.version = h.version;
  m.meas_summary_hash_type = h.param1;
  m.slot_id = h.param2;
  CCGPU_ASSIGN_OR_RETURN(m.req_session_id,
                         r.U16("spdm.key_exchange: ReqSessionID"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t policy,
                         r.U8("spdm.key_exchange: SessionPolicy"));
  if (h.version >= kVersion12) m.session_policy = policy;
  CCGPU_TRY(r.Skip(1, "spdm.key_exchange: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(
      m.random_data, r.Array<kRandomDataSize>("spdm.key_exchange: RandomData"));
  CCGPU_ASSIGN_OR_RETURN(
      m.exchange_data,
      r.Take(p.negotiated.dhe_size, "spdm.key_exchange: ExchangeData"));
  CCGPU_ASSIGN_OR_RETURN(m.opaque_data,
                         ReadOpaqueField(r, "spdm.key_exchange: OpaqueData"));
  CCGPU_TRY(ExpectEnd(r, p, "spdm.key_exchange: bytes after OpaqueData"));
  return m;
}

Result<Bytes> SerializeKeyExchange(const KeyExchange& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kKeyExchange, m.meas_summary_hash_type,
              m.slot_id);
  w.U16(m.req_session_id)
      .U8(m.version >= kVersion12 ? m.session_policy : 0)
      .U8(0)
      .Append(m.random_data)
      .Append(m.exchange_data);
  CCGPU_TRY(WriteOpaqueField(w, m.opaque_data));
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.15 KEY_EXCHANGE_RSP response. Trailing rule: the message ends
// after ResponderVerifyData, or after Signature in the clear.
Result<KeyExchangeRsp> ParseKeyExchangeRsp(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kKeyExchangeRsp, kVersion11, p.negotiated));
  const NegotiatedParams& np = p.negotiated;
  CCGPU_TRY(RequireSize(np.dhe_size,
                        "spdm.key_exchange_rsp: DHE size not negotiated"));
  CCGPU_TRY(RequireSize(np.hash_size,
                        "spdm.key_exchange_rsp: hash size not negotiated"));
  CCGPU_TRY(
      RequireSize(np.signature_size,
                  "spdm.key_exchange_rsp: signature size not negotiated"));
  KeyExchangeRsp m;
  m.version = h.version;
  m.heartbeat_period = h.param1;
  CCGPU_ASSIGN_OR_RETURN(m.rsp_session_id,
                         r.U16("spdm.key_exchange_rsp: RspSessionID"));
  CCGPU_ASSIGN_OR_RETURN(m.mut_auth_requested,
                         r.U8("spdm.key_exchange_rsp: MutAuthRequested"));
  CCGPU_ASSIGN_OR_RETURN(m.req_slot_id_param,
                         r.U8("spdm.key_exchange_rsp: ReqSlotIDParam"));
  CCGPU_ASSIGN_OR_RETURN(
      m.random_data,
      r.Array<kRandomDataSize>("spdm.key_exchange_rsp: RandomData"));
  CCGPU_ASSIGN_OR_RETURN(
      m.exchange_data,
      r.Take(np.dhe_size, "spdm.key_exchange_rsp: ExchangeData"));
  if (p.measurement_summary_hash) {
    CCGPU_ASSIGN_OR_RETURN(
        m.measurement_summary_hash,
        r.Take(np.hash_size, "spdm.key_exchange_rsp: MeasurementSummaryHash"));
  }
  CCGPU_ASSIGN_OR_RETURN(
      m.opaque_data, ReadOpaqueField(r, "spdm.key_exchange_rsp: OpaqueData"));
  CCGPU_ASSIGN_OR_RETURN(
      m.signature,
      r.Take(np.signature_size, "spdm.key_exchange_rsp: Signature"));
  if (!np.handshake_in_the_clear) {
    CCGPU_ASSIGN_OR_RETURN(
        m.responder_verify_data,
        r.Take(np.hash_size, "spdm.key_exchange_rsp: ResponderVerifyData"));
  }
  CCGPU_TRY(ExpectEnd(r, p, "spdm.key_exchange_rsp: bytes after the response"));
  return m;
}

Result<Bytes> SerializeKeyExchangeRsp(const KeyExchangeRsp& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kKeyExchangeRsp, m.heartbeat_period, 0);
  w.U16(m.rsp_session_id)
      .U8(m.mut_auth_requested)
      .U8(m.req_slot_id_param)
      .Append(m.random_data)
      .Append(m.exchange_data)
      .Append(m.measurement_summary_hash);
  CCGPU_TRY(WriteOpaqueField(w, m.opaque_data));
  w.Append(m.signature).Append(m.responder_verify_data);
  return std::move(w).Finish();
}

std::size_t KeyExchangeRspSignedSize(const KeyExchangeRsp& m) {
  return kHeaderSize + 4 + kRandomDataSize + m.exchange_data.size() +
         m.measurement_summary_hash.size() + 2 + m.opaque_data.size();
}

}  // namespace ccgpu::spdm::wire
