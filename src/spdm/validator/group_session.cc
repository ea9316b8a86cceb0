// Groups 8 KEY_EXCHANGE_RSP, 9 FINISH_RSP, 12 HEARTBEAT_ACK, 13 KEY_UPDATE_ACK,
// 16 END_SESSION_ACK (DMTF doc/8, 9, 12, 13, 16). The in-session
// MEASUREMENTS cases 7.7, 7.8 and 7.10 run with the rest of group 7
// (group_measurements.cc), from DMTF's group-7 setup.
//
// Every case starts from its own VCA. The cases that need a working session
// as their setup open it with Establish (session_support.cc); the cases whose
// assertions are about the handshake itself (8.1/8.2/8.7/8.8 and
// 9.1/9.2/9.9/9.10) run its steps (TryKeyExchange, TryFinish) one by one, so
// that each assertion records exactly what held. Without a secured-message binding
// (a transport such as platform-port NONE) every case is skipped.
//
// Audited against DMTF's C sources (SPDM-Responder-Validator,
// spdm_responder_test_{8,9,12,13,16}_*.c): the requests carry the bytes
// DMTF's cases send (SessionPolicy 0, FINISH RequesterVerifyData computed over
// the transcript even where the request is expected to be refused, KEY_UPDATE
// Param2 0 in the error cases), the version-mismatch cases send
// NegotiatedVersion-1 first, the capability offer includes ENCAP_CAP, and a
// case is skipped where DMTF's setup would not run it.
#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "crypto/rng.h"
#include "spdm/responder/algorithm_map.h"
#include "spdm/validator/validator_internal.h"
#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::validator::internal {

namespace groupsession {

constexpr const char* kNeedKeyEx = "responder lacks KEY_EX_CAP or CERT_CAP (the validator authenticates sessions with a certificate)";
constexpr const char* kNeedInTheClear = "responder does not set HANDSHAKE_IN_THE_CLEAR_CAP";
constexpr uint32_t kKeyExCaps = wire::cap::kKeyEx | wire::cap::kCert;

// ---------------------------------------------------------------------------
// Versions and setup steps

// "1.x+" cases run once, at the highest listed version, if it is >= `min`.
uint8_t AtLeast(const Env& env, uint8_t min) { return env.Highest() >= min ? env.Highest() : 0; }
// "1.x only" cases run at `v` if the responder lists it.
uint8_t Only(const Env& env, uint8_t v) { return env.Listed(v) ? v : 0; }

std::string Seen(ByteSpan rsp) { return "response " + HexPrefix(rsp, 24) + " (" + std::to_string(rsp.size()) + " bytes)"; }

// What DMTF's session cases offer in GET_CAPABILITIES (CERT, CHAL, ENCRYPT,
// MAC, KEY_EX, ENCAP, HBEAT, KEY_UPD; HANDSHAKE_IN_THE_CLEAR for the
// in-the-clear cases).
VcaOffer SessionOffer(bool in_clear = false) {
  VcaOffer offer = OfferWithEncap();
  if (in_clear) offer.flags |= wire::cap::kHandshakeInTheClear;
  return offer;
}

// Binding, version and VCA of a case, and the capabilities it needs: all of
// `caps` and, unless 0, one of `caps_any`. nullopt when the case was skipped
// or its VCA failed (recorded).
std::optional<Negotiated> Begin(Env& env, CaseRun& run, uint8_t version, const char* version_skip, uint32_t caps,
                                uint32_t caps_any, const char* caps_skip, const VcaOffer& offer = {}) {
  if (!env.probe.config().binding) {
    run.Skip(kNoBinding);
    return std::nullopt;
  }
  if (version == 0) {
    run.Skip(version_skip);
    return std::nullopt;
  }
  auto n = Vca(env.probe, version, offer);
  if (!n) {
    run.StepFailed(AssertionId(run, 1), "VCA", n.error(), env.probe.last_response());
    return std::nullopt;
  }
  if ((n->responder_flags & caps) != caps || (caps_any != 0 && (n->responder_flags & caps_any) == 0)) {
    run.Skip(caps_skip);
    return std::nullopt;
  }
  return std::move(*n);
}

// GET_DIGESTS on the current connection: the provisioned SlotMask (Param2).
std::optional<uint8_t> SlotMask(Env& env, CaseRun& run, const Negotiated& n) {
  auto req = wire::SerializeGetDigests(wire::GetDigests{n.version});
  Result<Bytes> rsp = req ? env.probe.Send(*req) : Result<Bytes>(tl::unexpected(req.error()));
  if (!rsp) {
    run.StepFailed(AssertionId(run, 1), "GET_DIGESTS", rsp.error(), env.probe.last_response());
    return std::nullopt;
  }
  if (rsp->size() < 4 || (*rsp)[1] != static_cast<uint8_t>(wire::Code::kDigests) || (*rsp)[3] == 0) {
    run.StepFailed(AssertionId(run, 1), "GET_DIGESTS",
                   Error{Errc::kUnexpectedMessage, "validator: GET_DIGESTS not answered with a non-empty SlotMask"}, *rsp);
    return std::nullopt;
  }
  return (*rsp)[3];
}


struct Connection {
  Negotiated n;
  SlotChain chain;
};

// A fresh connection: VCA at `version` with `offer`, GET_DIGESTS (unless
// `with_digests` is false: DMTF's per-slot handshake loops go from VCA
// straight to GET_CERTIFICATE) and the certificate chain of `slot`.
std::optional<Connection> Fresh(Env& env, CaseRun& run, uint8_t version, const VcaOffer& offer, uint8_t slot,
                                bool with_digests = true) {
  auto n = Vca(env.probe, version, offer);
  if (!n) {
    run.StepFailed(AssertionId(run, 1), "VCA", n.error(), env.probe.last_response());
    return std::nullopt;
  }
  auto chain = ReadChain(env.probe, *n, slot, with_digests);
  if (!chain) {
    run.StepFailed(AssertionId(run, 1), "GET_DIGESTS / GET_CERTIFICATE", chain.error(), env.probe.last_response());
    return std::nullopt;
  }
  return Connection{std::move(*n), std::move(*chain)};
}

struct Ready {
  Connection c;
  OpenSession s;
};

// Begin, then a fresh connection on the lowest provisioned slot and a
// session (application phase with `finish`, handshake phase without).
std::optional<Ready> ToSession(Env& env, CaseRun& run, uint8_t version, const char* version_skip, uint32_t caps,
                               const char* caps_skip, bool finish, uint32_t caps_any = 0,
                               uint8_t meas_summary = wire::kMeasSummaryHashNone) {
  const VcaOffer offer = SessionOffer();
  auto n0 = Begin(env, run, version, version_skip, caps | kKeyExCaps, caps_any, caps_skip, offer);
  if (!n0) return std::nullopt;
  auto mask = SlotMask(env, run, *n0);
  if (!mask) return std::nullopt;
  auto c = Fresh(env, run, version, offer, SlotsOf(*mask).front());
  if (!c) return std::nullopt;
  auto s = Establish(env.probe, c->n, c->chain, finish, meas_summary);
  if (!s) {
    run.StepFailed(AssertionId(run, 1), finish ? "session setup (KEY_EXCHANGE, FINISH)" : "KEY_EXCHANGE", s.error(),
                   env.probe.last_response());
    return std::nullopt;
  }
  return Ready{std::move(*c), std::move(*s)};
}

// One request inside the session; the reply's plaintext (or an unprotected
// reply as it came).
Result<Bytes> InSession(Probe& probe, OpenSession& s, ByteSpan request) {
  CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, probe.SendSecured(*s.secure, request));
  return std::move(reply.bytes);
}

// A connection whose KEY_EXCHANGE succeeded (handshake phase), for the
// FINISH cases that build their own FINISH.
struct Handshake {
  Connection c;
  KeyExchangeTry ke;
};

// KEY_EXCHANGE (NoMeasurement) on the connection `c`; nullopt (recorded)
// unless every check a requester makes before FINISH held.
std::optional<KeyExchangeTry> KeyExchangeFor(Env& env, CaseRun& run, const Connection& c) {
  auto ke = TryKeyExchange(env.probe, c.n, c.chain, wire::kMeasSummaryHashNone);
  if (!ke) {
    run.StepFailed(AssertionId(run, 1), "KEY_EXCHANGE", ke.error(), env.probe.last_response());
    return std::nullopt;
  }
  if (!ke->usable()) {
    run.StepFailed(AssertionId(run, 1), "KEY_EXCHANGE", ke->first_error(), ke->response);
    return std::nullopt;
  }
  if (ke->mut_auth_requested != 0) {
    run.StepFailed(AssertionId(run, 1), "KEY_EXCHANGE",
                   Error{Errc::kUnsupported, "validator: responder asks for mutual authentication"}, ke->response);
    return std::nullopt;
  }
  return std::move(*ke);
}

// Begin (KEY_EX_CAP, CERT_CAP and, in the clear, HANDSHAKE_IN_THE_CLEAR_CAP),
// then a fresh connection on the lowest provisioned slot and its
// KEY_EXCHANGE.
std::optional<Handshake> ToHandshake(Env& env, CaseRun& run, uint8_t version, const char* version_skip,
                                     bool in_clear = false) {
  const VcaOffer offer = SessionOffer(in_clear);
  auto n0 = Begin(env, run, version, version_skip, kKeyExCaps, 0, kNeedKeyEx, offer);
  if (!n0) return std::nullopt;
  if (in_clear && !n0->np.handshake_in_the_clear) {
    run.Skip(kNeedInTheClear);
    return std::nullopt;
  }
  auto mask = SlotMask(env, run, *n0);
  if (!mask) return std::nullopt;
  auto c = Fresh(env, run, version, offer, SlotsOf(*mask).front());
  if (!c) return std::nullopt;
  auto ke = KeyExchangeFor(env, run, *c);
  if (!ke) return std::nullopt;
  return Handshake{std::move(*c), std::move(*ke)};
}

// FINISH without a signature as DMTF's FINISH cases build it: header
// (`version`, FINISH, Param1 0, Param2 0), then the RequesterVerifyData a
// requester computes over `ke`'s transcript and that header, each byte XORed
// with `flip`; Param2 is then set to `param2` (so a request with a ReqSlotID
// carries the HMAC of the unchanged header). `ke` is not changed.
Result<Bytes> FinishFor(const KeyExchangeTry& ke, uint8_t version, uint8_t param2 = 0, uint8_t flip = 0) {
  Bytes req{version, static_cast<uint8_t>(wire::Code::kFinish), 0, 0};
  session::SessionTranscript th = *ke.th;
  CCGPU_TRY(th.AppendFinishSigned(req));
  CCGPU_ASSIGN_OR_RETURN(Bytes digest, th.Digest());
  CCGPU_ASSIGN_OR_RETURN(Bytes vd, ke.secure->VerifyData(session::Direction::kRequesterToResponder, digest));
  for (uint8_t& b : vd) b ^= flip;
  req[3] = param2;
  req.insert(req.end(), vd.begin(), vd.end());
  return req;
}

// ---------------------------------------------------------------------------
// Assertion helpers

// (DMTF's ERROR assertions without the Param2 one, for 9.7, 9.8, 9.11, 12.4,
// 13.5, 16.4, which list only N.M.1-4: CheckErrorNoParam2, validator.cc.)

// RequestResponseCode == `code`, SPDMVersion == NegotiatedVersion (N.M.first, first+1).
void CheckCodeVersion(CaseRun& run, ByteSpan rsp, uint8_t version, wire::Code code, const char* name, int first) {
  const std::string seen = Seen(rsp);
  run.Check(AssertionId(run, first), rsp.size() >= 2 && rsp[1] == static_cast<uint8_t>(code),
            std::string("SpdmMessage.RequestResponseCode == ") + name, seen);
  run.Check(AssertionId(run, first + 1), !rsp.empty() && rsp[0] == version, "SpdmMessage.SPDMVersion == NegotiatedVersion",
            seen);
}

// sizeof >= `min_size`, then CheckCodeVersion (N.M.first..first+2).
void CheckResponse(CaseRun& run, ByteSpan rsp, uint8_t version, wire::Code code, const char* name, std::size_t min_size,
                   int first) {
  run.Check(AssertionId(run, first), rsp.size() >= min_size, std::string("sizeof(SpdmMessage) >= sizeof(") + name + ")",
            Seen(rsp) + "; needs " + std::to_string(min_size));
  CheckCodeVersion(run, rsp, version, code, name, first + 1);
}


Bytes Header(uint8_t version, wire::Code code, uint8_t param1 = 0, uint8_t param2 = 0) {
  return Bytes{version, static_cast<uint8_t>(code), param1, param2};
}

// ---------------------------------------------------------------------------
// KEY_EXCHANGE / FINISH, step by step (8.1/8.2/8.7/8.8, 9.1/9.2/9.9/9.10)

// ---------------------------------------------------------------------------
// Group 8

// 8.N.1-6 for one KEY_EXCHANGE_RSP.
void RecordKeyExchangeRsp(CaseRun& run, const Negotiated& n, const KeyExchangeTry& t, uint8_t meas_summary) {
  const bool in_clear = n.np.handshake_in_the_clear;
  const ByteSpan rsp = t.response;
  const std::string seen = Seen(rsp);
  // header(4) ReqSessionID.. RandomData(36) | ExchangeData | [summary] |
  // OpaqueDataLength | OpaqueData | Signature | [ResponderVerifyData].
  const std::size_t at = 40 + n.np.dhe_size + (meas_summary != wire::kMeasSummaryHashNone ? n.np.hash_size : 0);
  std::string size_detail = seen;
  bool size_ok = false;
  if (rsp.size() >= at + 2) {
    const std::size_t opaque_len = static_cast<std::size_t>(rsp[at] | (rsp[at + 1] << 8));
    const std::size_t need = at + 2 + opaque_len + n.np.signature_size + (in_clear ? 0 : n.np.hash_size);
    size_ok = rsp.size() >= need;
    size_detail += "; needs " + std::to_string(need);
  }
  run.Check(AssertionId(run, 1), size_ok,
            in_clear ? "sizeof(SpdmMessage) >= sizeof(KEY_EXCHANGE_RSP) + OpaqueDataLength - HMAC size"
                     : "sizeof(SpdmMessage) >= sizeof(KEY_EXCHANGE_RSP) + OpaqueDataLength",
            size_detail);
  run.Check(AssertionId(run, 2), rsp.size() >= 2 && rsp[1] == static_cast<uint8_t>(wire::Code::kKeyExchangeRsp),
            "SpdmMessage.RequestResponseCode == KEY_EXCHANGE_RSP", seen);
  run.Check(AssertionId(run, 3), !rsp.empty() && rsp[0] == n.version, "SpdmMessage.SPDMVersion == NegotiatedVersion", seen);
  // DMTF records 8.N.4 twice: MutAuthRequested, then SlotIDParam.
  run.Check(AssertionId(run, 4), rsp.size() >= 8 && rsp[6] == 0, "SpdmMessage.MutAuthRequested == 0",
            rsp.size() >= 8 ? "MutAuthRequested " + ByteHex(rsp[6]) : seen);
  run.Check(AssertionId(run, 4), rsp.size() >= 8 && rsp[7] == 0, "SpdmMessage.SlotIDParam == 0",
            rsp.size() >= 8 ? "SlotIDParam " + ByteHex(rsp[7]) : seen);
  const std::optional<Error> sig_error = t.parse_error ? t.parse_error : t.signature_error;
  run.Check(AssertionId(run, 5), !sig_error, "SPDMsignatureVerify(PubKey, SpdmMessage.Signature, TH.SIG.KEY_EXCHANGE_RSP) succeeds",
            sig_error ? sig_error->ToString() : "verified with the slot's leaf key");
  if (!in_clear) {
    const std::optional<Error> vd_error = t.parse_error ? t.parse_error : t.verify_data_error;
    run.Check(AssertionId(run, 6), !vd_error,
              "HMACVerify(finished_key, SpdmMessage.ResponderVerifyData, TH.HMAC.KEY_EXCHANGE_RSP) succeeds",
              vd_error ? vd_error->ToString() : "HMAC(rsp_finished_key, TH1) matches");
  }
}

// 8.1 / 8.7 (encrypted handshake) and 8.2 / 8.8 (in the clear): every
// provisioned slot, with NoMeasurement and, given MEAS_CAP, TCB and All; each
// from a fresh VCA and the slot's GET_CERTIFICATE (no GET_DIGESTS, as DMTF).
void KeyExchangeSuccess(Env& env, CaseRun& run, uint8_t version, const char* version_skip, bool in_clear) {
  const VcaOffer offer = SessionOffer(in_clear);
  auto n0 = Begin(env, run, version, version_skip, kKeyExCaps, 0, kNeedKeyEx, offer);
  if (!n0) return;
  if (in_clear && !n0->np.handshake_in_the_clear) return run.Skip(kNeedInTheClear);
  auto mask = SlotMask(env, run, *n0);
  if (!mask) return;
  std::vector<uint8_t> types = {wire::kMeasSummaryHashNone};
  if ((n0->responder_flags & wire::cap::kMeasMask) != 0) {
    types.push_back(wire::kMeasSummaryHashTcb);
    types.push_back(wire::kMeasSummaryHashAll);
  }
  for (uint8_t slot : SlotsOf(*mask)) {
    for (uint8_t type : types) {
      auto c = Fresh(env, run, version, offer, slot, false);
      if (!c) return;
      auto t = TryKeyExchange(env.probe, c->n, c->chain, type);
      if (!t) return run.StepFailed(AssertionId(run, 1), "KEY_EXCHANGE", t.error(), env.probe.last_response());
      RecordKeyExchangeRsp(run, c->n, *t, type);
    }
  }
}

// 8.3: KEY_EXCHANGE in NegotiatedVersion+1 and -1.
void KeyExchangeVersionMismatch(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto n0 = Begin(env, run, v, "responder lists no SPDM 1.1+", kKeyExCaps, 0, kNeedKeyEx, SessionOffer());
  if (!n0) return;
  auto mask = SlotMask(env, run, *n0);
  if (!mask) return;
  auto c = Fresh(env, run, v, SessionOffer(), SlotsOf(*mask).front());
  if (!c) return;
  auto point = EphemeralPoint(c->n);
  auto ke = point ? BuildKeyExchange(c->n, SlotOfChain(c->chain), wire::kMeasSummaryHashNone, *point)
                  : Result<Bytes>(tl::unexpected(point.error()));
  if (!ke) return run.StepFailed(AssertionId(run, 1), "build KEY_EXCHANGE", ke.error());
  for (uint8_t wrong : WrongVersions(v)) {
    auto rsp = env.probe.Send(WithVersion(*ke, wrong));
    if (!rsp) return run.StepFailed(AssertionId(run, 1), "KEY_EXCHANGE", rsp.error(), env.probe.last_response());
    CheckError(run, *rsp, v, wire::ErrorCode::kVersionMismatch);
  }
}

// The opening of 8.4 and 9.4: GET_VERSION and GET_CAPABILITIES, no
// NEGOTIATE_ALGORITHMS. The version to use, or nullopt once the case has been
// skipped or failed.
std::optional<uint8_t> OpenWithoutAlgorithms(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  if (!env.probe.config().binding) {
    run.Skip(kNoBinding);
    return std::nullopt;
  }
  if (v == 0) {
    run.Skip("responder lists no SPDM 1.1+");
    return std::nullopt;
  }
  auto half = VersionAndCapabilities(env.probe, v, SessionOffer());
  if (!half) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION / GET_CAPABILITIES", half.error(), env.probe.last_response());
    return std::nullopt;
  }
  if (!half->Has(kKeyExCaps)) {
    run.Skip(kNeedKeyEx);
    return std::nullopt;
  }
  return v;
}

// 8.4: KEY_EXCHANGE after GET_CAPABILITIES, before NEGOTIATE_ALGORITHMS.
// DMTF sends it with no ExchangeData (no DHE group is negotiated yet):
// header, ReqSessionID 0, SessionPolicy 0, Reserved, RandomData (zeros),
// OpaqueDataLength 0, 42 bytes.
void KeyExchangeBeforeAlgorithms(Env& env, CaseRun& run) {
  const auto opened = OpenWithoutAlgorithms(env, run);
  if (!opened) return;
  const uint8_t v = *opened;
  Bytes req = Header(v, wire::Code::kKeyExchange, wire::kMeasSummaryHashNone, 0);
  req.resize(req.size() + 2 + 1 + 1 + 32 + 2, 0);
  auto rsp = env.probe.Send(req);
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "KEY_EXCHANGE", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
}

// 8.5: KEY_EXCHANGE inside an established session.
void KeyExchangeInSession(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto r = ToSession(env, run, v, "responder lists no SPDM 1.1+", 0, kNeedKeyEx, true);
  if (!r) return;
  auto point = EphemeralPoint(r->c.n);
  auto ke = point ? BuildKeyExchange(r->c.n, SlotOfChain(r->c.chain), wire::kMeasSummaryHashNone, *point)
                  : Result<Bytes>(tl::unexpected(point.error()));
  if (!ke) return run.StepFailed(AssertionId(run, 1), "build KEY_EXCHANGE", ke.error());
  auto rsp = InSession(env.probe, r->s, *ke);
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "KEY_EXCHANGE in session", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
}

// 8.6: KEY_EXCHANGE with each SlotID 0..15 that names no provisioned slot,
// then with MeasurementSummaryHashType TCB+1 and All-1 (DMTF's list; it sends
// neither SlotID 0xFF nor a bad OpaqueDataLength).
void KeyExchangeInvalid(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto n0 = Begin(env, run, v, "responder lists no SPDM 1.1+", kKeyExCaps, 0, kNeedKeyEx, SessionOffer());
  if (!n0) return;
  auto mask = SlotMask(env, run, *n0);
  if (!mask) return;
  auto c = Fresh(env, run, v, SessionOffer(), SlotsOf(*mask).front());
  if (!c) return;
  auto point = EphemeralPoint(c->n);
  if (!point) return run.StepFailed(AssertionId(run, 1), "ephemeral key", point.error());
  std::vector<uint8_t> invalid_slots;
  for (uint8_t s = 0; s < 8; ++s) {
    if (((*mask >> s) & 1u) == 0) invalid_slots.push_back(s);
  }
  for (uint8_t s = 8; s <= 0x0F; ++s) invalid_slots.push_back(s);
  const uint8_t valid_slot = SlotOfChain(c->chain);
  auto send = [&](uint8_t slot, uint8_t meas_summary) -> bool {
    auto ke = BuildKeyExchange(c->n, slot, meas_summary, *point);
    if (!ke) {
      run.StepFailed(AssertionId(run, 1), "build KEY_EXCHANGE", ke.error());
      return false;
    }
    auto rsp = env.probe.Send(*ke);
    if (!rsp) {
      run.StepFailed(AssertionId(run, 1), "KEY_EXCHANGE", rsp.error(), env.probe.last_response());
      return false;
    }
    CheckError(run, *rsp, v, wire::ErrorCode::kInvalidRequest);
    return true;
  };
  for (uint8_t slot : invalid_slots) {
    if (!send(slot, wire::kMeasSummaryHashNone)) return;
  }
  if (!send(valid_slot, static_cast<uint8_t>(wire::kMeasSummaryHashTcb + 1))) return;
  send(valid_slot, static_cast<uint8_t>(wire::kMeasSummaryHashAll - 1));
}

// ---------------------------------------------------------------------------
// Group 9

// 9.1 / 9.9 (encrypted handshake) and 9.2 / 9.10 (in the clear): every
// provisioned slot, each from a fresh VCA and the slot's GET_CERTIFICATE
// (no GET_DIGESTS, as DMTF), KEY_EXCHANGE, then FINISH.
void FinishSuccess(Env& env, CaseRun& run, uint8_t version, const char* version_skip, bool in_clear) {
  const VcaOffer offer = SessionOffer(in_clear);
  auto n0 = Begin(env, run, version, version_skip, kKeyExCaps, 0, kNeedKeyEx, offer);
  if (!n0) return;
  if (in_clear && !n0->np.handshake_in_the_clear) return run.Skip(kNeedInTheClear);
  auto mask = SlotMask(env, run, *n0);
  if (!mask) return;
  for (uint8_t slot : SlotsOf(*mask)) {
    auto c = Fresh(env, run, version, offer, slot, false);
    if (!c) return;
    auto ke = KeyExchangeFor(env, run, *c);
    if (!ke) return;
    auto fin = TryFinish(env.probe, c->n, *ke);
    if (!fin) return run.StepFailed(AssertionId(run, 1), "FINISH", fin.error(), env.probe.last_response());
    const std::size_t min_size = wire::kHeaderSize + (in_clear ? c->n.np.hash_size : 0);
    CheckResponse(run, fin->response, version, wire::Code::kFinishRsp, "FINISH_RSP", min_size, 1);
    if (in_clear) {
      const std::optional<Error> e = fin->parse_error ? fin->parse_error : fin->verify_data_error;
      run.Check(AssertionId(run, 4), !e,
                "HMACVerify(finished_key, SpdmMessage.ResponderVerifyData, TH.HMAC.FINISH_RSP) succeeds",
                e ? e->ToString() : "slot " + std::to_string(slot) + ": HMAC(rsp_finished_key, TH) matches");
    }
  }
}

// A FINISH without mutual authentication whose RequesterVerifyData is
// `verify_data` (for 9.5, where no handshake transcript is left to compute
// it over).
Bytes RawFinish(uint8_t version, ByteSpan verify_data) {
  Bytes m = Header(version, wire::Code::kFinish);
  m.insert(m.end(), verify_data.begin(), verify_data.end());
  return m;
}

// 9.3: FINISH in NegotiatedVersion-1 and +1 during the handshake, each with
// the RequesterVerifyData computed over its own header.
void FinishVersionMismatch(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto h = ToHandshake(env, run, v, "responder lists no SPDM 1.1+");
  if (!h) return;
  for (uint8_t wrong : WrongVersions(v)) {
    auto req = FinishFor(h->ke, wrong);
    if (!req) return run.StepFailed(AssertionId(run, 1), "build FINISH", req.error());
    auto rsp = env.probe.SendSecured(*h->ke.secure, *req);
    if (!rsp) return run.StepFailed(AssertionId(run, 1), "FINISH in session", rsp.error(), env.probe.last_response());
    CheckError(run, rsp->bytes, v, wire::ErrorCode::kVersionMismatch);
  }
}

// 9.4: FINISH after GET_CAPABILITIES, before NEGOTIATE_ALGORITHMS. No hash is
// negotiated yet: DMTF sends the 4-byte header alone.
void FinishBeforeAlgorithms(Env& env, CaseRun& run) {
  const auto opened = OpenWithoutAlgorithms(env, run);
  if (!opened) return;
  const uint8_t v = *opened;
  auto rsp = env.probe.Send(Header(v, wire::Code::kFinish));
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "FINISH", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
}

// 9.5: FINISH in an established session.
void FinishInApplicationPhase(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto r = ToSession(env, run, v, "responder lists no SPDM 1.1+", 0, kNeedKeyEx, true);
  if (!r) return;
  auto rsp = InSession(env.probe, r->s, RawFinish(v, Bytes(r->c.n.np.hash_size, 0)));
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "FINISH in session", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
}

// 9.6: during the handshake, FINISH with Param1 0 and Param2 (ReqSlotID)
// 1..15 (no mutual authentication was negotiated; the RequesterVerifyData is
// that of Param2 0), then FINISH without RequesterVerifyData (4 bytes).
void FinishInvalid(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto h = ToHandshake(env, run, v, "responder lists no SPDM 1.1+");
  if (!h) return;
  std::vector<Bytes> requests;
  for (uint8_t slot = 1; slot <= 0x0F; ++slot) {
    auto req = FinishFor(h->ke, v, slot);
    if (!req) return run.StepFailed(AssertionId(run, 1), "build FINISH", req.error());
    requests.push_back(std::move(*req));
  }
  requests.push_back(Header(v, wire::Code::kFinish));
  for (const Bytes& req : requests) {
    auto rsp = env.probe.SendSecured(*h->ke.secure, req);
    if (!rsp) return run.StepFailed(AssertionId(run, 1), "FINISH in session", rsp.error(), env.probe.last_response());
    CheckError(run, rsp->bytes, v, wire::ErrorCode::kInvalidRequest);
  }
}

// 9.7 / 9.8: FINISH whose RequesterVerifyData is the right one with every
// byte inverted, in the handshake's record layer or in the clear. As in
// DMTF's case, a secured reply that cannot be opened (the responder tore the
// session down) counts as the expected error.
void FinishBadVerifyData(Env& env, CaseRun& run, bool in_clear) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto h = ToHandshake(env, run, v, "responder lists no SPDM 1.1+", in_clear);
  if (!h) return;
  auto req = FinishFor(h->ke, v, 0, 0xFF);
  if (!req) return run.StepFailed(AssertionId(run, 1), "build FINISH", req.error());
  if (in_clear) {
    auto rsp = env.probe.Send(*req);
    if (!rsp) return run.StepFailed(AssertionId(run, 1), "FINISH", rsp.error(), env.probe.last_response());
    return CheckErrorNoParam2(run, *rsp, v, wire::ErrorCode::kDecryptError);
  }
  ExpectDecryptErrorInSession(env, run, *h->ke.secure, *req, v, "FINISH");
}

// 9.11: FINISH (right RequesterVerifyData) outside the session, SPDM 1.2.
void FinishOutsideSession(Env& env, CaseRun& run) {
  const uint8_t v = Only(env, wire::kVersion12);
  auto h = ToHandshake(env, run, v, "responder does not list SPDM 1.2");
  if (!h) return;
  auto req = FinishFor(h->ke, v);
  if (!req) return run.StepFailed(AssertionId(run, 1), "build FINISH", req.error());
  auto rsp = env.probe.Send(*req);
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "FINISH", rsp.error(), env.probe.last_response());
  CheckErrorNoParam2(run, *rsp, v, wire::ErrorCode::kSessionRequired);
}

// ---------------------------------------------------------------------------
// Groups 12, 13, 16: in-session control messages

constexpr const char* kNeedHbeat = "responder lacks HBEAT_CAP, KEY_EX_CAP or CERT_CAP";
constexpr const char* kNeedKeyUpd = "responder lacks KEY_UPD_CAP, KEY_EX_CAP or CERT_CAP";

uint8_t HeartbeatPeriod(const OpenSession& s) { return s.key_exchange_rsp.size() > 2 ? s.key_exchange_rsp[2] : 0; }

// "<message> with NegotiatedVersion±1 in an established session" (12.2,
// 13.2, 16.2).
void VersionMismatchInSession(Env& env, CaseRun& run, uint32_t caps, const char* caps_skip, wire::Code code, uint8_t param1,
                              bool need_heartbeat_period) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto r = ToSession(env, run, v, "responder lists no SPDM 1.1+", caps, caps_skip, true);
  if (!r) return;
  if (need_heartbeat_period && HeartbeatPeriod(r->s) == 0) return run.Skip("KEY_EXCHANGE_RSP HeartbeatPeriod is 0");
  for (uint8_t wrong : WrongVersions(v)) {
    auto rsp = InSession(env.probe, r->s, Header(wrong, code, param1, 0));
    if (!rsp) return run.StepFailed(AssertionId(run, 1), "request in session", rsp.error(), env.probe.last_response());
    CheckError(run, *rsp, v, wire::ErrorCode::kVersionMismatch);
  }
}

// "<message> during the session handshake" → UnexpectedRequest (12.3, 13.4,
// 16.3).
void InHandshake(Env& env, CaseRun& run, uint32_t caps, const char* caps_skip, const Bytes& request_v0,
                 bool need_heartbeat_period) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto r = ToSession(env, run, v, "responder lists no SPDM 1.1+", caps, caps_skip, false);
  if (!r) return;
  if (need_heartbeat_period && HeartbeatPeriod(r->s) == 0) return run.Skip("KEY_EXCHANGE_RSP HeartbeatPeriod is 0");
  auto rsp = InSession(env.probe, r->s, WithVersion(request_v0, v));
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "request in the handshake", rsp.error(), env.probe.last_response());
  CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
}

// "<message> outside a session" → SessionRequired (12.4, 13.5, 16.4; 1.2+):
// as DMTF's setup, a session is established first (so the responder has one
// the request could have used), then the request goes in the clear.
void OutsideSession(Env& env, CaseRun& run, uint32_t caps, const char* caps_skip, const Bytes& request_v0,
                    bool need_heartbeat_period) {
  const uint8_t v = AtLeast(env, wire::kVersion12);
  auto r = ToSession(env, run, v, "responder lists no SPDM 1.2+", caps, caps_skip, true);
  if (!r) return;
  if (need_heartbeat_period && HeartbeatPeriod(r->s) == 0) return run.Skip("KEY_EXCHANGE_RSP HeartbeatPeriod is 0");
  auto rsp = env.probe.Send(WithVersion(request_v0, v));
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "request outside a session", rsp.error(), env.probe.last_response());
  CheckErrorNoParam2(run, *rsp, v, wire::ErrorCode::kSessionRequired);
}

// 12.1
void HeartbeatSuccess(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto r = ToSession(env, run, v, "responder lists no SPDM 1.1+", wire::cap::kHbeat, kNeedHbeat, true);
  if (!r) return;
  if (HeartbeatPeriod(r->s) == 0) return run.Skip("KEY_EXCHANGE_RSP HeartbeatPeriod is 0");
  auto req = wire::SerializeHeartbeat(wire::Heartbeat{v});
  Result<Bytes> rsp = req ? InSession(env.probe, r->s, *req) : Result<Bytes>(tl::unexpected(req.error()));
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "HEARTBEAT in session", rsp.error(), env.probe.last_response());
  CheckResponse(run, *rsp, v, wire::Code::kHeartbeatAck, "HEARTBEAT_ACK", wire::kHeaderSize, 1);
}

// KEY_UPDATE(op, tag) with the key switches DSP0274 prescribes for a
// requester: UpdateAllKeys' ACK must come under the new response key; the
// request key switches once the ACK for UpdateKey / UpdateAllKeys is in.
Result<Bytes> KeyUpdate(Probe& probe, session::SecureSession& s, uint8_t version, wire::KeyUpdateOp op, uint8_t tag) {
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeKeyUpdate(wire::KeyUpdate{version, op, tag}));
  CCGPU_ASSIGN_OR_RETURN(Bytes record, s.Seal(req));
  const auto sop = static_cast<session::KeyUpdateOp>(op);
  CCGPU_TRY(s.OnKeyUpdateRequestSent(sop));
  CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, probe.SendRecord(record));
  if (!reply.secured) return std::move(reply.bytes);
  CCGPU_ASSIGN_OR_RETURN(Bytes plain, s.Open(reply.bytes));
  if (op == wire::KeyUpdateOp::kUpdateAllKeys && s.has_previous_receive_key()) {
    return Fail(Errc::kAuthFailed, "validator: KEY_UPDATE_ACK to UpdateAllKeys is not sealed under the new response key");
  }
  if (plain.size() >= 2 && plain[1] == static_cast<uint8_t>(wire::Code::kKeyUpdateAck)) {
    CCGPU_TRY(s.OnKeyUpdateAckReceived(sop));
  }
  return plain;
}

const char* KeyUpdateOpName(wire::KeyUpdateOp op) {
  switch (op) {
    case wire::KeyUpdateOp::kUpdateKey: return "KEY_UPDATE(UpdateKey)";
    case wire::KeyUpdateOp::kUpdateAllKeys: return "KEY_UPDATE(UpdateAllKeys)";
    case wire::KeyUpdateOp::kVerifyNewKey: return "KEY_UPDATE(VerifyNewKey)";
  }
  return "KEY_UPDATE";
}

// 13.1: UpdateKey, VerifyNewKey, UpdateAllKeys, VerifyNewKey; each ACK echoes
// the operation and the tag, and each VerifyNewKey travels under the new
// request key.
// (DMTF sends Tag 0 throughout; a distinct nonzero Tag per request makes the
// echo check, which DSP0274 requires, able to fail.)
void KeyUpdateSuccess(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto r = ToSession(env, run, v, "responder lists no SPDM 1.1+", wire::cap::kKeyUpd, kNeedKeyUpd, true);
  if (!r) return;
  struct Step {
    wire::KeyUpdateOp op;
    uint8_t tag;
  };
  const Step steps[] = {{wire::KeyUpdateOp::kUpdateKey, 0x11},
                        {wire::KeyUpdateOp::kVerifyNewKey, 0x22},
                        {wire::KeyUpdateOp::kUpdateAllKeys, 0x33},
                        {wire::KeyUpdateOp::kVerifyNewKey, 0x44}};
  int first = 1;
  for (const Step& st : steps) {
    auto rsp = KeyUpdate(env.probe, *r->s.secure, v, st.op, st.tag);
    // (Probe::SendRecord keeps no last response: the error says what broke.)
    if (!rsp) return run.StepFailed(AssertionId(run, first), KeyUpdateOpName(st.op), rsp.error());
    CheckResponse(run, *rsp, v, wire::Code::kKeyUpdateAck, "KEY_UPDATE_ACK", wire::kHeaderSize, first);
    const std::string seen = Seen(*rsp);
    run.Check(AssertionId(run, first + 3), rsp->size() >= 4 && (*rsp)[2] == static_cast<uint8_t>(st.op),
              "SpdmMessage.Param1 == KEY_UPDATE.Param1 (" + HexPrefix(Bytes{static_cast<uint8_t>(st.op)}) + ")", seen);
    run.Check(AssertionId(run, first + 4), rsp->size() >= 4 && (*rsp)[3] == st.tag,
              "SpdmMessage.Param2 == KEY_UPDATE.Param2 (" + HexPrefix(Bytes{st.tag}) + ")", seen);
    first += 5;
  }
}

// 13.3: KEY_UPDATE with KeyOperation UpdateKey-1 and VerifyNewKey+1 (Tag 0).
void KeyUpdateInvalid(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto r = ToSession(env, run, v, "responder lists no SPDM 1.1+", wire::cap::kKeyUpd, kNeedKeyUpd, true);
  if (!r) return;
  const uint8_t ops[] = {static_cast<uint8_t>(wire::KeyUpdateOp::kUpdateKey) - 1,
                         static_cast<uint8_t>(wire::KeyUpdateOp::kVerifyNewKey) + 1};
  for (uint8_t op : ops) {
    auto rsp = InSession(env.probe, r->s, Header(v, wire::Code::kKeyUpdate, op, 0));
    if (!rsp) return run.StepFailed(AssertionId(run, 1), "KEY_UPDATE in session", rsp.error(), env.probe.last_response());
    CheckError(run, *rsp, v, wire::ErrorCode::kInvalidRequest);
  }
}

// 16.1
void EndSessionSuccess(Env& env, CaseRun& run) {
  const uint8_t v = AtLeast(env, wire::kVersion11);
  auto r = ToSession(env, run, v, "responder lists no SPDM 1.1+", 0, kNeedKeyEx, true);
  if (!r) return;
  auto req = wire::SerializeEndSession(wire::EndSession{v, 0});
  Result<Bytes> rsp = req ? InSession(env.probe, r->s, *req) : Result<Bytes>(tl::unexpected(req.error()));
  if (!rsp) return run.StepFailed(AssertionId(run, 1), "END_SESSION in session", rsp.error(), env.probe.last_response());
  CheckResponse(run, *rsp, v, wire::Code::kEndSessionAck, "END_SESSION_ACK", wire::kHeaderSize, 1);
  r->s.secure->End();
}

template <typename F>
void RunCase(Env& env, const char* id, const char* title, F&& body) {
  CaseRun run(id, title);
  body(env, run);
  env.Add(std::move(run));
}

constexpr const char* kNo11 = "responder does not list SPDM 1.1";
constexpr const char* kNo12 = "responder does not list SPDM 1.2";
constexpr const char* kNo12Plus = "responder lists no SPDM 1.2+";

}  // namespace groupsession

void RunKeyExchangeRspGroup(Env& env) {
  namespace gs = groupsession;
  gs::RunCase(env, "8.1", "KEY_EXCHANGE → KEY_EXCHANGE_RSP (SPDM 1.1)", [](Env& e, CaseRun& r) {
    gs::KeyExchangeSuccess(e, r, gs::Only(e, wire::kVersion11), gs::kNo11, false);
  });
  gs::RunCase(env, "8.2", "KEY_EXCHANGE → KEY_EXCHANGE_RSP with HANDSHAKE_IN_THE_CLEAR (SPDM 1.1)", [](Env& e, CaseRun& r) {
    gs::KeyExchangeSuccess(e, r, gs::Only(e, wire::kVersion11), gs::kNo11, true);
  });
  gs::RunCase(env, "8.3", "KEY_EXCHANGE with a non-negotiated version → ERROR(VersionMismatch)", gs::KeyExchangeVersionMismatch);
  gs::RunCase(env, "8.4", "KEY_EXCHANGE before NEGOTIATE_ALGORITHMS → ERROR(UnexpectedRequest)",
              gs::KeyExchangeBeforeAlgorithms);
  gs::RunCase(env, "8.5", "KEY_EXCHANGE inside a session → ERROR(UnexpectedRequest)", gs::KeyExchangeInSession);
  gs::RunCase(env, "8.6", "KEY_EXCHANGE with an invalid field → ERROR(InvalidRequest)", gs::KeyExchangeInvalid);
  // DMTF's 8.7 / 8.8 negotiate exactly SPDM 1.2.
  gs::RunCase(env, "8.7", "KEY_EXCHANGE → KEY_EXCHANGE_RSP (SPDM 1.2)", [](Env& e, CaseRun& r) {
    gs::KeyExchangeSuccess(e, r, gs::Only(e, wire::kVersion12), gs::kNo12, false);
  });
  gs::RunCase(env, "8.8", "KEY_EXCHANGE → KEY_EXCHANGE_RSP with HANDSHAKE_IN_THE_CLEAR (SPDM 1.2)", [](Env& e, CaseRun& r) {
    gs::KeyExchangeSuccess(e, r, gs::Only(e, wire::kVersion12), gs::kNo12, true);
  });
}

void RunFinishRspGroup(Env& env) {
  namespace gs = groupsession;
  gs::RunCase(env, "9.1", "FINISH → FINISH_RSP in the session (SPDM 1.1)", [](Env& e, CaseRun& r) {
    gs::FinishSuccess(e, r, gs::Only(e, wire::kVersion11), gs::kNo11, false);
  });
  gs::RunCase(env, "9.2", "FINISH → FINISH_RSP with HANDSHAKE_IN_THE_CLEAR (SPDM 1.1)", [](Env& e, CaseRun& r) {
    gs::FinishSuccess(e, r, gs::Only(e, wire::kVersion11), gs::kNo11, true);
  });
  gs::RunCase(env, "9.3", "FINISH with a non-negotiated version → ERROR(VersionMismatch)", gs::FinishVersionMismatch);
  gs::RunCase(env, "9.4", "FINISH before NEGOTIATE_ALGORITHMS → ERROR(UnexpectedRequest)", gs::FinishBeforeAlgorithms);
  gs::RunCase(env, "9.5", "FINISH in an established session → ERROR(UnexpectedRequest)", gs::FinishInApplicationPhase);
  gs::RunCase(env, "9.6", "FINISH with an invalid field → ERROR(InvalidRequest)", gs::FinishInvalid);
  gs::RunCase(env, "9.7", "FINISH with a wrong RequesterVerifyData → ERROR(DecryptError)",
              [](Env& e, CaseRun& r) { gs::FinishBadVerifyData(e, r, false); });
  gs::RunCase(env, "9.8", "FINISH in the clear with a wrong RequesterVerifyData → ERROR(DecryptError)",
              [](Env& e, CaseRun& r) { gs::FinishBadVerifyData(e, r, true); });
  gs::RunCase(env, "9.9", "FINISH → FINISH_RSP in the session (SPDM 1.2)", [](Env& e, CaseRun& r) {
    gs::FinishSuccess(e, r, gs::Only(e, wire::kVersion12), gs::kNo12, false);
  });
  gs::RunCase(env, "9.10", "FINISH → FINISH_RSP with HANDSHAKE_IN_THE_CLEAR (SPDM 1.2)", [](Env& e, CaseRun& r) {
    gs::FinishSuccess(e, r, gs::Only(e, wire::kVersion12), gs::kNo12, true);
  });
  gs::RunCase(env, "9.11", "FINISH outside the session → ERROR(SessionRequired)", gs::FinishOutsideSession);
}

void RunHeartbeatAckGroup(Env& env) {
  namespace gs = groupsession;
  gs::RunCase(env, "12.1", "HEARTBEAT → HEARTBEAT_ACK in a session", gs::HeartbeatSuccess);
  gs::RunCase(env, "12.2", "HEARTBEAT with a non-negotiated version → ERROR(VersionMismatch)", [](Env& e, CaseRun& r) {
    gs::VersionMismatchInSession(e, r, wire::cap::kHbeat, gs::kNeedHbeat, wire::Code::kHeartbeat, 0, true);
  });
  gs::RunCase(env, "12.3", "HEARTBEAT during the session handshake → ERROR(UnexpectedRequest)", [](Env& e, CaseRun& r) {
    gs::InHandshake(e, r, wire::cap::kHbeat, gs::kNeedHbeat, gs::Header(0, wire::Code::kHeartbeat), true);
  });
  gs::RunCase(env, "12.4", "HEARTBEAT outside a session → ERROR(SessionRequired)", [](Env& e, CaseRun& r) {
    gs::OutsideSession(e, r, wire::cap::kHbeat, gs::kNeedHbeat, gs::Header(0, wire::Code::kHeartbeat), true);
  });
}

void RunKeyUpdateAckGroup(Env& env) {
  namespace gs = groupsession;
  const auto update_key = static_cast<uint8_t>(wire::KeyUpdateOp::kUpdateKey);
  gs::RunCase(env, "13.1", "KEY_UPDATE (UpdateKey, UpdateAllKeys, VerifyNewKey) → KEY_UPDATE_ACK", gs::KeyUpdateSuccess);
  gs::RunCase(env, "13.2", "KEY_UPDATE with a non-negotiated version → ERROR(VersionMismatch)", [&](Env& e, CaseRun& r) {
    gs::VersionMismatchInSession(e, r, wire::cap::kKeyUpd, gs::kNeedKeyUpd, wire::Code::kKeyUpdate, update_key, false);
  });
  gs::RunCase(env, "13.3", "KEY_UPDATE with an invalid KeyOperation → ERROR(InvalidRequest)", gs::KeyUpdateInvalid);
  gs::RunCase(env, "13.4", "KEY_UPDATE during the session handshake → ERROR(UnexpectedRequest)", [&](Env& e, CaseRun& r) {
    gs::InHandshake(e, r, wire::cap::kKeyUpd, gs::kNeedKeyUpd, gs::Header(0, wire::Code::kKeyUpdate, update_key, 0), false);
  });
  gs::RunCase(env, "13.5", "KEY_UPDATE outside a session → ERROR(SessionRequired)", [&](Env& e, CaseRun& r) {
    gs::OutsideSession(e, r, wire::cap::kKeyUpd, gs::kNeedKeyUpd, gs::Header(0, wire::Code::kKeyUpdate, update_key, 0),
                       false);
  });
}

void RunEndSessionAckGroup(Env& env) {
  namespace gs = groupsession;
  gs::RunCase(env, "16.1", "END_SESSION → END_SESSION_ACK in a session", gs::EndSessionSuccess);
  gs::RunCase(env, "16.2", "END_SESSION with a non-negotiated version → ERROR(VersionMismatch)", [](Env& e, CaseRun& r) {
    gs::VersionMismatchInSession(e, r, 0, gs::kNeedKeyEx, wire::Code::kEndSession, 0, false);
  });
  gs::RunCase(env, "16.3", "END_SESSION during the session handshake → ERROR(UnexpectedRequest)", [](Env& e, CaseRun& r) {
    gs::InHandshake(e, r, 0, gs::kNeedKeyEx, gs::Header(0, wire::Code::kEndSession), false);
  });
  gs::RunCase(env, "16.4", "END_SESSION outside a session → ERROR(SessionRequired)", [](Env& e, CaseRun& r) {
    gs::OutsideSession(e, r, 0, gs::kNeedKeyEx, gs::Header(0, wire::Code::kEndSession), false);
  });
}

}  // namespace ccgpu::spdm::validator::internal
