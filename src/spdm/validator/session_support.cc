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
//
// The PSK handshake (DSP0274 1.2 §10.17/§10.18) likewise, for groups 10 and
// 11: PSK_EXCHANGE with the configured PSKHint, ResponderVerifyData checked
// with the validator's own transcript and key schedule (from its PskStore,
// never from anything the responder says), then PSK_FINISH when the
// responder has PSK_CAP with context.
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

// The VersionSelection of KEY_EXCHANGE_RSP's (or PSK_EXCHANGE_RSP's) opaque
// data must be one we offered (DSP0277 §8).
Status CheckVersionSelection(ByteSpan opaque, wire::OpaqueFormat fmt, bool psk = false) {
  auto elements = wire::ParseOpaqueData(opaque, fmt);
  if (!elements) {
    return Fail(Errc::kDowngrade, psk ? "validator: PSK_EXCHANGE_RSP opaque data does not parse"
                                      : "validator: KEY_EXCHANGE_RSP opaque data does not parse");
  }
  std::optional<uint16_t> selected;
  for (const auto& el : *elements) {
    if (el.id != wire::kOpaqueElementIdDmtf) continue;
    auto id = wire::SmDataId(el.data);
    if (!id || *id != wire::kSmDataIdVersionSelection) continue;
    auto v = wire::ParseSmVersionSelection(el.data);
    if (v) selected = *v;
  }
  if (!selected) {
    return Fail(Errc::kDowngrade, psk ? "validator: PSK_EXCHANGE_RSP lacks a secured-message VersionSelection"
                                      : "validator: KEY_EXCHANGE_RSP lacks a secured-message VersionSelection");
  }
  const bool offered = std::any_of(std::begin(kSecuredVersions), std::end(kSecuredVersions),
                                   [&](uint16_t v) { return (v & 0xFF00) == (*selected & 0xFF00); });
  if (!offered) return Fail(Errc::kDowngrade, "validator: secured-message version outside the validator's offer");
  return OkStatus();
}

}  // namespace session_support

wire::OpaqueFormat OpaqueFormatOf(const Negotiated& n) {
  return (n.other_params & wire::alg::kOpaqueDataFmt1) != 0 ? wire::OpaqueFormat::kFmt1 : wire::OpaqueFormat::kDmtfSpecId;
}

Result<Bytes> SecuredVersionOffer(const Negotiated& n) {
  CCGPU_ASSIGN_OR_RETURN(Bytes svl, wire::SerializeSmSupportedVersions({std::begin(session_support::kSecuredVersions),
                                                                         std::end(session_support::kSecuredVersions)}));
  return wire::SerializeOpaqueData({wire::OpaqueElement{wire::kOpaqueElementIdDmtf, {}, svl}}, OpaqueFormatOf(n));
}

// KEY_EXCHANGE with SupportedVersionList opaque data and SessionPolicy 0
// (as DMTF's validator sends it), with `exchange_data` as ExchangeData.
Result<Bytes> BuildKeyExchange(const Negotiated& n, uint8_t slot, uint8_t meas_summary, ByteSpan exchange_data) {
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque, SecuredVersionOffer(n));
  wire::KeyExchange ke;
  ke.version = n.version;
  ke.meas_summary_hash_type = meas_summary;
  ke.slot_id = slot;
  ke.req_session_id = session_support::kReqSessionId;
  ke.session_policy = 0;
  CCGPU_TRY(crypto::RandomBytes(ke.random_data));
  ke.exchange_data = exchange_data;
  ke.opaque_data = opaque;
  return wire::SerializeKeyExchange(ke);
}

// A fresh ephemeral public point of the negotiated group.
Result<Bytes> EphemeralPoint(const Negotiated& n) {
  auto curve = CurveFromDheBit(n.dhe);
  if (!curve) return Fail(Errc::kUnsupportedAlgorithm, "validator: negotiated DHE group is not one the validator implements");
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPrivateKey eph, crypto::EcPrivateKey::Generate(*curve));
  return eph.PublicRawPoint();
}

uint8_t SlotOfChain(const SlotChain& chain) {
  return !chain.certificate_messages.empty() && chain.certificate_messages[0].size() > 2
             ? static_cast<uint8_t>(chain.certificate_messages[0][2] & 0x0F)
             : 0;
}

// KEY_EXCHANGE with MeasurementSummaryHashType `meas_summary` on the chain's
// slot; the reply checked as a requester would, each check kept apart. The
// Result fails only when nothing could be sent or received, or a local step
// (key generation, transcript, key schedule) failed.
Result<KeyExchangeTry> TryKeyExchange(Probe& probe, const Negotiated& n, const SlotChain& chain, uint8_t meas_summary) {
  auto curve = CurveFromDheBit(n.dhe);
  auto aead = AeadFromBit(n.aead);
  if (!curve || !aead) return Fail(Errc::kUnsupportedAlgorithm, "validator: no DHE group / AEAD the validator implements");
  if (!chain.leaf_key) return Fail(Errc::kUnsupported, "validator: the chain's leaf key is not P-256/P-384");
  if (!probe.config().binding) return Fail(Errc::kUnsupported, "validator: no secured-message binding configured");
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPrivateKey eph, crypto::EcPrivateKey::Generate(*curve));
  CCGPU_ASSIGN_OR_RETURN(Bytes point, eph.PublicRawPoint());
  KeyExchangeTry t;
  CCGPU_ASSIGN_OR_RETURN(t.request, BuildKeyExchange(n, SlotOfChain(chain), meas_summary, point));
  CCGPU_ASSIGN_OR_RETURN(t.response, probe.Send(t.request));
  wire::ParseParams p = probe.Params(n.np);
  p.measurement_summary_hash = meas_summary != wire::kMeasSummaryHashNone;
  auto r = wire::ParseKeyExchangeRsp(t.response, p);
  if (!r) {
    t.parse_error = r.error();
    return t;
  }
  t.mut_auth_requested = r->mut_auth_requested;
  t.opaque_data.assign(r->opaque_data.begin(), r->opaque_data.end());
  const bool multi_key = n.version >= wire::kVersion13 &&
                         (n.responder_flags & wire::cap::kMultiKeyMask) == wire::cap::kMultiKeyOnly;
  const ByteSpan message_d = multi_key ? ByteSpan(chain.digests_response) : ByteSpan();
  CCGPU_ASSIGN_OR_RETURN(auto th, session::SessionTranscript::Create(n.hash, n.message_a.bytes(), message_d, chain.chain_hash));
  CCGPU_TRY(th.AppendKeyExchange(t.request));
  CCGPU_TRY(th.AppendKeyExchangeRspSigned(ByteSpan(t.response).first(wire::KeyExchangeRspSignedSize(*r))));
  CCGPU_ASSIGN_OR_RETURN(Bytes sig_digest, th.Digest());
  if (auto v = VerifySpdmSignature(n, *chain.leaf_key, session::SigningContext::kResponderKeyExchangeRsp, sig_digest,
                                   r->signature);
      !v) {
    t.signature_error = v.error();
  }
  CCGPU_TRY(th.AppendKeyExchangeRspSignature(r->signature));
  CCGPU_ASSIGN_OR_RETURN(Bytes th1, th.Th1());
  // The handshake keys (whether or not the signature held, so that
  // ResponderVerifyData is judged on its own).
  auto peer = crypto::EcPublicKey::FromRawPoint(*curve, r->exchange_data);
  if (!peer) {
    t.verify_data_error = peer.error();
    return t;
  }
  auto secret = eph.Ecdh(*peer);
  if (!secret) {
    t.verify_data_error = secret.error();
    return t;
  }
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(n.version));
  CCGPU_ASSIGN_OR_RETURN(auto schedule, session::KeySchedule::Create(session::SessionAlgorithms{v, n.hash, *aead}, std::move(*secret)));
  CCGPU_TRY(schedule.DeriveHandshake(th1));
  t.session_id = session::MakeSessionId(session_support::kReqSessionId, r->rsp_session_id);
  CCGPU_ASSIGN_OR_RETURN(auto secure, session::SecureSession::Create(session::Role::kRequester, t.session_id,
                                                                     *probe.config().binding, std::move(schedule)));
  if (!n.np.handshake_in_the_clear) {
    if (auto ok = secure.CheckVerifyData(session::Direction::kResponderToRequester, th1, r->responder_verify_data); !ok) {
      t.verify_data_error = ok.error();
    } else {
      CCGPU_TRY(th.AppendKeyExchangeRspVerifyData(r->responder_verify_data));
    }
  }
  t.th.emplace(std::move(th));
  t.secure.emplace(std::move(secure));
  return t;
}


// FINISH with RequesterVerifyData over the transcript of `ke` (usable()),
// then FINISH_RSP; TH2 and the application keys when it verifies.
Result<FinishTry> TryFinish(Probe& probe, const Negotiated& n, KeyExchangeTry& ke) {
  const bool in_clear = n.np.handshake_in_the_clear;
  session::SessionTranscript& th = *ke.th;
  session::SecureSession& secure = *ke.secure;
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
  FinishTry t;
  if (in_clear) {
    CCGPU_ASSIGN_OR_RETURN(t.response, probe.Send(req));
  } else {
    CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, probe.SendSecured(secure, req));
    t.response = std::move(reply.bytes);
  }
  auto r = wire::ParseFinishRsp(t.response, probe.Params(n.np));
  if (!r) {
    t.parse_error = r.error();
    return t;
  }
  CCGPU_TRY(th.AppendFinishRspHeader(ByteSpan(t.response).first(wire::kHeaderSize)));
  if (in_clear) {
    CCGPU_ASSIGN_OR_RETURN(Bytes d, th.Digest());
    if (auto ok = secure.CheckVerifyData(session::Direction::kResponderToRequester, d, r->responder_verify_data); !ok) {
      t.verify_data_error = ok.error();
      return t;
    }
    CCGPU_TRY(th.AppendFinishRspVerifyData(r->responder_verify_data));
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes th2, th.Th2());
  CCGPU_TRY(secure.EnterApplicationPhase(th2));
  return t;
}


Result<OpenSession> Establish(Probe& probe, const Negotiated& n, const SlotChain& chain, bool finish,
                              uint8_t meas_summary_hash_type) {
  namespace ss = session_support;
  CCGPU_ASSIGN_OR_RETURN(KeyExchangeTry ke, TryKeyExchange(probe, n, chain, meas_summary_hash_type));
  CCGPU_TRY(ss::ExpectResponse(ke.response, wire::Code::kKeyExchangeRsp, n.version,
                               "validator: KEY_EXCHANGE answered with ERROR",
                               "validator: KEY_EXCHANGE not answered with KEY_EXCHANGE_RSP",
                               "validator: KEY_EXCHANGE_RSP SPDMVersion is not the negotiated one"));
  if (ke.parse_error) return tl::unexpected(*ke.parse_error);
  if (ke.signature_error) {
    return Fail(Errc::kBadSignature, "validator: KEY_EXCHANGE_RSP signature does not verify with the slot's leaf key");
  }
  if (ke.verify_data_error) {
    // A bad ExchangeData point keeps its own error; a wrong HMAC is a
    // transcript mismatch.
    if (ke.verify_data_error->code == Errc::kBadPublicPoint) return tl::unexpected(*ke.verify_data_error);
    return Fail(Errc::kTranscriptMismatch, "validator: KEY_EXCHANGE_RSP ResponderVerifyData does not verify");
  }
  if (ke.mut_auth_requested != 0) {
    return Fail(Errc::kUnsupported, "validator: responder asks for mutual authentication the validator did not offer");
  }
  CCGPU_TRY(ss::CheckVersionSelection(ke.opaque_data, OpaqueFormatOf(n)));
  if (!ke.usable()) return tl::unexpected(ke.first_error());
  OpenSession out;
  out.session_id = ke.session_id;
  out.key_exchange_rsp = ke.response;
  if (finish) {
    CCGPU_ASSIGN_OR_RETURN(FinishTry f, TryFinish(probe, n, ke));
    CCGPU_TRY(ss::ExpectResponse(f.response, wire::Code::kFinishRsp, n.version, "validator: FINISH answered with ERROR",
                                 "validator: FINISH not answered with FINISH_RSP",
                                 "validator: FINISH_RSP SPDMVersion is not the negotiated one"));
    if (f.parse_error) return tl::unexpected(*f.parse_error);
    if (f.verify_data_error) return Fail(Errc::kTranscriptMismatch, "validator: FINISH_RSP ResponderVerifyData does not verify");
    out.finished = true;
  }
  out.secure.emplace(std::move(*ke.secure));
  return out;
}

// ---------------------------------------------------------------------------
// PSK sessions

Result<Bytes> BuildPskExchange(const Negotiated& n, ByteSpan psk_hint, uint8_t meas_summary, uint8_t session_policy) {
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque, SecuredVersionOffer(n));
  // RequesterContext: H fresh random bytes (at least 32; before ALGORITHMS,
  // when H is not known yet, 32).
  Bytes context(std::max<std::size_t>(n.np.hash_size, 32));
  CCGPU_TRY(crypto::RandomBytes(context));
  wire::PskExchange m;
  m.version = n.version;
  m.meas_summary_hash_type = meas_summary;
  m.session_policy = n.version >= wire::kVersion12 ? session_policy : 0;
  m.req_session_id = session_support::kReqSessionId;
  m.psk_hint = psk_hint;
  m.requester_context = context;
  m.opaque_data = opaque;
  return wire::SerializePskExchange(m);
}

Result<PskExchangeTry> TryPskExchange(Probe& probe, const Negotiated& n, uint8_t meas_summary, uint8_t session_policy) {
  const ValidatorConfig& config = probe.config();
  if (!config.binding) return Fail(Errc::kUnsupported, "validator: no secured-message binding configured");
  if (!config.psk_store) return Fail(Errc::kUnsupported, "validator: no PSK store configured");
  auto aead = AeadFromBit(n.aead);
  if (!aead) return Fail(Errc::kUnsupportedAlgorithm, "validator: no AEAD the validator implements was negotiated");
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(n.version));
  // The schedule comes from the validator's own store (kNotFound before
  // anything is sent when it lacks the hint).
  CCGPU_ASSIGN_OR_RETURN(auto schedule, config.psk_store->Schedule(session::SessionAlgorithms{v, n.hash, *aead},
                                                                   config.psk_hint));
  PskExchangeTry t;
  CCGPU_ASSIGN_OR_RETURN(t.request, BuildPskExchange(n, config.psk_hint, meas_summary, session_policy));
  CCGPU_ASSIGN_OR_RETURN(t.response, probe.Send(t.request));
  wire::ParseParams p = probe.Params(n.np);
  p.measurement_summary_hash = meas_summary != wire::kMeasSummaryHashNone;
  auto r = wire::ParsePskExchangeRsp(t.response, p);
  if (!r) {
    t.parse_error = r.error();
    return t;
  }
  t.opaque_data.assign(r->opaque_data.begin(), r->opaque_data.end());
  t.responder_context_length = r->responder_context.size();
  // TH1 = Hash(A || PSK_EXCHANGE || PSK_EXCHANGE_RSP up to, not including,
  // ResponderVerifyData (the last H bytes of the strictly parsed response)).
  CCGPU_ASSIGN_OR_RETURN(auto th, session::PskSessionTranscript::Create(n.hash, n.message_a.bytes()));
  CCGPU_TRY(th.AppendPskExchange(t.request));
  CCGPU_TRY(th.AppendPskExchangeRspBeforeVerifyData(
      ByteSpan(t.response).first(t.response.size() - r->responder_verify_data.size())));
  CCGPU_ASSIGN_OR_RETURN(Bytes th1, th.Digest());
  CCGPU_TRY(schedule.DeriveHandshake(th1));
  t.session_id = session::MakeSessionId(session_support::kReqSessionId, r->rsp_session_id);
  CCGPU_ASSIGN_OR_RETURN(auto secure, session::SecureSession::Create(session::Role::kRequester, t.session_id,
                                                                     *config.binding, std::move(schedule)));
  // ResponderVerifyData = HMAC(rsp_finished_key, TH1).
  if (auto ok = secure.CheckVerifyData(session::Direction::kResponderToRequester, th1, r->responder_verify_data); !ok) {
    t.verify_data_error = ok.error();
  } else {
    CCGPU_TRY(th.AppendPskExchangeRspVerifyData(r->responder_verify_data));
  }
  t.th.emplace(std::move(th));
  t.secure.emplace(std::move(secure));
  return t;
}

Status CheckPskExchange(const Negotiated& n, const PskExchangeTry& t) {
  namespace ss = session_support;
  CCGPU_TRY(ss::ExpectResponse(t.response, wire::Code::kPskExchangeRsp, n.version,
                               "validator: PSK_EXCHANGE answered with ERROR",
                               "validator: PSK_EXCHANGE not answered with PSK_EXCHANGE_RSP",
                               "validator: PSK_EXCHANGE_RSP SPDMVersion is not the negotiated one"));
  if (t.parse_error) return tl::unexpected(*t.parse_error);
  // DSP0274 1.2 §10.17: a ResponderContext iff PSK_CAP is 10b (with context).
  const bool with_context = (n.responder_flags & wire::cap::kPskMask) == wire::cap::kPskWithContext;
  if (with_context != (t.responder_context_length != 0)) {
    return Fail(Errc::kMalformed, "validator: ResponderContext disagrees with the responder's PSK_CAP");
  }
  if (t.verify_data_error) {
    return Fail(Errc::kTranscriptMismatch, "validator: PSK_EXCHANGE_RSP ResponderVerifyData does not verify");
  }
  CCGPU_TRY(ss::CheckVersionSelection(t.opaque_data, OpaqueFormatOf(n), /*psk=*/true));
  if (!t.usable()) return Fail(Errc::kStateError, "validator: PSK_EXCHANGE did not yield handshake keys");
  return OkStatus();
}

// PSK_FINISH: header(version, PSK_FINISH, 0, 0) || RequesterVerifyData, with
//   RequesterVerifyData = HMAC(req_finished_key, Hash(A || PSK_EXCHANGE ||
//                         PSK_EXCHANGE_RSP || PSK_FINISH header)).
Result<Bytes> PskFinishFor(const PskExchangeTry& t, uint8_t version, uint8_t flip) {
  if (!t.usable()) return Fail(Errc::kStateError, "validator: PSK_FINISH without a usable PSK_EXCHANGE_RSP");
  Bytes req{version, static_cast<uint8_t>(wire::Code::kPskFinish), 0, 0};
  session::PskSessionTranscript th = *t.th;
  CCGPU_TRY(th.AppendPskFinishHeader(req));
  CCGPU_ASSIGN_OR_RETURN(Bytes digest, th.Digest());
  CCGPU_ASSIGN_OR_RETURN(Bytes vd, t.secure->VerifyData(session::Direction::kRequesterToResponder, digest));
  for (uint8_t& b : vd) b ^= flip;
  req.insert(req.end(), vd.begin(), vd.end());
  return req;
}

Result<PskFinishTry> TryPskFinish(Probe& probe, const Negotiated& n, PskExchangeTry& t) {
  CCGPU_ASSIGN_OR_RETURN(Bytes req, PskFinishFor(t, n.version));
  session::PskSessionTranscript& th = *t.th;
  CCGPU_TRY(th.AppendPskFinishHeader(ByteSpan(req).first(wire::kHeaderSize)));
  CCGPU_TRY(th.AppendPskFinishVerifyData(ByteSpan(req).subspan(wire::kHeaderSize)));
  PskFinishTry f;
  CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, probe.SendSecured(*t.secure, req));
  f.response = std::move(reply.bytes);
  f.secured = reply.secured;
  if (!reply.secured) {
    f.parse_error = Error{Errc::kUnexpectedMessage, "validator: PSK_FINISH answered in the clear"};
    return f;
  }
  auto r = wire::ParsePskFinishRsp(f.response, probe.Params(n.np));
  if (!r) {
    f.parse_error = r.error();
    return f;
  }
  // TH2 = Hash(A || PSK_EXCHANGE || PSK_EXCHANGE_RSP || PSK_FINISH ||
  // PSK_FINISH_RSP).
  CCGPU_TRY(th.AppendPskFinishRsp(f.response));
  CCGPU_ASSIGN_OR_RETURN(Bytes th2, th.Th2());
  CCGPU_TRY(t.secure->EnterApplicationPhase(th2));
  return f;
}

Result<OpenSession> EstablishPsk(Probe& probe, const Negotiated& n) {
  namespace ss = session_support;
  CCGPU_ASSIGN_OR_RETURN(PskExchangeTry t, TryPskExchange(probe, n, wire::kMeasSummaryHashNone));
  CCGPU_TRY(CheckPskExchange(n, t));
  if ((n.responder_flags & wire::cap::kPskMask) == wire::cap::kPskWithContext) {
    CCGPU_ASSIGN_OR_RETURN(PskFinishTry f, TryPskFinish(probe, n, t));
    CCGPU_TRY(ss::ExpectResponse(f.response, wire::Code::kPskFinishRsp, n.version,
                                 "validator: PSK_FINISH answered with ERROR",
                                 "validator: PSK_FINISH not answered with PSK_FINISH_RSP",
                                 "validator: PSK_FINISH_RSP SPDMVersion is not the negotiated one"));
    if (f.parse_error) return tl::unexpected(*f.parse_error);
  } else {
    // PSK_CAP without context: no PSK_FINISH; TH2 = Hash(A || PSK_EXCHANGE ||
    // PSK_EXCHANGE_RSP).
    CCGPU_ASSIGN_OR_RETURN(Bytes th2, t.th->Th2());
    CCGPU_TRY(t.secure->EnterApplicationPhase(th2));
  }
  OpenSession out;
  out.session_id = t.session_id;
  out.key_exchange_rsp = t.response;
  out.finished = true;
  out.secure.emplace(std::move(*t.secure));
  return out;
}

void ExpectDecryptErrorInSession(Env& env, CaseRun& run, session::SecureSession& secure, ByteSpan request,
                                 uint8_t version, const std::string& what) {
  auto record = secure.Seal(request);
  if (!record) return run.StepFailed(AssertionId(run, 1), "seal " + what, record.error());
  auto reply = env.probe.SendRecord(*record);
  if (!reply) return run.StepFailed(AssertionId(run, 1), what + " in session", reply.error());
  if (!reply->secured) return CheckErrorNoParam2(run, reply->bytes, version, wire::ErrorCode::kDecryptError);
  auto plain = secure.Open(reply->bytes);
  if (!plain) {
    for (int k = 1; k <= 4; ++k) {
      run.Check(AssertionId(run, k), true, "ERROR(DecryptError), or a secured reply that cannot be opened",
                "secured reply does not open: " + plain.error().ToString());
    }
    return;
  }
  CheckErrorNoParam2(run, *plain, version, wire::ErrorCode::kDecryptError);
}

}  // namespace ccgpu::spdm::validator::internal
