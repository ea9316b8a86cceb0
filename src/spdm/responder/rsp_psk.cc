// PSK_EXCHANGE → PSK_EXCHANGE_RSP and PSK_FINISH → PSK_FINISH_RSP (DSP0274
// 1.2 §10.17-10.18): a session keyed by a pre-shared key that the PSKHint
// names, with no certificate and no signature.
//   TH1 = Hash(A || PSK_EXCHANGE || PSK_EXCHANGE_RSP up to ResponderVerifyData)
//   ResponderVerifyData = HMAC(rsp_finished_key, TH1)
//   PSK_CAP with context (10b): a fresh ResponderContext, and the handshake
//     ends with PSK_FINISH (RequesterVerifyData = HMAC(req_finished_key,
//     Hash(... || PSK_FINISH header))) and PSK_FINISH_RSP, under the
//     handshake keys; TH2 = Hash(... || PSK_FINISH || PSK_FINISH_RSP).
//   PSK_CAP without context (01b): no ResponderContext, no PSK_FINISH; the
//     session is established by PSK_EXCHANGE_RSP, TH2 = Hash(... ||
//     PSK_EXCHANGE_RSP).
// The requester's freshness is its RequesterContext (at least 32 bytes are
// required here). Without a ResponderContext it is the only freshness: a
// replayed PSK_EXCHANGE would give the responder the keys of the earlier
// session again, and the host could then replay that session's records,
// which the responder would answer under the same keys and sequence numbers
// (AES-GCM nonce reuse). So a responder without context refuses a
// RequesterContext it has seen before (the last kRememberedContexts of them,
// across connections) with InvalidRequest. With context its own random
// ResponderContext makes every session's keys fresh.
#include "crypto/rng.h"
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {
namespace {

constexpr std::size_t kMinRequesterContext = 32;

}  // namespace

Result<Bytes> Responder::OnPskExchange(const wire::PskExchange& m, const Ctx& ctx) {
  if ((neg_.rsp_caps & wire::cap::kPskMask) == 0 || (neg_.req_caps & wire::cap::kPskMask) == 0) {
    return Unsupported("spdm responder: PSK_CAP not set on both sides");
  }
  if (ctx.session != nullptr) return Unexpected("spdm responder: PSK_EXCHANGE inside a session");
  auto aead = AeadFromBit(neg_.aead);
  if (!aead) return Unexpected("spdm responder: PSK_EXCHANGE without a negotiated AEAD");
  CCGPU_TRY(CheckMeasSummaryType(m.meas_summary_hash_type, "spdm responder: measurement summary without MEAS_CAP"));
  if (m.psk_hint.size() > session::kMaxPskHintSize) return Invalid("spdm responder: PSKHint longer than 64 bytes");
  if (m.requester_context.size() < kMinRequesterContext) {
    return Invalid("spdm responder: RequesterContext shorter than 32 bytes");
  }
  if (sessions_.size() >= config_.max_sessions) {
    return Fail(Errc::kResourceExhausted, "spdm responder: session limit reached");
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque_rsp, SecuredVersionSelection(m.opaque_data));
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(neg_.version));
  session::SessionAlgorithms algs{v, neg_.hash, *aead};
  // An unknown hint is kNotFound: ERROR(InvalidRequest).
  CCGPU_ASSIGN_OR_RETURN(auto schedule, config_.psk_store->Schedule(algs, m.psk_hint));

  const bool with_context = (neg_.rsp_caps & wire::cap::kPskMask) == wire::cap::kPskWithContext;
  if (!with_context) {
    const Bytes seen(m.requester_context.begin(), m.requester_context.end());
    if (psk_contexts_.count(seen) != 0) return Invalid("spdm responder: PSK_EXCHANGE RequesterContext seen before (replay)");
    psk_contexts_.insert(seen);
    psk_context_order_.push_back(seen);
    if (psk_context_order_.size() > kRememberedContexts) {
      psk_contexts_.erase(psk_context_order_.front());
      psk_context_order_.pop_front();
    }
  }
  const uint32_t session_id = AllocateSessionId(m.req_session_id);
  Bytes context(with_context ? neg_.wire.hash_size : 0);
  CCGPU_TRY(crypto::RandomBytes(context));
  Bytes summary;
  if (m.meas_summary_hash_type != wire::kMeasSummaryHashNone) {
    CCGPU_ASSIGN_OR_RETURN(summary, MeasurementSummaryHash(m.meas_summary_hash_type));
  }
  const bool heartbeat = (neg_.rsp_caps & wire::cap::kHbeat) != 0 && (neg_.req_caps & wire::cap::kHbeat) != 0;
  wire::PskExchangeRsp r;
  r.version = neg_.version;
  r.heartbeat_period = heartbeat ? config_.heartbeat_period : 0;
  r.rsp_session_id = static_cast<uint16_t>(session_id >> 16);
  r.measurement_summary_hash = summary;
  r.responder_context = context;
  r.opaque_data = opaque_rsp;
  const Bytes zero_vd(neg_.wire.hash_size, 0);
  r.responder_verify_data = zero_vd;
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializePskExchangeRsp(r));
  const std::size_t vd_at = rsp.size() - zero_vd.size();

  CCGPU_ASSIGN_OR_RETURN(auto th, session::PskSessionTranscript::Create(neg_.hash, message_a_.bytes()));
  CCGPU_TRY(th.AppendPskExchange(ctx.request));
  CCGPU_TRY(th.AppendPskExchangeRspBeforeVerifyData(ByteSpan(rsp).first(vd_at)));
  CCGPU_ASSIGN_OR_RETURN(Bytes th1, th.Digest());
  CCGPU_TRY(schedule.DeriveHandshake(th1));
  CCGPU_ASSIGN_OR_RETURN(auto secure, session::SecureSession::Create(session::Role::kResponder, session_id, config_.binding,
                                                                     std::move(schedule), config_.session_options));
  CCGPU_ASSIGN_OR_RETURN(Bytes vd, secure.VerifyData(session::Direction::kResponderToRequester, th1));
  if (config_.fault == Fault::kBadResponderVerifyData) FlipBit(vd, 2);
  std::copy(vd.begin(), vd.end(), rsp.begin() + static_cast<std::ptrdiff_t>(vd_at));
  CCGPU_TRY(th.AppendPskExchangeRspVerifyData(vd));

  auto st = std::make_unique<SessionState>();
  st->id = session_id;
  if (!with_context) {
    // No PSK_FINISH follows: the application phase starts with this
    // response, which goes in the clear.
    CCGPU_ASSIGN_OR_RETURN(st->th2, th.Th2());
    CCGPU_TRY(secure.EnterApplicationPhase(st->th2));
    st->established = true;
  }
  st->secure.emplace(std::move(secure));
  st->psk_th.emplace(std::move(th));
  sessions_[session_id] = std::move(st);
  return rsp;
}

Result<Bytes> Responder::OnPskFinish(const wire::PskFinish& m, const Ctx& ctx) {
  SessionState* s = ctx.session;
  if (s == nullptr) {
    // DMTF's test plan: out of a session, SessionRequired while a PSK
    // handshake waits for it (case 11.8), UnexpectedRequest when none does
    // (case 11.3).
    for (const auto& [id, st] : sessions_) {
      if (st->psk_th && !st->established) return SessionRequired("spdm responder: PSK_FINISH outside its session");
    }
    return Unexpected("spdm responder: PSK_FINISH without a PSK_EXCHANGE");
  }
  if (!s->psk_th) return Unexpected("spdm responder: PSK_FINISH in a KEY_EXCHANGE session");
  if (s->established) return Unexpected("spdm responder: PSK_FINISH after the handshake");
  session::PskSessionTranscript th = *s->psk_th;  // committed only on success
  CCGPU_TRY(th.AppendPskFinishHeader(ctx.request.first(wire::kHeaderSize)));
  CCGPU_ASSIGN_OR_RETURN(Bytes digest, th.Digest());
  if (!s->secure->CheckVerifyData(session::Direction::kRequesterToResponder, digest, m.requester_verify_data)) {
    return Fail(Errc::kTranscriptMismatch, "spdm responder: PSK_FINISH RequesterVerifyData does not verify");
  }
  CCGPU_TRY(th.AppendPskFinishVerifyData(m.requester_verify_data));
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializePskFinishRsp(wire::PskFinishRsp{neg_.version}));
  CCGPU_TRY(th.AppendPskFinishRsp(rsp));
  CCGPU_ASSIGN_OR_RETURN(s->th2, th.Th2());
  *s->psk_th = std::move(th);
  post_action_ = PostAction::kEnterApplication;
  return rsp;
}

}  // namespace ccgpu::spdm::responder
