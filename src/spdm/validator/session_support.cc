// Establish: KEY_EXCHANGE (+ FINISH) as the validator's requester side
// (DSP0274 1.2 §10.15/§10.16, DSP0277 §8), for the cases that need a session
// as their setup. The checks are those a requester must make before it uses
// the session; each failure has its own error so that a case can report
// what broke:
//   KEY_EXCHANGE answered with ERROR             kPeerError
//   answered with another response code          kUnexpectedMessage
//   SPDMVersion not the negotiated one           kVersionMismatch
//   shape (strict parse)                         the parser's error
//   signature over TH (leaf key of the chain)    kBadSignature
//   ResponderVerifyData = HMAC(finished, TH1)    kTranscriptMismatch
//   MutAuthRequested != 0 (no requester cert)    kUnsupported
//   secured-message VersionSelection absent or
//   outside our SupportedVersionList             kDowngrade
// then, with `finish`, the same kinds for FINISH / FINISH_RSP.
#include <algorithm>

#include "crypto/rng.h"
#include "spdm/responder/algorithm_map.h"
#include "spdm/validator/validator_internal.h"
#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::validator::internal {

namespace session_support {

// DSP0277 versions offered in KEY_EXCHANGE's SupportedVersionList (as our
// requester offers them).
constexpr uint16_t kSecuredVersions[] = {0x1000, 0x1100, 0x1200};
// ReqSessionID of the validator's sessions (each case starts from
// GET_VERSION, so one session per connection at a time).
constexpr uint16_t kReqSessionId = 0xFFFF;

// The reply must be `code` in the negotiated version.
Status ExpectResponse(ByteSpan rsp, wire::Code code, uint8_t version, const char* on_error, const char* on_other,
                      const char* on_version) {
  auto h = wire::PeekHeader(rsp);
  if (!h) return Fail(Errc::kTruncated, on_other);
  if (h->code == static_cast<uint8_t>(wire::Code::kError)) return Fail(Errc::kPeerError, on_error);
  if (h->code != static_cast<uint8_t>(code)) return Fail(Errc::kUnexpectedMessage, on_other);
  if (h->version != version) return Fail(Errc::kVersionMismatch, on_version);
  return OkStatus();
}

// The VersionSelection of KEY_EXCHANGE_RSP's opaque data must be one we
// offered (DSP0277 §8).
Status CheckVersionSelection(ByteSpan opaque, wire::OpaqueFormat fmt) {
  auto elements = wire::ParseOpaqueData(opaque, fmt);
  if (!elements) return Fail(Errc::kDowngrade, "validator: KEY_EXCHANGE_RSP opaque data does not parse");
  std::optional<uint16_t> selected;
  for (const auto& el : *elements) {
    if (el.id != wire::kOpaqueElementIdDmtf) continue;
    auto id = wire::SmDataId(el.data);
    if (!id || *id != wire::kSmDataIdVersionSelection) continue;
    auto v = wire::ParseSmVersionSelection(el.data);
    if (v) selected = *v;
  }
  if (!selected) return Fail(Errc::kDowngrade, "validator: KEY_EXCHANGE_RSP lacks a secured-message VersionSelection");
  const bool offered = std::any_of(std::begin(kSecuredVersions), std::end(kSecuredVersions),
                                   [&](uint16_t v) { return (v & 0xFF00) == (*selected & 0xFF00); });
  if (!offered) return Fail(Errc::kDowngrade, "validator: secured-message version outside the validator's offer");
  return OkStatus();
}

// FINISH (no mutual authentication) with RequesterVerifyData over the
// transcript, then FINISH_RSP: ResponderVerifyData in the clear, TH2, and the
// application keys.
Status Finish(Probe& probe, const Negotiated& n, OpenSession& out, session::SessionTranscript& th) {
  const bool in_clear = n.np.handshake_in_the_clear;
  session::SecureSession& secure = *out.secure;
  wire::Finish f;
  f.version = n.version;
  const Bytes zero(n.np.hash_size, 0);
  f.requester_verify_data = zero;
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeFinish(f));
  const std::size_t vd_at = req.size() - zero.size();
  CCGPU_TRY(th.AppendFinishSigned(ByteSpan(req).first(vd_at)));
  CCGPU_ASSIGN_OR_RETURN(Bytes digest, th.Digest());
  CCGPU_ASSIGN_OR_RETURN(Bytes vd, secure.VerifyData(session::Direction::kRequesterToResponder, digest));
  std::copy(vd.begin(), vd.end(), req.begin() + static_cast<std::ptrdiff_t>(vd_at));
  CCGPU_TRY(th.AppendFinishVerifyData(vd));

  Bytes rsp;
  if (in_clear) {
    CCGPU_ASSIGN_OR_RETURN(rsp, probe.Send(req));
  } else {
    CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, probe.SendSecured(secure, req));
    rsp = std::move(reply.bytes);
  }
  CCGPU_TRY(ExpectResponse(rsp, wire::Code::kFinishRsp, n.version, "validator: FINISH answered with ERROR",
                           "validator: FINISH not answered with FINISH_RSP",
                           "validator: FINISH_RSP SPDMVersion is not the negotiated one"));
  CCGPU_ASSIGN_OR_RETURN(wire::FinishRsp r, wire::ParseFinishRsp(rsp, probe.Params(n.np)));
  CCGPU_TRY(th.AppendFinishRspHeader(ByteSpan(rsp).first(wire::kHeaderSize)));
  if (in_clear) {
    CCGPU_ASSIGN_OR_RETURN(Bytes d, th.Digest());
    if (!secure.CheckVerifyData(session::Direction::kResponderToRequester, d, r.responder_verify_data)) {
      return Fail(Errc::kTranscriptMismatch, "validator: FINISH_RSP ResponderVerifyData does not verify");
    }
    CCGPU_TRY(th.AppendFinishRspVerifyData(r.responder_verify_data));
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes th2, th.Th2());
  CCGPU_TRY(secure.EnterApplicationPhase(th2));
  out.finished = true;
  return OkStatus();
}

}  // namespace session_support

Result<OpenSession> Establish(Probe& probe, const Negotiated& n, const SlotChain& chain, bool finish,
                              uint8_t meas_summary_hash_type) {
  namespace ss = session_support;
  if (!probe.config().binding) return Fail(Errc::kUnsupported, "validator: no secured-message binding configured");
  if (!chain.leaf_key) return Fail(Errc::kUnsupported, "validator: the chain's leaf key is not P-256/P-384");
  auto curve = CurveFromDheBit(n.dhe);
  auto aead = AeadFromBit(n.aead);
  if (!curve || !aead) return Fail(Errc::kUnsupportedAlgorithm, "validator: no DHE group / AEAD the validator implements");
  // The slot whose chain was read (GET_CERTIFICATE Param1).
  const uint8_t slot = !chain.certificate_messages.empty() && chain.certificate_messages[0].size() > 2
                           ? static_cast<uint8_t>(chain.certificate_messages[0][2] & 0x0F)
                           : 0;
  // SPDM 1.3 MultiKeyConnRsp (MULTI_KEY_CAP = 01; the validator never sets
  // MULTI_KEY_CONN, so "negotiable" stays off): TH carries the first DIGESTS.
  const bool multi_key = n.version >= wire::kVersion13 &&
                         (n.responder_flags & wire::cap::kMultiKeyMask) == wire::cap::kMultiKeyOnly;
  const wire::OpaqueFormat fmt =
      (n.other_params & wire::alg::kOpaqueDataFmt1) != 0 ? wire::OpaqueFormat::kFmt1 : wire::OpaqueFormat::kDmtfSpecId;

  CCGPU_ASSIGN_OR_RETURN(crypto::EcPrivateKey eph, crypto::EcPrivateKey::Generate(*curve));
  CCGPU_ASSIGN_OR_RETURN(Bytes exchange, eph.PublicRawPoint());
  CCGPU_ASSIGN_OR_RETURN(Bytes svl, wire::SerializeSmSupportedVersions(
                                        {std::begin(ss::kSecuredVersions), std::end(ss::kSecuredVersions)}));
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque, wire::SerializeOpaqueData({wire::OpaqueElement{wire::kOpaqueElementIdDmtf, {}, svl}}, fmt));
  wire::KeyExchange ke;
  ke.version = n.version;
  ke.meas_summary_hash_type = meas_summary_hash_type;
  ke.slot_id = slot;
  ke.req_session_id = ss::kReqSessionId;
  ke.session_policy = n.version >= wire::kVersion12 ? wire::kSessionPolicyTermination : 0;
  CCGPU_TRY(crypto::RandomBytes(ke.random_data));
  ke.exchange_data = exchange;
  ke.opaque_data = opaque;
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeKeyExchange(ke));

  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(req));
  CCGPU_TRY(ss::ExpectResponse(rsp, wire::Code::kKeyExchangeRsp, n.version, "validator: KEY_EXCHANGE answered with ERROR",
                               "validator: KEY_EXCHANGE not answered with KEY_EXCHANGE_RSP",
                               "validator: KEY_EXCHANGE_RSP SPDMVersion is not the negotiated one"));
  wire::ParseParams p = probe.Params(n.np);
  p.measurement_summary_hash = meas_summary_hash_type != wire::kMeasSummaryHashNone;
  CCGPU_ASSIGN_OR_RETURN(wire::KeyExchangeRsp r, wire::ParseKeyExchangeRsp(rsp, p));

  // Signature over TH = Hash(A || [D] || H(CertChain) || KEY_EXCHANGE ||
  // KEY_EXCHANGE_RSP up to the signature).
  const std::size_t sig_at = wire::KeyExchangeRspSignedSize(r);
  const ByteSpan message_d = multi_key ? ByteSpan(chain.digests_response) : ByteSpan();
  CCGPU_ASSIGN_OR_RETURN(auto th, session::SessionTranscript::Create(n.hash, n.message_a.bytes(), message_d, chain.chain_hash));
  CCGPU_TRY(th.AppendKeyExchange(req));
  CCGPU_TRY(th.AppendKeyExchangeRspSigned(ByteSpan(rsp).first(sig_at)));
  CCGPU_ASSIGN_OR_RETURN(Bytes sig_digest, th.Digest());
  if (!VerifySpdmSignature(n, *chain.leaf_key, session::SigningContext::kResponderKeyExchangeRsp, sig_digest, r.signature)) {
    return Fail(Errc::kBadSignature, "validator: KEY_EXCHANGE_RSP signature does not verify with the slot's leaf key");
  }
  CCGPU_TRY(th.AppendKeyExchangeRspSignature(r.signature));
  CCGPU_ASSIGN_OR_RETURN(Bytes th1, th.Th1());

  // Handshake keys, then ResponderVerifyData = HMAC(rsp_finished_key, TH1).
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey peer, crypto::EcPublicKey::FromRawPoint(*curve, r.exchange_data));
  CCGPU_ASSIGN_OR_RETURN(SecretBytes dhe_secret, eph.Ecdh(peer));
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(n.version));
  CCGPU_ASSIGN_OR_RETURN(auto schedule, session::KeySchedule::Create(session::SessionAlgorithms{v, n.hash, *aead}, std::move(dhe_secret)));
  CCGPU_TRY(schedule.DeriveHandshake(th1));
  OpenSession out;
  out.session_id = session::MakeSessionId(ss::kReqSessionId, r.rsp_session_id);
  CCGPU_ASSIGN_OR_RETURN(auto secure, session::SecureSession::Create(session::Role::kRequester, out.session_id,
                                                                     *probe.config().binding, std::move(schedule)));
  if (!n.np.handshake_in_the_clear) {
    if (!secure.CheckVerifyData(session::Direction::kResponderToRequester, th1, r.responder_verify_data)) {
      return Fail(Errc::kTranscriptMismatch, "validator: KEY_EXCHANGE_RSP ResponderVerifyData does not verify");
    }
    CCGPU_TRY(th.AppendKeyExchangeRspVerifyData(r.responder_verify_data));
  }
  if (r.mut_auth_requested != 0) {
    return Fail(Errc::kUnsupported, "validator: responder asks for mutual authentication the validator did not offer");
  }
  CCGPU_TRY(ss::CheckVersionSelection(r.opaque_data, fmt));
  out.secure.emplace(std::move(secure));
  out.key_exchange_rsp = std::move(rsp);
  if (finish) CCGPU_TRY(ss::Finish(probe, n, out, th));
  return out;
}

}  // namespace ccgpu::spdm::validator::internal
