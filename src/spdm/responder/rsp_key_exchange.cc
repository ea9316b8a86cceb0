// KEY_EXCHANGE → KEY_EXCHANGE_RSP (DSP0274 1.2 §10.15, ECDHE only).
//   signature TH = Hash(A || H(CertChain) || KEY_EXCHANGE || KEY_EXCHANGE_RSP
//                  up to Signature), signed with "responder-key_exchange_rsp signing"
//   TH1          = the same including Signature
//   ResponderVerifyData = HMAC(rsp_finished_key, TH1)   (absent in the clear)
// The session then waits for FINISH under the handshake keys (or in the
// clear when both sides set HANDSHAKE_IN_THE_CLEAR_CAP).
#include "crypto/rng.h"
#include "spdm/responder/responder_internal.h"
#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::responder {
namespace {

// The DSP0277 secured-message versions we speak (VersionNumberEntry values).
constexpr uint16_t kSecuredVersions[] = {0x1200, 0x1100, 0x1000};

}  // namespace

wire::OpaqueFormat Responder::OpaqueFormat() const {
  return (neg_.version >= wire::kVersion12 && (neg_.other_params & wire::alg::kOpaqueDataFmt1) != 0)
             ? wire::OpaqueFormat::kFmt1
             : wire::OpaqueFormat::kDmtfSpecId;
}

Status Responder::CheckMeasSummaryType(uint8_t type, const char* message) const {
  if (type != wire::kMeasSummaryHashNone && type != wire::kMeasSummaryHashTcb && type != wire::kMeasSummaryHashAll) {
    return Invalid("spdm responder: MeasurementSummaryHashType reserved value");
  }
  if (type != wire::kMeasSummaryHashNone && (neg_.rsp_caps & wire::cap::kMeasMask) == 0) {
    return Invalid(message);
  }
  return OkStatus();
}

Result<Bytes> Responder::SecuredVersionSelection(ByteSpan request_opaque) {
  // Requester's opaque data: a SupportedVersionList element (DSP0277 §8).
  const auto fmt = OpaqueFormat();
  CCGPU_ASSIGN_OR_RETURN(auto elements, wire::ParseOpaqueData(request_opaque, fmt));
  uint16_t selected = 0;
  for (const auto& el : elements) {
    if (el.id != wire::kOpaqueElementIdDmtf) continue;
    auto id = wire::SmDataId(el.data);
    if (!id || *id != wire::kSmDataIdSupportedVersionList) continue;
    CCGPU_ASSIGN_OR_RETURN(auto offered, wire::ParseSmSupportedVersions(el.data));
    for (uint16_t ours : kSecuredVersions) {
      for (uint16_t v : offered) {
        if ((v & 0xFF00) == ours && selected == 0) selected = ours;
      }
    }
  }
  if (selected == 0) return Invalid("spdm responder: no common secured-message version in opaque data");
  Bytes sel = wire::SerializeSmVersionSelection(selected);
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque_rsp,
                         wire::SerializeOpaqueData({wire::OpaqueElement{wire::kOpaqueElementIdDmtf, {}, sel}}, fmt));
  if (config_.fault == Fault::kTruncatedOpaqueData && opaque_rsp.size() >= 3) {
    opaque_rsp.erase(opaque_rsp.end() - 3, opaque_rsp.end());
  }
  return opaque_rsp;
}

uint32_t Responder::AllocateSessionId(uint16_t req_session_id) {
  // RspSessionID from 0xFFFF downwards, skipping live ones.
  uint16_t rsp_half = 0;
  for (int tries = 0; tries < 0x10000; ++tries) {
    const uint16_t cand = next_rsp_session_id_--;
    if (cand == 0) continue;
    if (sessions_.count(session::MakeSessionId(req_session_id, cand)) == 0) {
      rsp_half = cand;
      break;
    }
  }
  return session::MakeSessionId(req_session_id, rsp_half);
}

Result<Bytes> Responder::OnKeyExchange(const wire::KeyExchange& m, const Ctx& ctx) {
  if ((neg_.rsp_caps & wire::cap::kKeyEx) == 0 || (neg_.req_caps & wire::cap::kKeyEx) == 0) {
    return Unsupported("spdm responder: KEY_EX_CAP not set on both sides");
  }
  if (ctx.session != nullptr) return Unexpected("spdm responder: KEY_EXCHANGE inside a session");
  auto curve = CurveFromDheBit(neg_.dhe);
  auto aead = AeadFromBit(neg_.aead);
  if (!curve || !aead || cert_chain_.empty() || neg_.base_asym == 0) {
    return Unexpected("spdm responder: KEY_EXCHANGE without negotiated DHE/AEAD/asym");
  }
  if (m.slot_id != 0) return Invalid("spdm responder: KEY_EXCHANGE slot not provisioned");
  CCGPU_TRY(CheckMeasSummaryType(m.meas_summary_hash_type, "spdm responder: measurement summary without MEAS_CAP"));
  if (sessions_.size() >= config_.max_sessions) {
    return Fail(Errc::kResourceExhausted, "spdm responder: session limit reached");
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque_rsp, SecuredVersionSelection(m.opaque_data));

  CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey peer, crypto::EcPublicKey::FromRawPoint(*curve, m.exchange_data));
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPrivateKey eph, crypto::EcPrivateKey::Generate(*curve));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes dhe_secret, eph.Ecdh(peer));
  CCGPU_ASSIGN_OR_RETURN(Bytes exchange, eph.PublicRawPoint());
  if (config_.fault == Fault::kWrongDheGroup) {
    // A point of the other curve, resized to this group's ExchangeData size.
    const auto other = *curve == crypto::Curve::kP384 ? crypto::Curve::kP256 : crypto::Curve::kP384;
    CCGPU_ASSIGN_OR_RETURN(crypto::EcPrivateKey wrong, crypto::EcPrivateKey::Generate(other));
    CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey wrong_pub, wrong.PublicKey());
    CCGPU_ASSIGN_OR_RETURN(Bytes wp, wrong_pub.RawPoint());
    wp.resize(exchange.size(), 0);
    exchange = wp;
  }

  const uint32_t session_id = AllocateSessionId(m.req_session_id);
  const uint16_t rsp_half = static_cast<uint16_t>(session_id >> 16);
  Bytes summary;
  if (m.meas_summary_hash_type != wire::kMeasSummaryHashNone) {
    CCGPU_ASSIGN_OR_RETURN(summary, MeasurementSummaryHash(m.meas_summary_hash_type));
  }
  const bool in_clear = neg_.wire.handshake_in_the_clear;
  const bool heartbeat = (neg_.rsp_caps & wire::cap::kHbeat) != 0 && (neg_.req_caps & wire::cap::kHbeat) != 0;
  wire::KeyExchangeRsp r;
  r.version = neg_.version;
  r.heartbeat_period = heartbeat ? config_.heartbeat_period : 0;
  r.rsp_session_id = rsp_half;
  r.mut_auth_requested = 0;
  r.req_slot_id_param = 0;
  CCGPU_TRY(crypto::RandomBytes(r.random_data));
  r.exchange_data = exchange;
  r.measurement_summary_hash = summary;
  r.opaque_data = opaque_rsp;
  const Bytes zero_sig(neg_.wire.signature_size, 0);
  const Bytes zero_vd(in_clear ? 0 : neg_.wire.hash_size, 0);
  r.signature = zero_sig;
  r.responder_verify_data = zero_vd;
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializeKeyExchangeRsp(r));
  const std::size_t sig_at = rsp.size() - zero_vd.size() - zero_sig.size();
  const std::size_t vd_at = rsp.size() - zero_vd.size();

  // TH = A || [D] || H(CertChain) || KEY_EXCHANGE || KEY_EXCHANGE_RSP…
  CCGPU_ASSIGN_OR_RETURN(auto th, session::SessionTranscript::Create(neg_.hash, message_a_.bytes(), {}, cert_chain_hash_));
  CCGPU_TRY(th.AppendKeyExchange(ctx.request));
  CCGPU_TRY(th.AppendKeyExchangeRspSigned(ByteSpan(rsp).first(sig_at)));
  CCGPU_ASSIGN_OR_RETURN(Bytes sig_digest, th.Digest());
  CCGPU_ASSIGN_OR_RETURN(Bytes sig, SignTranscript(session::SigningContext::kResponderKeyExchangeRsp, sig_digest));
  if (config_.fault == Fault::kBadKeyExchangeSignature) FlipBit(sig, 5);
  std::copy(sig.begin(), sig.end(), rsp.begin() + static_cast<std::ptrdiff_t>(sig_at));
  CCGPU_TRY(th.AppendKeyExchangeRspSignature(sig));
  CCGPU_ASSIGN_OR_RETURN(Bytes th1, th.Th1());

  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(neg_.version));
  session::SessionAlgorithms algs{v, neg_.hash, *aead};
  CCGPU_ASSIGN_OR_RETURN(auto schedule, session::KeySchedule::Create(algs, std::move(dhe_secret)));
  CCGPU_TRY(schedule.DeriveHandshake(th1));
  CCGPU_ASSIGN_OR_RETURN(auto secure, session::SecureSession::Create(session::Role::kResponder, session_id, config_.binding,
                                                                     std::move(schedule), config_.session_options));
  if (!in_clear) {
    CCGPU_ASSIGN_OR_RETURN(Bytes vd, secure.VerifyData(session::Direction::kResponderToRequester, th1));
    if (config_.fault == Fault::kBadResponderVerifyData) FlipBit(vd, 2);
    std::copy(vd.begin(), vd.end(), rsp.begin() + static_cast<std::ptrdiff_t>(vd_at));
    CCGPU_TRY(th.AppendKeyExchangeRspVerifyData(vd));
  }
  auto st = std::make_unique<SessionState>();
  st->id = session_id;
  st->in_clear = in_clear;
  st->secure.emplace(std::move(secure));
  st->th.emplace(std::move(th));
  sessions_[session_id] = std::move(st);
  if (in_clear) in_clear_handshake_session_ = session_id;
  return rsp;
}

}  // namespace ccgpu::spdm::responder
