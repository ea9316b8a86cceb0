// KEY_EXCHANGE → KEY_EXCHANGE_RSP (DSP0274 1.2 §10.15, ECDHE). Checks, in
// order: the response's shape (strict parse), MutAuthRequested = 0 (no
// mutual authentication here), the secured-message version selection
// (inside our SupportedVersionList, else kDowngrade), the signature over
//   TH = Hash(A || H(CertChain) || KEY_EXCHANGE || KEY_EXCHANGE_RSP up to Signature)
// the responder's ExchangeData point, and ResponderVerifyData =
// HMAC(rsp_finished_key, TH1). Then FINISH (req_finish.cc).
#include "crypto/rng.h"
#include "spdm/requester/requester_internal.h"
#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::requester {
namespace {

constexpr uint16_t kSecuredVersions[] = {0x1000, 0x1100, 0x1200};

}  // namespace

wire::OpaqueFormat Requester::OpaqueFormat() const {
  return (conn_.other_params & wire::alg::kOpaqueDataFmt1) != 0 ? wire::OpaqueFormat::kFmt1
                                                               : wire::OpaqueFormat::kDmtfSpecId;
}

Result<Bytes> Requester::SecuredVersionOffer() const {
  CCGPU_ASSIGN_OR_RETURN(Bytes svl, wire::SerializeSmSupportedVersions({std::begin(kSecuredVersions), std::end(kSecuredVersions)}));
  return wire::SerializeOpaqueData({wire::OpaqueElement{wire::kOpaqueElementIdDmtf, {}, svl}}, OpaqueFormat());
}

Status Requester::CheckSecuredVersionSelection(ByteSpan response_opaque, const char* message) const {
  // DSP0277 §8: the responder's VersionSelection must be one we listed.
  CCGPU_ASSIGN_OR_RETURN(auto elements, wire::ParseOpaqueData(response_opaque, OpaqueFormat()));
  std::optional<uint16_t> selected;
  for (const auto& el : elements) {
    if (el.id != wire::kOpaqueElementIdDmtf) continue;
    auto id = wire::SmDataId(el.data);
    if (id && *id == wire::kSmDataIdVersionSelection) {
      CCGPU_ASSIGN_OR_RETURN(uint16_t v, wire::ParseSmVersionSelection(el.data));
      selected = v;
    }
  }
  if (!selected) return Fail(Errc::kMalformed, message);
  bool offered = false;
  for (uint16_t v : kSecuredVersions) offered = offered || (v & 0xFF00) == (*selected & 0xFF00);
  if (!offered) return Fail(Errc::kDowngrade, "spdm requester: secured-message version outside the offer");
  return OkStatus();
}

uint16_t Requester::AllocateReqSessionId() {
  uint16_t req_half = 0;
  for (int i = 0; i < 0x10000 && req_half == 0; ++i) {
    const uint16_t cand = next_req_session_id_--;
    bool used = false;
    for (const auto& [id, st] : sessions_) used = used || static_cast<uint16_t>(id & 0xFFFF) == cand;
    if (cand != 0 && !used) req_half = cand;
  }
  return req_half;
}

Result<SessionInfo> Requester::StartSession(uint8_t meas_summary_hash_type, uint8_t session_policy) {
  if (!connected_) return Fail(Errc::kStateError, "spdm requester: KEY_EXCHANGE before VCA");
  if (!leaf_key_) return Fail(Errc::kStateError, "spdm requester: KEY_EXCHANGE before the certificate chain");
  auto curve = CurveFromDheBit(conn_.dhe);
  auto aead = AeadFromBit(conn_.aead);
  if (!curve || !aead) return Fail(Errc::kUnsupportedAlgorithm, "spdm requester: no DHE group / AEAD negotiated");
  if ((conn_.responder_capabilities & wire::cap::kKeyEx) == 0) {
    return Fail(Errc::kUnsupported, "spdm requester: responder lacks KEY_EX_CAP");
  }
  const uint16_t req_half = AllocateReqSessionId();

  CCGPU_ASSIGN_OR_RETURN(crypto::EcPrivateKey eph, crypto::EcPrivateKey::Generate(*curve));
  CCGPU_ASSIGN_OR_RETURN(Bytes exchange, eph.PublicRawPoint());
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque, SecuredVersionOffer());
  wire::KeyExchange ke;
  ke.version = conn_.version;
  ke.meas_summary_hash_type = meas_summary_hash_type;
  ke.slot_id = 0;
  ke.req_session_id = req_half;
  ke.session_policy = conn_.version >= wire::kVersion12 ? session_policy : 0;
  CCGPU_TRY(crypto::RandomBytes(ke.random_data));
  ke.exchange_data = exchange;
  ke.opaque_data = opaque;
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeKeyExchange(ke));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(nullptr, req));
  wire::ParseParams p = Params();
  p.measurement_summary_hash = meas_summary_hash_type != wire::kMeasSummaryHashNone;
  CCGPU_ASSIGN_OR_RETURN(auto rsp, Expect<wire::KeyExchangeRsp>(raw, p));
  const wire::KeyExchangeRsp& r = rsp.message;
  if (r.mut_auth_requested != 0) return Fail(Errc::kUnsupported, "spdm requester: responder asks for mutual authentication");

  CCGPU_TRY(CheckSecuredVersionSelection(r.opaque_data,
                                         "spdm requester: KEY_EXCHANGE_RSP lacks a secured-message VersionSelection"));

  const std::size_t vd_size = r.responder_verify_data.size();
  const std::size_t sig_at = rsp.bytes.size() - vd_size - r.signature.size();
  CCGPU_ASSIGN_OR_RETURN(auto th, session::SessionTranscript::Create(hash_, message_a_.bytes(), {}, cert_chain_hash_));
  CCGPU_TRY(th.AppendKeyExchange(req));
  CCGPU_TRY(th.AppendKeyExchangeRspSigned(rsp.bytes.first(sig_at)));
  CCGPU_ASSIGN_OR_RETURN(Bytes sig_digest, th.Digest());
  CCGPU_TRY(VerifyTranscriptSignature(session::SigningContext::kResponderKeyExchangeRsp, sig_digest, r.signature));
  CCGPU_TRY(th.AppendKeyExchangeRspSignature(r.signature));
  CCGPU_ASSIGN_OR_RETURN(Bytes th1, th.Th1());

  CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey peer, crypto::EcPublicKey::FromRawPoint(*curve, r.exchange_data));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes dhe_secret, eph.Ecdh(peer));
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(conn_.version));
  session::SessionAlgorithms algs{v, hash_, *aead};
  CCGPU_ASSIGN_OR_RETURN(auto schedule, session::KeySchedule::Create(algs, std::move(dhe_secret)));
  CCGPU_TRY(schedule.DeriveHandshake(th1));
  const uint32_t session_id = session::MakeSessionId(req_half, r.rsp_session_id);
  CCGPU_ASSIGN_OR_RETURN(auto secure, session::SecureSession::Create(session::Role::kRequester, session_id, config_.binding,
                                                                     std::move(schedule), config_.session_options));
  if (!conn_.handshake_in_the_clear) {
    CCGPU_TRY(secure.CheckVerifyData(session::Direction::kResponderToRequester, th1, r.responder_verify_data));
    CCGPU_TRY(th.AppendKeyExchangeRspVerifyData(r.responder_verify_data));
  }
  auto st = std::make_unique<SessionState>();
  st->id = session_id;
  st->in_clear = conn_.handshake_in_the_clear;
  st->heartbeat_period = r.heartbeat_period;
  st->secure.emplace(std::move(secure));
  SessionState& s = *st;
  sessions_[session_id] = std::move(st);
  auto fin = SendFinish(s, th);
  if (!fin) {
    sessions_.erase(session_id);
    return tl::unexpected(fin.error());
  }
  SessionInfo info;
  info.session_id = session_id;
  info.heartbeat_period = s.heartbeat_period;
  info.handshake_in_the_clear = s.in_clear;
  info.measurement_summary_hash.assign(r.measurement_summary_hash.begin(), r.measurement_summary_hash.end());
  return info;
}

}  // namespace ccgpu::spdm::requester
