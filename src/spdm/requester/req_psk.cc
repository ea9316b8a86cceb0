// PSK_EXCHANGE → PSK_EXCHANGE_RSP, then PSK_FINISH → PSK_FINISH_RSP when the
// responder has PSK_CAP with context (DSP0274 1.2 §10.17-10.18). Checks, in
// order: the response's shape (strict parse), the secured-message version
// selection (inside our SupportedVersionList, else kDowngrade), that a
// ResponderContext is there exactly when the responder advertised PSK_CAP
// with context, and ResponderVerifyData = HMAC(rsp_finished_key, TH1) with
//   TH1 = Hash(A || PSK_EXCHANGE || PSK_EXCHANGE_RSP up to ResponderVerifyData).
// Only a responder holding the same PSK produces that MAC.
#include "crypto/rng.h"
#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {

Result<SessionInfo> Requester::StartPskSession(ByteSpan psk_hint, uint8_t meas_summary_hash_type,
                                               uint8_t session_policy) {
  if (!connected_) return Fail(Errc::kStateError, "spdm requester: PSK_EXCHANGE before VCA");
  if (!config_.psk_store) return Fail(Errc::kStateError, "spdm requester: PSK_EXCHANGE without a PSK store");
  auto aead = AeadFromBit(conn_.aead);
  if (!aead) return Fail(Errc::kUnsupportedAlgorithm, "spdm requester: no AEAD negotiated");
  const uint32_t rsp_psk = conn_.responder_capabilities & wire::cap::kPskMask;
  if (rsp_psk == 0) return Fail(Errc::kUnsupported, "spdm requester: responder lacks PSK_CAP");
  if (psk_hint.size() > session::kMaxPskHintSize) {
    return Fail(Errc::kInvalidArgument, "spdm requester: PSKHint longer than 64 bytes");
  }
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(conn_.version));
  session::SessionAlgorithms algs{v, hash_, *aead};
  // kNotFound before anything is sent.
  CCGPU_ASSIGN_OR_RETURN(auto schedule, config_.psk_store->Schedule(algs, psk_hint));

  const uint16_t req_half = AllocateReqSessionId();
  Bytes context(np_.hash_size);
  CCGPU_TRY(crypto::RandomBytes(context));
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque, SecuredVersionOffer());
  wire::PskExchange ex;
  ex.version = conn_.version;
  ex.meas_summary_hash_type = meas_summary_hash_type;
  ex.session_policy = conn_.version >= wire::kVersion12 ? session_policy : 0;
  ex.req_session_id = req_half;
  ex.psk_hint = psk_hint;
  ex.requester_context = context;
  ex.opaque_data = opaque;
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializePskExchange(ex));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(nullptr, req));
  wire::ParseParams p = Params();
  p.measurement_summary_hash = meas_summary_hash_type != wire::kMeasSummaryHashNone;
  CCGPU_ASSIGN_OR_RETURN(auto rsp, Expect<wire::PskExchangeRsp>(raw, p));
  const wire::PskExchangeRsp& r = rsp.message;
  CCGPU_TRY(CheckSecuredVersionSelection(r.opaque_data,
                                         "spdm requester: PSK_EXCHANGE_RSP lacks a secured-message VersionSelection"));
  const bool with_context = rsp_psk == wire::cap::kPskWithContext;
  if (with_context == r.responder_context.empty()) {
    return Fail(Errc::kMalformed, "spdm requester: ResponderContext disagrees with the responder's PSK_CAP");
  }

  CCGPU_ASSIGN_OR_RETURN(auto th, session::PskSessionTranscript::Create(hash_, message_a_.bytes()));
  CCGPU_TRY(th.AppendPskExchange(req));
  CCGPU_TRY(th.AppendPskExchangeRspBeforeVerifyData(rsp.bytes.first(rsp.bytes.size() - r.responder_verify_data.size())));
  CCGPU_ASSIGN_OR_RETURN(Bytes th1, th.Digest());
  CCGPU_TRY(schedule.DeriveHandshake(th1));
  const uint32_t session_id = session::MakeSessionId(req_half, r.rsp_session_id);
  CCGPU_ASSIGN_OR_RETURN(auto secure, session::SecureSession::Create(session::Role::kRequester, session_id, config_.binding,
                                                                     std::move(schedule), config_.session_options));
  CCGPU_TRY(secure.CheckVerifyData(session::Direction::kResponderToRequester, th1, r.responder_verify_data));
  CCGPU_TRY(th.AppendPskExchangeRspVerifyData(r.responder_verify_data));

  auto st = std::make_unique<SessionState>();
  st->id = session_id;
  st->heartbeat_period = r.heartbeat_period;
  st->secure.emplace(std::move(secure));
  SessionState& s = *st;
  sessions_[session_id] = std::move(st);
  SessionInfo info;
  info.session_id = session_id;
  info.heartbeat_period = r.heartbeat_period;
  info.psk = true;
  info.psk_finish = with_context;
  info.measurement_summary_hash.assign(r.measurement_summary_hash.begin(), r.measurement_summary_hash.end());
  auto done = [&]() -> Status {
    if (with_context) {
      // PSK_FINISH under the handshake keys: header || RequesterVerifyData.
      const Bytes zero(np_.hash_size, 0);
      CCGPU_ASSIGN_OR_RETURN(Bytes fin, wire::SerializePskFinish(wire::PskFinish{conn_.version, zero}));
      CCGPU_TRY(th.AppendPskFinishHeader(ByteSpan(fin).first(wire::kHeaderSize)));
      CCGPU_ASSIGN_OR_RETURN(Bytes digest, th.Digest());
      CCGPU_ASSIGN_OR_RETURN(Bytes vd, s.secure->VerifyData(session::Direction::kRequesterToResponder, digest));
      std::copy(vd.begin(), vd.end(), fin.begin() + wire::kHeaderSize);
      CCGPU_TRY(th.AppendPskFinishVerifyData(vd));
      CCGPU_ASSIGN_OR_RETURN(Bytes fin_raw, SendReceive(&s, fin));
      CCGPU_ASSIGN_OR_RETURN(auto fin_rsp, Expect<wire::PskFinishRsp>(fin_raw, Params()));
      CCGPU_TRY(th.AppendPskFinishRsp(fin_rsp.bytes));
    }
    CCGPU_ASSIGN_OR_RETURN(Bytes th2, th.Th2());
    CCGPU_TRY(s.secure->EnterApplicationPhase(th2));
    s.established = true;
    return OkStatus();
  };
  if (auto ok = done(); !ok) {
    sessions_.erase(session_id);
    return tl::unexpected(ok.error());
  }
  return info;
}

}  // namespace ccgpu::spdm::requester
