// Groups 10 PSK_EXCHANGE_RSP and 11 PSK_FINISH_RSP (DMTF
// doc/10.PskExchangeRsp.md, doc/11.PskFinishRsp.md). DMTF's validator has
// these documents but no code for the two groups, so the cases follow the
// documents, with the conventions the other session groups took from DMTF's
// code (group_session.cc): every case starts from its own VCA; "1.1+" cases
// run once, at the highest listed version; the success cases marked 1.1 and
// 1.2 (10.1/10.6, 11.1/11.7) run at exactly that version, as 8.1/8.7 and
// 9.1/9.9 do (SPDM 1.3 has no success case of its own, and none is added;
// the 1.1+ cases cover it); version-mismatch requests go
// NegotiatedVersion-1 first; GET_CAPABILITIES carries ENCAP_CAP.
//
// The validator offers PSK_CAP (01b, the only value a requester sets) besides
// ENCRYPT_CAP and MAC_CAP and keys the sessions with the PSK that
// ValidatorConfig::psk_hint names in ValidatorConfig::psk_store (the
// responder's PSK must be provisioned there, as DMTF's validator needs it
// too). Every case is skipped without a secured-message binding, without a
// store, or when the responder's PSK_CAP is 0; the group-11 cases also when it
// is 01b (PSK without context: the handshake ends with PSK_EXCHANGE_RSP and
// there is no PSK_FINISH).
//
// Where the documents and DSP0274 part ways (noted again at each case):
//   - 10.1.2 names PSK_EXCHANGE and 11.x.2 FINISH_RSP as the response code:
//     PSK_EXCHANGE_RSP (0x66) and PSK_FINISH_RSP (0x67) are checked.
//   - 10.4 and 11.3 skip on KEY_EX_CAP; their setup and request are PSK ones,
//     so they skip on PSK_CAP like the rest of their groups.
//   - 10.5 step 1 names no invalid field (it is 10.1's request, which a
//     responder must accept): it is not sent; steps 3, 5, 7 and 9 are.
//   - 11.8 is marked SPDM 1.1, but ERROR(SessionRequired) exists from
//     SPDM 1.2: it runs at 1.2, as DMTF's FINISH counterpart 9.11 does.
#include <optional>
#include <string>
#include <vector>

#include "spdm/validator/validator_internal.h"
#include "spdm/wire/psk.h"

namespace ccgpu::spdm::validator::internal {

namespace grouppsk {

constexpr const char* kNoStore =
    "the validator holds no PSK (ValidatorConfig::psk_store not set; DMTF's validator, too, needs the "
    "responder's PSK provisioned)";
constexpr const char* kNeedPsk = "responder lacks PSK_CAP";
constexpr const char* kNeedContext =
    "PSK_FINISH is only sent when the responder has PSK_CAP with context (its PSK_CAP is 01b)";
constexpr const char* kNo11 = "responder does not list SPDM 1.1";
constexpr const char* kNo12 = "responder does not list SPDM 1.2";
constexpr const char* kNo11Plus = "responder lists no SPDM 1.1+";

// "1.x+" cases run once, at the highest listed version, if it is >= `min`.
uint8_t AtLeast(const Env& env, uint8_t min) { return env.Highest() >= min ? env.Highest() : 0; }
// "1.x" cases run at `v` if the responder lists it.
uint8_t Only(const Env& env, uint8_t v) { return env.Listed(v) ? v : 0; }

std::string Seen(ByteSpan rsp) { return "response " + HexPrefix(rsp, 24) + " (" + std::to_string(rsp.size()) + " bytes)"; }

uint16_t U16At(ByteSpan b, std::size_t at) { return static_cast<uint16_t>(b[at] | (b[at + 1] << 8)); }

// What the PSK cases offer in GET_CAPABILITIES: the session groups' offer
// (CERT, CHAL, ENCRYPT, MAC, KEY_EX, ENCAP, HBEAT, KEY_UPD) and PSK_CAP 01b.
VcaOffer PskOffer() {
  VcaOffer offer = OfferWithEncap();
  offer.flags |= wire::cap::kPsk;
  return offer;
}

uint32_t PskCap(uint32_t responder_flags) { return responder_flags & wire::cap::kPskMask; }

// What is known before the first request: a binding, a PSK, the version.
// false once the case was skipped.
bool Applies(Env& env, CaseRun& run, uint8_t version, const char* version_skip) {
  if (!env.probe.config().binding) {
    run.Skip(kNoBinding);
    return false;
  }
  if (!env.probe.config().psk_store) {
    run.Skip(kNoStore);
    return false;
  }
  if (version == 0) {
    run.Skip(version_skip);
    return false;
  }
  return true;
}

// The responder's PSK_CAP: not 0 and, with `need_context`, 10b. false once
// the case was skipped.
bool HasPsk(CaseRun& run, uint32_t responder_flags, bool need_context) {
  const uint32_t psk = PskCap(responder_flags);
  if (psk == 0) {
    run.Skip(kNeedPsk);
    return false;
  }
  if (need_context && psk != wire::cap::kPskWithContext) {
    run.Skip(kNeedContext);
    return false;
  }
  return true;
}

// Applies, VCA at `version` with PskOffer, HasPsk. nullopt when the case was
// skipped or its VCA failed (recorded).
std::optional<Negotiated> Begin(Env& env, CaseRun& run, uint8_t version, const char* version_skip, bool need_context) {
  if (!Applies(env, run, version, version_skip)) return std::nullopt;
  auto n = Vca(env.probe, version, PskOffer());
  if (!n) {
    run.StepFailed(AssertionId(run, 1), "VCA", n.error(), env.probe.last_response());
    return std::nullopt;
  }
  if (!HasPsk(run, n->responder_flags, need_context)) return std::nullopt;
  return std::move(*n);
}

// A connection whose PSK_EXCHANGE (NoMeasurement) succeeded: the handshake
// phase, for the group-11 cases that build their own PSK_FINISH.
struct Handshake {
  Negotiated n;
  PskExchangeTry t;
};

// Begin (PSK_CAP with context), then PSK_EXCHANGE; nullopt (recorded) unless
// every check a requester makes before PSK_FINISH held.
std::optional<Handshake> ToHandshake(Env& env, CaseRun& run, uint8_t version, const char* version_skip) {
  auto n = Begin(env, run, version, version_skip, true);
  if (!n) return std::nullopt;
  auto t = TryPskExchange(env.probe, *n, wire::kMeasSummaryHashNone);
  if (!t) {
    run.StepFailed(AssertionId(run, 1), "PSK_EXCHANGE", t.error(), env.probe.last_response());
    return std::nullopt;
  }
  if (auto ok = CheckPskExchange(*n, *t); !ok) {
    run.StepFailed(AssertionId(run, 1), "PSK_EXCHANGE", ok.error(), t->response);
    return std::nullopt;
  }
  return Handshake{std::move(*n), std::move(*t)};
}

// One request inside the session; the reply's plaintext (or an unprotected
// reply as it came).
Result<Bytes> InSession(Probe& probe, session::SecureSession& s, ByteSpan request) {
  CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, probe.SendSecured(s, request));
  return std::move(reply.bytes);
}

// PSK_FINISH with `verify_data` as RequesterVerifyData, where no handshake
// transcript is left to compute it over (11.3, 11.4).
Bytes RawPskFinish(uint8_t version, ByteSpan verify_data) {
  Bytes m{version, static_cast<uint8_t>(wire::Code::kPskFinish), 0, 0};
  m.insert(m.end(), verify_data.begin(), verify_data.end());
  return m;
}

const char* SummaryName(uint8_t type) {
  switch (type) {
    case wire::kMeasSummaryHashNone: return "NoMeasurement";
    case wire::kMeasSummaryHashTcb: return "TcbMeasurements";
    case wire::kMeasSummaryHashAll: return "AllMeasurements";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Group 10

// 10.N.1-5 for one PSK_EXCHANGE_RSP to a PSK_EXCHANGE with
// MeasurementSummaryHashType `meas_summary`.
void RecordPskExchangeRsp(CaseRun& run, const Negotiated& n, const PskExchangeTry& t, uint8_t meas_summary) {
  const ByteSpan rsp = t.response;
  const std::string seen = std::string(SummaryName(meas_summary)) + ": " + Seen(rsp);
  const std::size_t h = n.np.hash_size;
  // header(4) | RspSessionID(2) | Reserved(2) | ResponderContextLength(2) |
  // OpaqueDataLength(2) | MeasurementSummaryHash(0 or H) |
  // ResponderContext(Q) | OpaqueData | ResponderVerifyData(H).
  constexpr std::size_t kFixed = 12;
  const bool has_lengths = rsp.size() >= kFixed;
  const std::size_t context_len = has_lengths ? U16At(rsp, 8) : 0;
  const std::size_t opaque_len = has_lengths ? U16At(rsp, 10) : 0;
  const std::size_t need = kFixed + (meas_summary != wire::kMeasSummaryHashNone ? h : 0) + context_len + opaque_len + h;
  run.Check(AssertionId(run, 1), has_lengths && rsp.size() >= need,
            "sizeof(SpdmMessage) >= sizeof(PSK_EXCHANGE_RSP) + SpdmMessage.OpaqueDataLength + "
            "SpdmMessage.ResponderContextLength",
            has_lengths ? seen + "; needs " + std::to_string(need) : seen);
  // DMTF's 10.1.2 reads "== PSK_EXCHANGE": the response code is
  // PSK_EXCHANGE_RSP (0x66), as its 10.6.2 writes it.
  run.Check(AssertionId(run, 2), rsp.size() >= 2 && rsp[1] == static_cast<uint8_t>(wire::Code::kPskExchangeRsp),
            "SpdmMessage.RequestResponseCode == PSK_EXCHANGE_RSP", seen);
  run.Check(AssertionId(run, 3), !rsp.empty() && rsp[0] == n.version, "SpdmMessage.SPDMVersion == NegotiatedVersion",
            seen);
  // DSP0274 1.2 §10.17: a ResponderContext iff the responder supports PSK
  // with context.
  const uint32_t psk = PskCap(n.responder_flags);
  const std::string context_seen = has_lengths ? "ResponderContextLength " + std::to_string(context_len) : seen;
  if (psk == wire::cap::kPsk) {
    run.Check(AssertionId(run, 4), has_lengths && context_len == 0,
              "SpdmMessage.ResponderContextLength == 0 (Flags.PSK_CAP == 1)", context_seen);
  } else if (psk == wire::cap::kPskWithContext) {
    run.Check(AssertionId(run, 4), has_lengths && context_len > 0,
              "SpdmMessage.ResponderContextLength > 0 (Flags.PSK_CAP == 2)", context_seen);
  } else {
    run.Check(AssertionId(run, 4), false, "Flags.PSK_CAP == 1 or 2", "PSK_CAP 11b is reserved");
  }
  // The validator's own transcript and key schedule (TryPskExchange): only a
  // responder holding the PSK produces this HMAC.
  const std::optional<Error> e = t.parse_error ? t.parse_error : t.verify_data_error;
  run.Check(AssertionId(run, 5), !e,
            "HMACVerify(finished_key, SpdmMessage.ResponderVerifyData, TH.HMAC.PSK_EXCHANGE_RSP) succeeds",
            e ? std::string(SummaryName(meas_summary)) + ": " + e->ToString()
              : std::string(SummaryName(meas_summary)) + ": HMAC(rsp_finished_key, TH1) matches");
}

// 10.1 (SPDM 1.1) / 10.6 (SPDM 1.2, SessionPolicy TerminationPolicy 1):
// PSK_EXCHANGE with NoMeasurement and, given MEAS_CAP, TcbMeasurements and
// AllMeasurements (then the response carries an H-byte
// MeasurementSummaryHash), each from a fresh VCA.
void PskExchangeSuccess(Env& env, CaseRun& run, uint8_t version, const char* version_skip, uint8_t session_policy) {
  auto n0 = Begin(env, run, version, version_skip, false);
  if (!n0) return;
  std::vector<uint8_t> types = {wire::kMeasSummaryHashNone};
  if ((n0->responder_flags & wire::cap::kMeasMask) != 0) {
    types.push_back(wire::kMeasSummaryHashTcb);
    types.push_back(wire::kMeasSummaryHashAll);
  }
  for (uint8_t type : types) {
    auto n = Vca(env.probe, version, PskOffer());
    if (!n) return run.StepFailed(AssertionId(run, 1), "VCA", n.error(), env.probe.last_response());
    auto t = TryPskExchange(env.probe, *n, type, session_policy);
    if (!t) return run.StepFailed(AssertionId(run, 1), "PSK_EXCHANGE", t.error(), env.probe.last_response());
    RecordPskExchangeRsp(run, *n, *t, type);
  }
}

// 10.2: PSK_EXCHANGE in NegotiatedVersion-1 and +1.
void PskExchangeVersionMismatch(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto n = Begin(env, run, v, kNo11Plus, false);
  if (!n) return;
  auto req = BuildPskExchange(*n, env.probe.config().psk_hint, wire::kMeasSummaryHashNone);
  if (!req) return run.StepFailed(AssertionId(run, 1), "build PSK_EXCHANGE", req.error());
  for (uint8_t wrong : WrongVersions(v)) {
    auto rsp = env.probe.Send(WithVersion(*req, wrong));
    if (!rsp) return run.StepFailed(AssertionId(run, 1), "PSK_EXCHANGE", rsp.error(), env.probe.last_response());
    CheckError(run, *rsp, v, wire::ErrorCode::kVersionMismatch);
  }
}

// 10.3: PSK_EXCHANGE after GET_CAPABILITIES, before NEGOTIATE_ALGORITHMS. No
// hash and no OpaqueDataFmt are negotiated yet: a 32-byte RequesterContext
// and the opaque data in DMTF's spec-ID format.
void PskExchangeBeforeAlgorithms(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  if (!Applies(env, run, v, kNo11Plus)) return;
  auto half = VersionAndCapabilities(env.probe, v, PskOffer());
  if (!half) {
    return run.StepFailed(AssertionId(run, 1), "GET_VERSION / GET_CAPABILITIES", half.error(), env.probe.last_response());
  }
  if (!HasPsk(run, half->responder_flags, false)) return;
  auto req = BuildPskExchange(*half, env.probe.config().psk_hint, wire::kMeasSummaryHashNone);
  if (!req) return run.StepFailed(AssertionId(run, 1), "build PSK_EXCHANGE", req.error());
  auto rsp = env.probe.Send(*req);
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "PSK_EXCHANGE", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
}

// 10.4: PSK_EXCHANGE inside an established PSK session (PSK_EXCHANGE, then
// PSK_FINISH when the responder has PSK_CAP with context; DMTF's setup lists
// PSK_FINISH, which a responder without context does not take, and skips on
// KEY_EX_CAP, where the session it opens needs PSK_CAP).
void PskExchangeInSession(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto n = Begin(env, run, v, kNo11Plus, false);
  if (!n) return;
  auto s = EstablishPsk(env.probe, *n);
  if (!s) {
    return run.StepFailed(AssertionId(run, 1), "PSK session setup (PSK_EXCHANGE, PSK_FINISH)", s.error(),
                          env.probe.last_response());
  }
  auto req = BuildPskExchange(*n, env.probe.config().psk_hint, wire::kMeasSummaryHashNone);
  if (!req) return run.StepFailed(AssertionId(run, 1), "build PSK_EXCHANGE", req.error());
  auto rsp = InSession(env.probe, *s->secure, *req);
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "PSK_EXCHANGE in session", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
}

// 10.5: PSK_EXCHANGE with MeasurementSummaryHashType TcbMeasurements+1 (2,
// reserved) and AllMeasurements-1 (0xFE), then with OpaqueDataLength 0xFFFF
// and RequesterContextLength 0xFFFF (the length field overruns the message:
// built by hand from a valid request). DMTF's step 1 is 10.1's valid request
// and names no invalid field; it is not sent.
void PskExchangeInvalid(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto n = Begin(env, run, v, kNo11Plus, false);
  if (!n) return;
  auto valid = BuildPskExchange(*n, env.probe.config().psk_hint, wire::kMeasSummaryHashNone);
  if (!valid) return run.StepFailed(AssertionId(run, 1), "build PSK_EXCHANGE", valid.error());
  // header(4) | ReqSessionID(2) | PSKHintLength(2) | RequesterContextLength(2)
  // | OpaqueDataLength(2) | ...
  constexpr std::size_t kContextLengthAt = 8;
  constexpr std::size_t kOpaqueLengthAt = 10;
  auto with_u16 = [&](std::size_t at) {
    Bytes m = *valid;
    m[at] = 0xFF;
    m[at + 1] = 0xFF;
    return m;
  };
  Bytes tcb_plus_1 = *valid;
  tcb_plus_1[2] = static_cast<uint8_t>(wire::kMeasSummaryHashTcb + 1);
  Bytes all_minus_1 = *valid;
  all_minus_1[2] = static_cast<uint8_t>(wire::kMeasSummaryHashAll - 1);
  const Bytes requests[] = {tcb_plus_1, all_minus_1, with_u16(kOpaqueLengthAt), with_u16(kContextLengthAt)};
  for (const Bytes& req : requests) {
    auto rsp = env.probe.Send(req);
    if (!rsp) return run.StepFailed(AssertionId(run, 1), "PSK_EXCHANGE", rsp.error(), env.probe.last_response());
    CheckError(run, *rsp, v, wire::ErrorCode::kInvalidRequest);
  }
}

// ---------------------------------------------------------------------------
// Group 11

// 11.1 / 11.7: PSK_EXCHANGE, then PSK_FINISH in the session; PSK_FINISH_RSP
// must come back in the session. DMTF's 11.x.1-2 name FINISH_RSP: the
// response (and its size, 4 bytes either way) is PSK_FINISH_RSP (0x67).
void PskFinishSuccess(Env& env, CaseRun& run, uint8_t version, const char* version_skip) {
  auto h = ToHandshake(env, run, version, version_skip);
  if (!h) return;
  auto f = TryPskFinish(env.probe, h->n, h->t);
  if (!f) return run.StepFailed(AssertionId(run, 1), "PSK_FINISH in session", f.error(), env.probe.last_response());
  const ByteSpan rsp = f->response;
  const std::string seen = Seen(rsp) + (f->secured ? " in session-X" : " in the clear");
  run.Check(AssertionId(run, 1), rsp.size() >= wire::kHeaderSize, "sizeof(SpdmMessage) >= sizeof(PSK_FINISH_RSP)",
            seen + "; needs " + std::to_string(wire::kHeaderSize));
  run.Check(AssertionId(run, 2), f->secured && rsp.size() >= 2 && rsp[1] == static_cast<uint8_t>(wire::Code::kPskFinishRsp),
            "SpdmMessage.RequestResponseCode == PSK_FINISH_RSP (in session-X)", seen);
  run.Check(AssertionId(run, 3), !rsp.empty() && rsp[0] == version, "SpdmMessage.SPDMVersion == NegotiatedVersion", seen);
}

// 11.2: PSK_FINISH in NegotiatedVersion-1 and +1 during the handshake, each
// with the RequesterVerifyData computed over its own header (as group 9's
// 9.3).
void PskFinishVersionMismatch(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto h = ToHandshake(env, run, v, kNo11Plus);
  if (!h) return;
  for (uint8_t wrong : WrongVersions(v)) {
    auto req = PskFinishFor(h->t, wrong);
    if (!req) return run.StepFailed(AssertionId(run, 1), "build PSK_FINISH", req.error());
    auto rsp = InSession(env.probe, *h->t.secure, *req);
    if (!rsp) return run.StepFailed(AssertionId(run, 1), "PSK_FINISH in session", rsp.error(), env.probe.last_response());
    CheckError(run, *rsp, v, wire::ErrorCode::kVersionMismatch);
  }
}

// 11.3: PSK_FINISH after VCA, no PSK_EXCHANGE sent (so no handshake is
// waiting for it); no transcript to compute RequesterVerifyData over: H zero
// bytes. (DMTF's setup skips on KEY_EX_CAP; the request is PSK_FINISH.)
void PskFinishBeforeExchange(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto n = Begin(env, run, v, kNo11Plus, true);
  if (!n) return;
  auto rsp = env.probe.Send(RawPskFinish(v, Bytes(n->np.hash_size, 0)));
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "PSK_FINISH", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
}

// 11.4: PSK_FINISH in an established PSK session (its handshake over; H zero
// bytes as RequesterVerifyData, as 9.5).
void PskFinishInApplicationPhase(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto n = Begin(env, run, v, kNo11Plus, true);
  if (!n) return;
  auto s = EstablishPsk(env.probe, *n);
  if (!s) {
    return run.StepFailed(AssertionId(run, 1), "PSK session setup (PSK_EXCHANGE, PSK_FINISH)", s.error(),
                          env.probe.last_response());
  }
  auto rsp = InSession(env.probe, *s->secure, RawPskFinish(v, Bytes(n->np.hash_size, 0)));
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "PSK_FINISH in session", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
}

// 11.5: during the handshake, PSK_FINISH without RequesterVerifyData (the
// 4-byte header).
void PskFinishInvalid(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto h = ToHandshake(env, run, v, kNo11Plus);
  if (!h) return;
  auto rsp = InSession(env.probe, *h->t.secure, RawPskFinish(v, {}));
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "PSK_FINISH in session", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kInvalidRequest);
}

// 11.6: PSK_FINISH whose RequesterVerifyData is the right one with every byte
// inverted (11.6.1-4). As 9.7: a secured reply that cannot be opened (the
// responder tore the session down) counts as the expected error.
void PskFinishBadVerifyData(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto h = ToHandshake(env, run, v, kNo11Plus);
  if (!h) return;
  auto req = PskFinishFor(h->t, v, 0xFF);
  if (!req) return run.StepFailed(AssertionId(run, 1), "build PSK_FINISH", req.error());
  ExpectDecryptErrorInSession(env, run, *h->t.secure, *req, v, "PSK_FINISH");
}

// 11.8: during the handshake, PSK_FINISH (right RequesterVerifyData) outside
// the session (11.8.1-4). DMTF marks it SPDM 1.1, but SessionRequired is an
// SPDM 1.2 error code (DSP0274 1.2 §10.12): it runs at 1.2, as 9.11.
void PskFinishOutsideSession(Env& env, CaseRun& run) {
  const uint8_t v = Only(env, wire::kVersion12);
  auto h = ToHandshake(env, run, v, kNo12);
  if (!h) return;
  auto req = PskFinishFor(h->t, v);
  if (!req) return run.StepFailed(AssertionId(run, 1), "build PSK_FINISH", req.error());
  auto rsp = env.probe.Send(*req);
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "PSK_FINISH", rsp.error(), env.probe.last_response());
  CheckErrorNoParam2(run, *rsp, v, wire::ErrorCode::kSessionRequired);
}

template <typename F>
void RunCase(Env& env, const char* id, const char* title, F&& body) {
  CaseRun run(id, title);
  body(env, run);
  env.Add(std::move(run));
}

}  // namespace grouppsk

void RunPskExchangeRspGroup(Env& env) {
  namespace gp = grouppsk;
  gp::RunCase(env, "10.1", "PSK_EXCHANGE → PSK_EXCHANGE_RSP (SPDM 1.1)", [](Env& e, CaseRun& r) {
    gp::PskExchangeSuccess(e, r, gp::Only(e, wire::kVersion11), gp::kNo11, 0);
  });
  gp::RunCase(env, "10.2", "PSK_EXCHANGE with a non-negotiated version → ERROR(VersionMismatch)",
              gp::PskExchangeVersionMismatch);
  gp::RunCase(env, "10.3", "PSK_EXCHANGE before NEGOTIATE_ALGORITHMS → ERROR(UnexpectedRequest)",
              gp::PskExchangeBeforeAlgorithms);
  gp::RunCase(env, "10.4", "PSK_EXCHANGE inside a session → ERROR(UnexpectedRequest)", gp::PskExchangeInSession);
  gp::RunCase(env, "10.5", "PSK_EXCHANGE with an invalid field → ERROR(InvalidRequest)", gp::PskExchangeInvalid);
  gp::RunCase(env, "10.6", "PSK_EXCHANGE → PSK_EXCHANGE_RSP (SPDM 1.2, TerminationPolicy 1)", [](Env& e, CaseRun& r) {
    gp::PskExchangeSuccess(e, r, gp::Only(e, wire::kVersion12), gp::kNo12, wire::kSessionPolicyTermination);
  });
}

void RunPskFinishRspGroup(Env& env) {
  namespace gp = grouppsk;
  gp::RunCase(env, "11.1", "PSK_FINISH → PSK_FINISH_RSP in the session (SPDM 1.1)", [](Env& e, CaseRun& r) {
    gp::PskFinishSuccess(e, r, gp::Only(e, wire::kVersion11), gp::kNo11);
  });
  gp::RunCase(env, "11.2", "PSK_FINISH with a non-negotiated version → ERROR(VersionMismatch)",
              gp::PskFinishVersionMismatch);
  gp::RunCase(env, "11.3", "PSK_FINISH before PSK_EXCHANGE → ERROR(UnexpectedRequest)", gp::PskFinishBeforeExchange);
  gp::RunCase(env, "11.4", "PSK_FINISH in an established session → ERROR(UnexpectedRequest)",
              gp::PskFinishInApplicationPhase);
  gp::RunCase(env, "11.5", "PSK_FINISH with an invalid field → ERROR(InvalidRequest)", gp::PskFinishInvalid);
  gp::RunCase(env, "11.6", "PSK_FINISH with a wrong RequesterVerifyData → ERROR(DecryptError)", gp::PskFinishBadVerifyData);
  gp::RunCase(env, "11.7", "PSK_FINISH → PSK_FINISH_RSP in the session (SPDM 1.2)", [](Env& e, CaseRun& r) {
    gp::PskFinishSuccess(e, r, gp::Only(e, wire::kVersion12), gp::kNo12);
  });
  gp::RunCase(env, "11.8", "PSK_FINISH outside the session → ERROR(SessionRequired)", gp::PskFinishOutsideSession);
}

}  // namespace ccgpu::spdm::validator::internal
