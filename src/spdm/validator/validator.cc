// The validator's shared machinery: Probe, CaseRun, the ERROR assertions, the
// setup steps (VCA, reading a chain, signature checks) and the run itself.
#include "spdm/validator/validator.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include "crypto/rng.h"
#include "crypto/x509.h"
#include "spdm/responder/algorithm_map.h"
#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator {

bool CaseResult::failed() const {
  return std::any_of(assertions.begin(), assertions.end(), [](const AssertionResult& a) { return !a.passed; });
}

std::size_t Report::assertions_passed() const {
  std::size_t n = 0;
  for (const CaseResult& c : cases) n += static_cast<std::size_t>(std::count_if(c.assertions.begin(), c.assertions.end(), [](const AssertionResult& a) { return a.passed; }));
  return n;
}

std::size_t Report::assertions_failed() const {
  std::size_t n = 0;
  for (const CaseResult& c : cases) n += static_cast<std::size_t>(std::count_if(c.assertions.begin(), c.assertions.end(), [](const AssertionResult& a) { return !a.passed; }));
  return n;
}

std::size_t Report::cases_skipped() const {
  return static_cast<std::size_t>(std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return c.skipped; }));
}

namespace internal {

// ResponseNotReady follow-ups per request (DMTF's validator relies on
// RESPOND_IF_READY working; a responder that is never ready fails the step).
constexpr int kNotReadyTries = 8;

Result<Bytes> Probe::Send(ByteSpan request) {
  last_response_.clear();
  // A new connection starts without chunking.
  if (request.size() >= 2 && request[1] == static_cast<uint8_t>(wire::Code::kGetVersion)) large_dts_ = 0;
  CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, exchange_->Exchange(false, request));
  for (int tries = 0;; ++tries) {
    last_response_ = reply.bytes;
    if (reply.secured) return Fail(Errc::kUnexpectedMessage, "validator: secured reply to a plain request");
    auto h = wire::PeekHeader(reply.bytes);
    if (!h || h->code != static_cast<uint8_t>(wire::Code::kError) || request.size() < 2) return std::move(reply.bytes);
    wire::ParseParams p;
    p.allow_dword_padding = config_.allow_dword_padding;
    auto e = wire::ParseError(reply.bytes, p);
    if (e && e->error_code == wire::ErrorCode::kLargeResponse && large_dts_ != 0 && !e->extended_error_data.empty()) {
      return FetchLarge(request[0], e->extended_error_data[0]);
    }
    if (!e || e->error_code != wire::ErrorCode::kResponseNotReady || !e->response_not_ready ||
        e->response_not_ready->request_code != request[1]) {
      return std::move(reply.bytes);
    }
    if (tries >= kNotReadyTries) return Fail(Errc::kTimeout, "validator: responder still not ready after RESPOND_IF_READY");
    const auto& nr = *e->response_not_ready;
    std::this_thread::sleep_for(std::chrono::microseconds(1u << std::min<unsigned>(nr.rdt_exponent, 20)));
    CCGPU_ASSIGN_OR_RETURN(Bytes rir, wire::SerializeRespondIfReady(wire::RespondIfReady{request[0], nr.request_code, nr.token}));
    CCGPU_ASSIGN_OR_RETURN(reply, exchange_->Exchange(false, rir));
  }
}

Result<Bytes> Probe::FetchLarge(uint8_t version, uint8_t handle, std::vector<Bytes>* chunks) {
  wire::ParseParams p;
  p.allow_dword_padding = config_.allow_dword_padding;
  wire::ChunkReassembly message;
  for (uint32_t seq = 0; seq <= 0xFFFF; ++seq) {
    CCGPU_ASSIGN_OR_RETURN(Bytes get, wire::SerializeChunkGet(wire::ChunkGet{version, handle, static_cast<uint16_t>(seq)}));
    CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, exchange_->Exchange(false, get));
    last_response_ = reply.bytes;
    if (reply.secured) return Fail(Errc::kUnexpectedMessage, "validator: secured reply to CHUNK_GET");
    auto h = wire::PeekHeader(reply.bytes);
    if (h && h->code == static_cast<uint8_t>(wire::Code::kError)) return Fail(Errc::kPeerError, "validator: CHUNK_GET answered with ERROR");
    CCGPU_ASSIGN_OR_RETURN(wire::ChunkResponse c, wire::ParseChunkResponse(reply.bytes, p));
    if (chunks != nullptr) chunks->push_back(reply.bytes);
    if (c.handle != handle || c.chunk_seq_no != seq) return Fail(Errc::kMalformed, "validator: CHUNK_RESPONSE for another chunk");
    CCGPU_TRY(message.Add(seq, c.large_message_size, c.chunk, c.last_chunk, std::numeric_limits<uint32_t>::max()));
    if (message.complete()) {
      last_response_ = message.Take();
      return last_response_;
    }
  }
  return Fail(Errc::kMalformed, "validator: large response runs past ChunkSeqNo");
}

Result<requester::ExchangeMessage> Probe::SendSecured(session::SecureSession& s, ByteSpan request) {
  last_response_.clear();
  CCGPU_ASSIGN_OR_RETURN(Bytes record, s.Seal(request));
  CCGPU_ASSIGN_OR_RETURN(requester::ExchangeMessage reply, exchange_->Exchange(true, record));
  if (!reply.secured) {
    last_response_ = reply.bytes;
    return reply;
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes plain, s.Open(reply.bytes));
  last_response_ = plain;
  return requester::ExchangeMessage{true, std::move(plain)};
}

Result<requester::ExchangeMessage> Probe::SendRecord(ByteSpan record) { return exchange_->Exchange(true, record); }

wire::ParseParams Probe::Params(const wire::NegotiatedParams& np) const {
  wire::ParseParams p;
  p.negotiated = np;
  p.allow_dword_padding = config_.allow_dword_padding;
  return p;
}

CaseRun::CaseRun(std::string id, std::string title) {
  result_.id = std::move(id);
  result_.title = std::move(title);
}

bool CaseRun::Check(const std::string& id, bool holds, std::string what, std::string detail) {
  result_.assertions.push_back({id, std::move(what), holds, std::move(detail)});
  return holds;
}

void CaseRun::Skip(std::string reason) {
  result_.skipped = true;
  result_.skip_reason = std::move(reason);
}

void CaseRun::StepFailed(const std::string& id, const std::string& step, const Error& e, ByteSpan last_response) {
  std::string detail = e.ToString();
  if (!last_response.empty()) detail += "; last response " + HexPrefix(last_response);
  Check(id, false, step + " completes", std::move(detail));
}

std::string ErrorName(wire::ErrorCode code) {
  switch (code) {
    case wire::ErrorCode::kInvalidRequest: return "InvalidRequest";
    case wire::ErrorCode::kBusy: return "Busy";
    case wire::ErrorCode::kUnexpectedRequest: return "UnexpectedRequest";
    case wire::ErrorCode::kUnspecified: return "Unspecified";
    case wire::ErrorCode::kDecryptError: return "DecryptError";
    case wire::ErrorCode::kUnsupportedRequest: return "UnsupportedRequest";
    case wire::ErrorCode::kRequestInFlight: return "RequestInFlight";
    case wire::ErrorCode::kInvalidResponseCode: return "InvalidResponseCode";
    case wire::ErrorCode::kSessionLimitExceeded: return "SessionLimitExceeded";
    case wire::ErrorCode::kSessionRequired: return "SessionRequired";
    case wire::ErrorCode::kResetRequired: return "ResetRequired";
    case wire::ErrorCode::kResponseTooLarge: return "ResponseTooLarge";
    case wire::ErrorCode::kRequestTooLarge: return "RequestTooLarge";
    case wire::ErrorCode::kLargeResponse: return "LargeResponse";
    case wire::ErrorCode::kMessageLost: return "MessageLost";
    case wire::ErrorCode::kInvalidPolicy: return "InvalidPolicy";
    case wire::ErrorCode::kVersionMismatch: return "VersionMismatch";
    case wire::ErrorCode::kResponseNotReady: return "ResponseNotReady";
    case wire::ErrorCode::kRequestResynch: return "RequestResynch";
    case wire::ErrorCode::kOperationFailed: return "OperationFailed";
    case wire::ErrorCode::kVendorDefined: return "Vendor";
  }
  return "0x" + HexPrefix(Bytes{static_cast<uint8_t>(code)});
}

VcaOffer OfferWithEncap() {
  VcaOffer offer;
  offer.flags |= wire::cap::kEncap;
  return offer;
}

std::array<uint8_t, 2> WrongVersions(uint8_t v) {
  return {static_cast<uint8_t>(v - 1), static_cast<uint8_t>(v + 1)};
}

std::string ByteHex(uint8_t b) { return "0x" + HexPrefix(Bytes{b}); }

std::vector<uint8_t> SlotsOf(uint8_t mask) {
  std::vector<uint8_t> slots;
  for (uint8_t slot = 0; slot < 8; ++slot) {
    if (((mask >> slot) & 1u) != 0) slots.push_back(slot);
  }
  return slots;
}

Bytes WithVersion(ByteSpan message, uint8_t version) {
  Bytes out(message.begin(), message.end());
  if (!out.empty()) out[0] = version;
  return out;
}

std::string AssertionId(const CaseRun& run, int n) { return run.id() + "." + std::to_string(n); }

std::string HexPrefix(ByteSpan bytes, std::size_t max) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < std::min(bytes.size(), max); ++i) {
    s += kHex[bytes[i] >> 4];
    s += kHex[bytes[i] & 15];
  }
  if (bytes.size() > max) s += "…";
  return s.empty() ? "(empty)" : s;
}

void CheckError(CaseRun& run, ByteSpan rsp, uint8_t version, wire::ErrorCode code, int first) {
  const auto id = [&](int k) { return AssertionId(run, first + k); };
  const std::string seen = "response " + HexPrefix(rsp);
  run.Check(id(0), rsp.size() >= 4, "sizeof(SpdmMessage) >= sizeof(ERROR)", seen);
  const bool long_enough = rsp.size() >= 4;
  run.Check(id(1), long_enough && rsp[1] == static_cast<uint8_t>(wire::Code::kError),
            "SpdmMessage.RequestResponseCode == ERROR", seen);
  run.Check(id(2), long_enough && rsp[0] == version, "SpdmMessage.SPDMVersion == " + ByteHex(version), seen);
  run.Check(id(3), long_enough && rsp[2] == static_cast<uint8_t>(code),
            "SpdmMessage.Param1 == " + ErrorName(code), seen);
  run.Check(id(4), long_enough && rsp[3] == 0, "SpdmMessage.Param2 == 0", seen);
}

void CheckErrorNoParam2(CaseRun& run, ByteSpan rsp, uint8_t version, wire::ErrorCode code, int first) {
  CaseRun all(run.id(), "");
  CheckError(all, rsp, version, code, first);
  CaseResult r = all.Take();
  for (std::size_t i = 0; i < 4 && i < r.assertions.size(); ++i) {
    run.Check(r.assertions[i].id, r.assertions[i].passed, r.assertions[i].what, r.assertions[i].detail);
  }
}

void CheckErrorOrDrop(CaseRun& run, ByteSpan rsp, uint8_t version, wire::ErrorCode code, int first) {
  if (!rsp.empty()) return CheckError(run, rsp, version, code, first);
  for (int k = 0; k < 5; ++k) run.Check(AssertionId(run, first + k), true, "ERROR or silent drop", "silently dropped");
}

Result<std::vector<uint8_t>> ListedVersions(Probe& probe) {
  CCGPU_ASSIGN_OR_RETURN(Bytes gv, wire::SerializeGetVersion(wire::GetVersion{}));
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(gv));
  CCGPU_ASSIGN_OR_RETURN(wire::Version v, wire::ParseVersion(rsp, probe.Params({})));
  std::vector<uint8_t> out;
  for (const auto& e : v.entries) {
    const uint8_t b = e.version_byte();
    if (b >= wire::kVersion11 && b <= wire::kVersion13 && std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// The reply of a setup step must be `code`; an ERROR becomes kPeerError
// naming the error.
Status ExpectCode(ByteSpan rsp, wire::Code code, const char* step_error) {
  auto h = wire::PeekHeader(rsp);
  if (h && h->code == static_cast<uint8_t>(code)) return OkStatus();
  if (h && h->code == static_cast<uint8_t>(wire::Code::kError)) return Fail(Errc::kPeerError, step_error);
  return Fail(Errc::kUnexpectedMessage, step_error);
}

}  // namespace

wire::GetCapabilities CapabilitiesRequest(uint8_t version, const VcaOffer& offer) {
  wire::GetCapabilities gc;
  gc.version = version;
  gc.ct_exponent = offer.ct_exponent;
  gc.flags = version >= wire::kVersion12 ? offer.flags : (offer.flags & 0xFFFFu);
  if (version >= wire::kVersion12) {
    gc.data_transfer_size = offer.data_transfer_size;
    gc.max_spdm_msg_size = offer.max_spdm_msg_size != 0 ? offer.max_spdm_msg_size : offer.data_transfer_size;
  }
  return gc;
}

Result<Negotiated> VersionAndCapabilities(Probe& probe, uint8_t version, const VcaOffer& offer) {
  Negotiated n;
  n.version = version;
  probe.set_large_responses(0);
  CCGPU_ASSIGN_OR_RETURN(Bytes gv, wire::SerializeGetVersion(wire::GetVersion{}));
  CCGPU_ASSIGN_OR_RETURN(Bytes ver, probe.Send(gv));
  CCGPU_TRY(ExpectCode(ver, wire::Code::kVersion, "validator: GET_VERSION not answered with VERSION"));
  n.message_a.Append(gv);
  n.message_a.Append(ver);
  const wire::GetCapabilities gc = CapabilitiesRequest(version, offer);
  CCGPU_ASSIGN_OR_RETURN(Bytes gc_bytes, wire::SerializeGetCapabilities(gc));
  CCGPU_ASSIGN_OR_RETURN(Bytes caps_bytes, probe.Send(gc_bytes));
  CCGPU_TRY(ExpectCode(caps_bytes, wire::Code::kCapabilities, "validator: GET_CAPABILITIES not answered with CAPABILITIES"));
  n.np.version = version;
  CCGPU_ASSIGN_OR_RETURN(wire::Capabilities caps, wire::ParseCapabilities(caps_bytes, probe.Params(n.np)));
  n.responder_flags = caps.flags;
  n.responder_ct_exponent = caps.ct_exponent;
  n.np.handshake_in_the_clear = (gc.flags & caps.flags & wire::cap::kHandshakeInTheClear) != 0;
  if (version >= wire::kVersion12 && (gc.flags & caps.flags & wire::cap::kChunk) != 0) {
    probe.set_large_responses(gc.data_transfer_size);
  }
  n.message_a.Append(gc_bytes);
  n.message_a.Append(caps_bytes);
  return n;
}

Result<Negotiated> Vca(Probe& probe, uint8_t version, const VcaOffer& offer) {
  CCGPU_ASSIGN_OR_RETURN(Negotiated n, VersionAndCapabilities(probe, version, offer));
  wire::NegotiatedParams np = n.np;
  wire::NegotiateAlgorithms na;
  na.version = version;
  na.measurement_specification = wire::alg::kMeasSpecDmtf;
  na.other_params_support = version >= wire::kVersion12 ? wire::alg::kOpaqueDataFmt1 : 0;
  na.base_asym_algo = offer.base_asym;
  na.base_hash_algo = offer.base_hash;
  // DSP0274 1.2 §10.5: a requester with KEY_EX_CAP or PSK_CAP lists its
  // DHE, AEAD and key schedule algorithms.
  if ((offer.flags & (wire::cap::kKeyEx | wire::cap::kPskMask)) != 0) {
    na.alg_structs = {{wire::alg::kAlgTypeDhe, offer.dhe, {}},
                      {wire::alg::kAlgTypeAead, offer.aead, {}},
                      {wire::alg::kAlgTypeKeySchedule, wire::alg::kKeyScheduleSpdm, {}}};
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes na_bytes, wire::SerializeNegotiateAlgorithms(na));
  CCGPU_ASSIGN_OR_RETURN(Bytes alg_bytes, probe.Send(na_bytes));
  CCGPU_TRY(ExpectCode(alg_bytes, wire::Code::kAlgorithms, "validator: NEGOTIATE_ALGORITHMS not answered with ALGORITHMS"));
  CCGPU_ASSIGN_OR_RETURN(wire::Algorithms a, wire::ParseAlgorithms(alg_bytes, probe.Params(np)));
  n.message_a.Append(na_bytes);
  n.message_a.Append(alg_bytes);
  n.base_asym = a.base_asym_sel;
  n.base_hash = a.base_hash_sel;
  n.measurement_hash = a.measurement_hash_algo;
  n.measurement_spec = a.measurement_specification_sel;
  n.other_params = a.other_params_selection;
  n.dhe = a.Selected(wire::alg::kAlgTypeDhe);
  n.aead = a.Selected(wire::alg::kAlgTypeAead);
  n.key_schedule = a.Selected(wire::alg::kAlgTypeKeySchedule);
  auto hash = HashFromBit(n.base_hash);
  if (!hash) return Fail(Errc::kUnsupportedAlgorithm, "validator: ALGORITHMS selected no base hash the validator offered");
  n.hash = *hash;
  np.hash_size = wire::HashSize(n.base_hash);
  np.signature_size = wire::SignatureSize(n.base_asym);
  np.dhe_size = n.dhe != 0 ? wire::DheExchangeSize(n.dhe) : 0;
  n.np = np;
  return n;
}

Result<SlotChain> ReadChain(Probe& probe, const Negotiated& n, uint8_t slot, bool with_digests, uint16_t portion) {
  SlotChain out;
  const wire::ParseParams p = probe.Params(n.np);
  if (with_digests) {
    CCGPU_ASSIGN_OR_RETURN(out.digests_request, wire::SerializeGetDigests(wire::GetDigests{n.version}));
    CCGPU_ASSIGN_OR_RETURN(out.digests_response, probe.Send(out.digests_request));
    CCGPU_TRY(ExpectCode(out.digests_response, wire::Code::kDigests, "validator: GET_DIGESTS not answered with DIGESTS"));
  }
  for (int round = 0;; ++round) {
    if (round > 256 || out.chain.size() > 0xFFFF) return Fail(Errc::kResourceExhausted, "validator: certificate chain in too many portions");
    wire::GetCertificate gc;
    gc.version = n.version;
    gc.slot_id = slot;
    gc.offset = static_cast<uint16_t>(out.chain.size());
    gc.length = portion;
    CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeGetCertificate(gc));
    CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(req));
    CCGPU_TRY(ExpectCode(rsp, wire::Code::kCertificate, "validator: GET_CERTIFICATE not answered with CERTIFICATE"));
    CCGPU_ASSIGN_OR_RETURN(wire::Certificate c, wire::ParseCertificate(rsp, p));
    if (c.portion.empty() && c.remainder_length != 0) return Fail(Errc::kMalformed, "validator: empty CERTIFICATE portion with data remaining");
    out.chain.insert(out.chain.end(), c.portion.begin(), c.portion.end());
    const bool last = c.remainder_length == 0;
    out.certificate_messages.push_back(std::move(req));
    out.certificate_messages.push_back(std::move(rsp));
    if (last) break;
  }
  CCGPU_ASSIGN_OR_RETURN(out.chain_hash, crypto::Hash(n.hash, out.chain));
  CCGPU_ASSIGN_OR_RETURN(wire::CertChain cc, wire::ParseCertChain(out.chain, n.np.hash_size));
  CCGPU_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> certs, crypto::Certificate::ParseDerChain(cc.certificates));
  for (const crypto::Certificate& c : certs) out.certificates_der.push_back(c.Der());
  if (!certs.empty()) {
    if (auto key = certs.back().PublicKey(); key) out.leaf_key = std::move(*key);
  }
  return out;
}

Status VerifySpdmSignature(const Negotiated& n, const crypto::EcPublicKey& leaf, session::SigningContext context,
                           ByteSpan transcript_hash, ByteSpan signature) {
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(n.version));
  CCGPU_ASSIGN_OR_RETURN(session::SignatureInput in, session::BuildSignatureInput(v, context, transcript_hash));
  return session::VerifySignature(leaf, n.hash, in, signature);
}

MeasView ViewMeasurements(ByteSpan rsp, uint8_t version, std::size_t signature_size) {
  MeasView v;
  ByteReader r(rsp);
  auto u8 = [&](uint8_t& out) {
    auto b = r.U8();
    if (b) out = *b;
    return b.has_value();
  };
  if (!u8(v.version) || !u8(v.code) || !u8(v.param1) || !u8(v.param2) || !u8(v.number_of_blocks)) return v;
  auto len = r.U24();
  if (!len) return v;
  v.record_length = *len;
  auto record = r.Take(v.record_length);
  if (!record) return v;
  v.record = *record;
  if (!r.Skip(wire::kNonceSize)) return v;
  auto opaque_length = r.U16();
  if (!opaque_length) return v;
  v.opaque_length = *opaque_length;
  if (!r.Skip(v.opaque_length)) return v;
  if (version >= wire::kVersion13 && !r.Skip(wire::kRequesterContextSize)) return v;
  v.signed_end = r.offset();
  auto sig = r.Take(signature_size);
  if (!sig) return v;
  v.signature = *sig;
  v.complete = true;
  return v;
}

RecordWalk WalkRecord(ByteSpan record, unsigned number_of_blocks) {
  RecordWalk w;
  ByteReader r(record);
  for (unsigned i = 0; i < number_of_blocks; ++i) {
    ByteReader probe = r;
    const std::size_t start = probe.offset();
    Block b;
    auto index = probe.U8();
    auto spec = index ? probe.U8() : Result<uint8_t>(Fail(Errc::kTruncated, "validator: block header"));
    auto meas = spec ? probe.Prefixed16() : Result<ByteSpan>(Fail(Errc::kTruncated, "validator: block header"));
    if (!meas) break;
    b.index = *index;
    b.specification = *spec;
    b.measurement = *meas;
    b.whole = record.subspan(start, probe.offset() - start);
    w.blocks.push_back(b);
    r = probe;
  }
  w.length = r.offset();
  return w;
}

Result<Bytes> MeasurementsRequest(uint8_t version, bool sign, uint8_t operation, uint8_t slot) {
  wire::GetMeasurements gm;
  gm.version = version;
  gm.operation = operation;
  if (sign) {
    gm.attributes = wire::meas::kSignatureRequested;
    CCGPU_TRY(crypto::RandomBytes(gm.nonce));
    gm.slot_id_param = slot;
  }
  if (version >= wire::kVersion13) CCGPU_TRY(crypto::RandomBytes(gm.requester_context));
  return wire::SerializeGetMeasurements(gm);
}

bool Env::Listed(uint8_t v) const { return std::find(versions.begin(), versions.end(), v) != versions.end(); }

}  // namespace internal

const std::vector<int>& ImplementedGroups() {
  static const std::vector<int> kGroups = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 19, 20};
  return kGroups;
}

Result<Report> Validate(const ValidatorConfig& config, requester::MessageExchange* exchange) {
  for (int g : config.groups) {
    const auto& all = ImplementedGroups();
    if (std::find(all.begin(), all.end(), g) == all.end()) {
      return Fail(Errc::kInvalidArgument, "validator: no such test group (groups: 1-13, 16, 19, 20)");
    }
  }
  if (config.psk_hint.size() > session::kMaxPskHintSize) {
    return Fail(Errc::kInvalidArgument, "validator: PSKHint longer than 64 bytes");
  }
  internal::Probe probe(exchange, config);
  Report report;
  CCGPU_ASSIGN_OR_RETURN(std::vector<uint8_t> versions, internal::ListedVersions(probe));
  internal::Env env{probe, std::move(versions), report.cases};
  using Fn = void (*)(internal::Env&);
  const std::pair<int, Fn> groups[] = {
      {1, internal::RunVersionGroup},        {2, internal::RunCapabilitiesGroup},
      {3, internal::RunAlgorithmsGroup},     {4, internal::RunDigestsGroup},
      {5, internal::RunCertificateGroup},    {6, internal::RunChallengeAuthGroup},
      {7, internal::RunMeasurementsGroup},   {8, internal::RunKeyExchangeRspGroup},
      {9, internal::RunFinishRspGroup},      {10, internal::RunPskExchangeRspGroup},
      {11, internal::RunPskFinishRspGroup},  {12, internal::RunHeartbeatAckGroup},
      {13, internal::RunKeyUpdateAckGroup},  {16, internal::RunEndSessionAckGroup},
      {19, internal::RunChunkSendAckGroup},  {20, internal::RunChunkResponseGroup}};
  for (const auto& [g, fn] : groups) {
    if (!config.groups.empty() && std::find(config.groups.begin(), config.groups.end(), g) == config.groups.end()) continue;
    fn(env);
    if (g == 7) internal::RunMeasurementsInSessionCases(env);
  }
  return report;
}

}  // namespace ccgpu::spdm::validator
