// GET_CAPABILITIES → CAPABILITIES (DSP0274 1.2 §10.4). The request's version
// becomes the connection's version.
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {

Result<Bytes> Responder::OnGetCapabilities(const wire::GetCapabilities& m, const Ctx& ctx) {
  if (ctx.session != nullptr) return Unexpected("spdm responder: GET_CAPABILITIES inside a session");
  if (state_ != ConnState::kAfterVersion) return Unexpected("spdm responder: GET_CAPABILITIES out of order");
  // DSP0274 1.2 §10.4 requester flag rules: ENCRYPT/MAC need KEY_EX or PSK,
  // KEY_EX needs ENCRYPT or MAC, PSK_CAP 2/3 are reserved for a requester.
  const uint32_t f = m.flags;
  const bool enc_mac = (f & (wire::cap::kEncrypt | wire::cap::kMac)) != 0;
  const bool key_ex_psk = (f & (wire::cap::kKeyEx | wire::cap::kPskMask)) != 0;
  if (enc_mac != key_ex_psk) return Invalid("spdm responder: requester ENCRYPT/MAC and KEY_EX/PSK flags inconsistent");
  if ((f & wire::cap::kPskMask) > wire::cap::kPsk) return Invalid("spdm responder: requester PSK_CAP reserved value");
  // DSP0274 1.1 ENCAP_CAP: "If mutual authentication is supported, this
  // field shall be set" (1.2 dropped the rule).
  if (m.version == wire::kVersion11 && (f & wire::cap::kMutAuth) != 0 && (f & wire::cap::kEncap) == 0) {
    return Invalid("spdm responder: requester MUT_AUTH_CAP without ENCAP_CAP (SPDM 1.1)");
  }
  if (m.version >= wire::kVersion12 && m.max_spdm_msg_size < m.data_transfer_size) {
    return Invalid("spdm responder: MaxSPDMmsgSize below DataTransferSize");
  }
  neg_.version = m.version;
  neg_.req_caps = f;
  neg_.req_data_transfer_size = m.version >= wire::kVersion12 ? m.data_transfer_size : 0;
  neg_.req_max_spdm_msg_size = m.version >= wire::kVersion12 ? m.max_spdm_msg_size : 0;
  neg_.rsp_caps = config_.capabilities;
  wire::Capabilities c;
  c.version = m.version;
  c.ct_exponent = config_.ct_exponent;
  c.flags = config_.capabilities;
  if (m.version < wire::kVersion12) {
    // 1.1 has no CHUNK/ALIAS/SET_CERT/CSR/… bits.
    c.flags &= 0xFFFFu;
  } else {
    c.data_transfer_size = config_.data_transfer_size;
    c.max_spdm_msg_size = config_.max_spdm_msg_size;
  }
  if (m.version < wire::kVersion13) c.flags &= 0x3FFFFFu;
  neg_.rsp_caps = c.flags;
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializeCapabilities(c));
  if (config_.fault == Fault::kWrongVersion) {
    rsp[0] = m.version == wire::kVersion11 ? wire::kVersion12 : wire::kVersion11;
  }
  message_a_.Append(ctx.request);
  message_a_.Append(rsp);
  neg_.wire.version = m.version;
  state_ = ConnState::kAfterCapabilities;
  return rsp;
}

}  // namespace ccgpu::spdm::responder
