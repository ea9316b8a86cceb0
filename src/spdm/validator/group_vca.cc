// Groups 1 VERSION, 2 CAPABILITIES, 3 ALGORITHMS (DMTF doc/1-3).
//
// The cases send their requests as raw bytes (built with the wire codecs and
// then, for the invalid ones, patched) and read the responses field by field,
// so that each assertion checks exactly the bytes the responder sent. Audited
// against DMTF's sources (SPDM-Responder-Validator, spdm_responder_test_1/2/3
// at a5f917b/ee8e55f/2ea0e8f): each case sends the request bytes DMTF's sends,
// in the version DMTF picks, and in DMTF's order: one setup, then the invalid
// requests of a case back to back, so that a responder which loses its state
// after an ERROR fails here as it fails there. The 1.3 cases (2.7, 3.8) are
// the 1.2 ones in 1.3 (not in those sources). SPDM 1.0 cases (2.1, 3.1) are
// skipped: ccgpu speaks 1.1-1.3.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator::internal {
namespace groupvca {

constexpr const char* kOnly10 = "SPDM 1.0 only; ccgpu speaks 1.1-1.3";
constexpr const char* kNoCommonVersion = "the responder lists no SPDM version ccgpu speaks (1.1-1.3)";

// Offsets and sizes (DSP0274 1.2 §10.3-§10.5).
constexpr std::size_t kVersionEntriesOffset = 6;  // offset(VERSION, VersionNumberEntry)
constexpr std::size_t kCapabilities11Size = 12;   // sizeof(CAPABILITIES_1.1)
constexpr std::size_t kCapabilities12Size = 20;   // sizeof(CAPABILITIES_1.2/1.3)
constexpr std::size_t kAlgorithmsFixedSize = 36;  // sizeof(ALGORITHMS_1.1+), offset(ExtAsymSel)
constexpr std::size_t kNegotiateFixedSize = 32;   // offset(NEGOTIATE_ALGORITHMS, ExtAsym)
constexpr std::size_t kAlgStructSize = 4;         // AlgType | AlgCount | AlgSupported
constexpr uint8_t kAlgCountFixed2 = 0x20;         // FixedAlgCount = 2, ExtAlgCount = 0

uint8_t CodeByte(wire::Code c) { return static_cast<uint8_t>(c); }

std::string HexValue(uint32_t v) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), kHex[v & 15]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

std::string VersionName(uint8_t v) { return std::to_string(v >> 4) + "." + std::to_string(v & 15); }

// A little-endian field of `width` (1, 2 or 4) bytes at `offset`, or nullopt
// if the message ends before it.
std::optional<uint32_t> FieldAt(ByteSpan msg, std::size_t offset, std::size_t width) {
  if (offset > msg.size()) return std::nullopt;
  ByteReader r(msg.subspan(offset));
  switch (width) {
    case 1:
      if (auto v = r.U8()) return *v;
      break;
    case 2:
      if (auto v = r.U16()) return *v;
      break;
    case 4:
      if (auto v = r.U32()) return *v;
      break;
    default:
      break;
  }
  return std::nullopt;
}

bool AtMostOneBit(uint32_t v) { return (v & (v - 1)) == 0; }
// Exactly one bit, and that bit is in `set` (what the request offered).
bool OneOf(uint32_t v, uint32_t set) { return v != 0 && AtMostOneBit(v) && (v & ~set) == 0; }

// The reply of a setup step must be `code`; an ERROR becomes kPeerError.
Status ExpectReply(ByteSpan rsp, wire::Code code, const char* context) {
  if (rsp.size() >= 4 && rsp[1] == CodeByte(code)) return OkStatus();
  if (rsp.size() >= 4 && rsp[1] == CodeByte(wire::Code::kError)) return Fail(Errc::kPeerError, context);
  return Fail(Errc::kUnexpectedMessage, context);
}

// GET_VERSION; the VERSION response.
Result<Bytes> VersionStep(Probe& probe) {
  CCGPU_ASSIGN_OR_RETURN(Bytes gv, wire::SerializeGetVersion(wire::GetVersion{}));
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(gv));
  CCGPU_TRY(ExpectReply(rsp, wire::Code::kVersion, "validator: GET_VERSION not answered with VERSION"));
  return rsp;
}

// GET_VERSION, then `get_capabilities`; the CAPABILITIES response.
Result<Bytes> CapabilitiesStep(Probe& probe, ByteSpan get_capabilities) {
  CCGPU_TRY(VersionStep(probe));
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(get_capabilities));
  CCGPU_TRY(ExpectReply(rsp, wire::Code::kCapabilities, "validator: GET_CAPABILITIES not answered with CAPABILITIES"));
  return rsp;
}

// GET_VERSION, `get_capabilities`, then `negotiate`; the ALGORITHMS response.
Result<Bytes> AlgorithmsStep(Probe& probe, ByteSpan get_capabilities, ByteSpan negotiate) {
  CCGPU_TRY(CapabilitiesStep(probe, get_capabilities));
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(negotiate));
  CCGPU_TRY(ExpectReply(rsp, wire::Code::kAlgorithms, "validator: NEGOTIATE_ALGORITHMS not answered with ALGORITHMS"));
  return rsp;
}

// The requester flags of DMTF's group 2 cases (2.3-2.7): every capability a
// requester can claim but PSK_CAP (1.2+: and CHUNK_CAP), CTExponent 0.
uint32_t Group2RequesterFlags(uint8_t version) {
  uint32_t f = wire::cap::kCert | wire::cap::kChal | wire::cap::kEncrypt | wire::cap::kMac | wire::cap::kMutAuth |
               wire::cap::kKeyEx | wire::cap::kEncap | wire::cap::kHbeat | wire::cap::kKeyUpd;
  if (version >= wire::kVersion12) f |= wire::cap::kChunk;
  return f;
}

// The requester flags DMTF's group 3 setup sends (its libspdm requester's):
// no MUT_AUTH_CAP, no PSK_CAP.
constexpr uint32_t kGroup3RequesterFlags = wire::cap::kCert | wire::cap::kChal | wire::cap::kEncrypt |
                                           wire::cap::kMac | wire::cap::kKeyEx | wire::cap::kEncap |
                                           wire::cap::kHbeat | wire::cap::kKeyUpd;

// GET_CAPABILITIES as DMTF's group 2 cases send it: CTExponent 0, `flags`,
// 1.2+: DataTransferSize = MaxSPDMmsgSize = the validator's.
wire::GetCapabilities Group2Capabilities(uint8_t version, uint32_t flags) {
  VcaOffer offer;
  offer.flags = flags;
  offer.ct_exponent = 0;
  return internal::CapabilitiesRequest(version, offer);
}

// The version DMTF's cases 2.4 and 2.6 run in: 1.2 if listed, else 1.1
// (0: neither).
uint8_t Group2Version(const Env& env) {
  if (env.Listed(wire::kVersion12)) return wire::kVersion12;
  if (env.Listed(wire::kVersion11)) return wire::kVersion11;
  return 0;
}

// GET_CAPABILITIES in `version` with `flags` and the validator's CTExponent,
// DataTransferSize and MaxSPDMmsgSize (1.2+).
Result<Bytes> SerializedCapabilities(uint8_t version, uint32_t flags) {
  VcaOffer offer;
  offer.flags = flags;
  return wire::SerializeGetCapabilities(internal::CapabilitiesRequest(version, offer));
}

// The GET_CAPABILITIES of DMTF's group 3 setup.
Result<Bytes> Group3CapabilitiesRequest(uint8_t version) {
  return SerializedCapabilities(version, kGroup3RequesterFlags);
}

// Every algorithm SPDM defines in `version` (DMTF's success-case requests).
struct AlgorithmSets {
  uint32_t asym = 0, hash = 0, meas_hash = 0;
  uint16_t dhe = 0, aead = 0;
};

AlgorithmSets AllAlgorithms(uint8_t version) {
  AlgorithmSets s;
  // TPM_ALG_RSASSA/RSAPSS 2048/3072/4096, ECDSA P-256/P-384/P-521.
  s.asym = wire::alg::kRsassa2048 | wire::alg::kRsapss2048 | wire::alg::kRsassa3072 | wire::alg::kRsapss3072 |
           wire::alg::kEcdsaP256 | wire::alg::kRsassa4096 | wire::alg::kRsapss4096 | wire::alg::kEcdsaP384 |
           wire::alg::kEcdsaP521;
  s.hash = wire::alg::kSha256 | wire::alg::kSha384 | wire::alg::kSha512 | wire::alg::kSha3_256 | wire::alg::kSha3_384 |
           wire::alg::kSha3_512;
  s.meas_hash = wire::alg::kMeasRawBitStream | wire::alg::kMeasSha256 | wire::alg::kMeasSha384 |
                wire::alg::kMeasSha512 | wire::alg::kMeasSha3_256 | wire::alg::kMeasSha3_384 | wire::alg::kMeasSha3_512;
  s.dhe = wire::alg::kFfdhe2048 | wire::alg::kFfdhe3072 | wire::alg::kFfdhe4096 | wire::alg::kSecp256r1 |
          wire::alg::kSecp384r1 | wire::alg::kSecp521r1;
  s.aead = wire::alg::kAes128Gcm | wire::alg::kAes256Gcm | wire::alg::kChaCha20Poly1305;
  if (version >= wire::kVersion12) {
    s.asym |= wire::alg::kSm2P256 | wire::alg::kEddsaEd25519 | wire::alg::kEddsaEd448;
    s.hash |= wire::alg::kSm3_256;
    s.meas_hash |= wire::alg::kMeasSm3_256;
    s.dhe |= wire::alg::kSm2P256Dhe;
    s.aead |= wire::alg::kAeadSm4Gcm;
  }
  return s;
}

// NEGOTIATE_ALGORITHMS as DMTF's cases 3.5/3.6/3.8 send it: every defined
// algorithm, four AlgStructs (DHE, AEAD, ReqBaseAsymAlg, KeySchedule).
wire::NegotiateAlgorithms FullNegotiate(uint8_t version) {
  const AlgorithmSets s = AllAlgorithms(version);
  wire::NegotiateAlgorithms na;
  na.version = version;
  na.measurement_specification = wire::alg::kMeasSpecDmtf;
  na.other_params_support = version >= wire::kVersion12 ? wire::alg::kOpaqueDataFmt1 : 0;
  na.base_asym_algo = s.asym;
  na.base_hash_algo = s.hash;
  na.alg_structs = {{wire::alg::kAlgTypeDhe, s.dhe, {}},
                    {wire::alg::kAlgTypeAead, s.aead, {}},
                    {wire::alg::kAlgTypeReqBaseAsym, static_cast<uint16_t>(s.asym), {}},
                    {wire::alg::kAlgTypeKeySchedule, wire::alg::kKeyScheduleSpdm, {}}};
  return na;
}

// Sends `request` as a case step; on a transport failure records the step
// and returns nullopt.
std::optional<Bytes> SendStep(Probe& probe, CaseRun& run, ByteSpan request, const std::string& step) {
  auto rsp = probe.Send(request);
  if (!rsp) {
    run.StepFailed(AssertionId(run, 1), step, rsp.error(), probe.last_response());
    return std::nullopt;
  }
  return std::move(*rsp);
}

// CapabilitiesStep as a case's setup: on failure records it as the case's
// first assertion and returns nullopt.
std::optional<Bytes> CapabilitiesSetup(Probe& probe, CaseRun& run, ByteSpan get_capabilities) {
  auto rsp = CapabilitiesStep(probe, get_capabilities);
  if (!rsp) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION, GET_CAPABILITIES", rsp.error(), probe.last_response());
    return std::nullopt;
  }
  return std::move(*rsp);
}

// The responder's CAPABILITIES flags (0 when the message is too short).
uint32_t ResponderFlags(ByteSpan caps) { return FieldAt(caps, 8, 4).value_or(0); }

// ---------------------------------------------------------------- group 1 ---

// Case 1.1: GET_VERSION (always 0x10) → a valid VERSION.
void Case1_1(Env& env) {
  CaseRun run("1.1", "GET_VERSION (0x10) is answered with a valid VERSION");
  auto gv = wire::SerializeGetVersion(wire::GetVersion{});
  if (!gv) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION", gv.error());
    env.Add(std::move(run));
    return;
  }
  auto rsp = SendStep(env.probe, run, *gv, "GET_VERSION");
  if (!rsp) return env.Add(std::move(run));
  const ByteSpan m = *rsp;
  const std::string seen = "response " + HexPrefix(m, 24);
  // DMTF 1.1.1: a VERSION with no entry at all is already too short.
  if (!run.Check("1.1.1", m.size() > kVersionEntriesOffset,
                 "sizeof(SpdmMessage) > offset(VERSION, VersionNumberEntry)", seen) ||
      !run.Check("1.1.2", m[1] == CodeByte(wire::Code::kVersion), "SpdmMessage.RequestResponseCode == VERSION", seen) ||
      !run.Check("1.1.3", m[0] == wire::kVersion10, "SpdmMessage.SPDMVersion == 0x10", seen)) {
    return env.Add(std::move(run));
  }
  const std::size_t count = m[5];
  const std::size_t room = (m.size() - kVersionEntriesOffset) / 2;
  if (!run.Check("1.1.4", count > 0 && count <= room,
                 "SpdmMessage.VersionNumberEntryCount > 0 && VersionNumberEntryCount <= (sizeof(SpdmMessage) - "
                 "offset(VERSION, VersionNumberEntry)) / sizeof(uint16_t)",
                 "VersionNumberEntryCount " + std::to_string(count) + ", room for " + std::to_string(room))) {
    return env.Add(std::move(run));
  }
  for (std::size_t i = 0; i < count; ++i) {
    const uint32_t entry = FieldAt(m, kVersionEntriesOffset + 2 * i, 2).value_or(0);
    const uint32_t v = entry >> 8;  // MajorVersion << 4 | MinorVersion
    // DMTF's source (a5f917b) lists 1.0-1.2; its 1.3 cases imply 0x13.
    run.Check("1.1.5", v >= wire::kVersion10 && v <= wire::kVersion13,
              "VersionNumberEntry[" + std::to_string(i) + "] (Major << 4 | Minor) is in {0x10, 0x11, 0x12, 0x13}",
              "entry " + HexValue(entry));
  }
  env.Add(std::move(run));
}

// ---------------------------------------------------------------- group 2 ---

// Case 2.2: GET_CAPABILITIES in a version the responder does not list →
// ERROR(VersionMismatch) with SPDMVersion 0x10. As DMTF's: one GET_VERSION,
// then two bare 4-byte GET_CAPABILITIES back to back, in LowestVersion - 1
// and then HighestVersion + 1 of every version the responder lists.
void Case2_2(Env& env) {
  CaseRun run("2.2", "GET_CAPABILITIES in a version the responder does not list: ERROR(VersionMismatch)");
  auto ver = VersionStep(env.probe);
  if (!ver) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION", ver.error(), env.probe.last_response());
    return env.Add(std::move(run));
  }
  auto parsed = wire::ParseVersion(*ver, env.probe.Params({}));
  if (!parsed || parsed->entries.empty()) {
    run.StepFailed(AssertionId(run, 1), "VERSION parse",
                   parsed ? Error{Errc::kMalformed, "validator: VERSION lists no version"} : parsed.error(), *ver);
    return env.Add(std::move(run));
  }
  uint8_t lowest = 0xFF, highest = 0;
  for (const auto& e : parsed->entries) {
    lowest = std::min(lowest, e.version_byte());
    highest = std::max(highest, e.version_byte());
  }
  for (const uint8_t bad : {static_cast<uint8_t>(lowest - 1), static_cast<uint8_t>(highest + 1)}) {
    const Bytes request = {bad, CodeByte(wire::Code::kGetCapabilities), 0, 0};  // header only
    auto rsp = SendStep(env.probe, run, request, "GET_CAPABILITIES (SPDMVersion " + HexValue(bad) + ")");
    if (!rsp) break;
    CheckError(run, *rsp, wire::kVersion10, wire::ErrorCode::kVersionMismatch);
  }
  env.Add(std::move(run));
}

// Cases 2.3 (1.1), 2.5 (1.2), 2.7 (1.3): GET_CAPABILITIES in `version` → a
// valid CAPABILITIES whose flags are consistent (DSP0274 §10.4 Responder flag
// rules). Flag implications are recorded when their premise holds, as DMTF's
// validator records them.
void CapabilitiesSuccess(Env& env, const std::string& id, uint8_t version) {
  CaseRun run(id, "GET_CAPABILITIES " + VersionName(version) + " is answered with a valid CAPABILITIES");
  if (!env.Listed(version)) {
    run.Skip("the responder does not list SPDM " + VersionName(version));
    return env.Add(std::move(run));
  }
  const auto a = [&](int n) { return AssertionId(run, n); };
  auto req = wire::SerializeGetCapabilities(Group2Capabilities(version, Group2RequesterFlags(version)));
  if (!req) {
    run.StepFailed(a(1), "GET_CAPABILITIES", req.error());
    return env.Add(std::move(run));
  }
  auto ver = VersionStep(env.probe);
  if (!ver) {
    run.StepFailed(a(1), "GET_VERSION", ver.error(), env.probe.last_response());
    return env.Add(std::move(run));
  }
  auto rsp = SendStep(env.probe, run, *req, "GET_CAPABILITIES");
  if (!rsp) return env.Add(std::move(run));
  const ByteSpan m = *rsp;
  const std::string seen = "response " + HexPrefix(m, 24);
  const std::size_t min_size = version >= wire::kVersion12 ? kCapabilities12Size : kCapabilities11Size;
  if (!run.Check(a(1), m.size() >= min_size,
                 "sizeof(SpdmMessage) >= sizeof(CAPABILITIES_" +
                     VersionName(version >= wire::kVersion12 ? wire::kVersion12 : version) + ")",
                 seen) ||
      !run.Check(a(2), m[1] == CodeByte(wire::Code::kCapabilities), "SpdmMessage.RequestResponseCode == CAPABILITIES",
                 seen) ||
      !run.Check(a(3), m[0] == version, "SpdmMessage.SPDMVersion == " + HexValue(version), seen)) {
    return env.Add(std::move(run));
  }
  const uint32_t f = ResponderFlags(m);
  const std::string flags = "Flags " + HexValue(f);
  const auto has = [&](uint32_t bit) { return (f & bit) != 0; };
  const uint32_t meas = f & wire::cap::kMeasMask;
  const uint32_t psk = f & wire::cap::kPskMask;
  run.Check(a(4), meas != wire::cap::kMeasMask, "Flags.MEAS_CAP != 3", flags);
  if (has(wire::cap::kEncrypt)) {
    run.Check(a(5), has(wire::cap::kKeyEx) || psk != 0, "if ENCRYPT_CAP, then KEY_EX_CAP || PSK_CAP != 0", flags);
  }
  if (has(wire::cap::kMac)) {
    run.Check(a(6), has(wire::cap::kKeyEx) || psk != 0, "if MAC_CAP, then KEY_EX_CAP || PSK_CAP != 0", flags);
  }
  if (has(wire::cap::kKeyEx)) {
    run.Check(a(7), has(wire::cap::kEncrypt) || has(wire::cap::kMac), "if KEY_EX_CAP, then ENCRYPT_CAP || MAC_CAP",
              flags);
  }
  run.Check(a(8), psk != wire::cap::kPskMask, "Flags.PSK_CAP != 3", flags);
  if (psk != 0) {
    run.Check(a(9), has(wire::cap::kEncrypt) || has(wire::cap::kMac), "if PSK_CAP != 0, then ENCRYPT_CAP || MAC_CAP",
              flags);
  }
  if (has(wire::cap::kMutAuth)) {
    run.Check(a(10), has(wire::cap::kEncap), "if MUT_AUTH_CAP, then ENCAP_CAP", flags);
  }
  if (has(wire::cap::kHandshakeInTheClear)) {
    run.Check(a(11), has(wire::cap::kKeyEx), "if HANDSHAKE_IN_THE_CLEAR_CAP, then KEY_EX_CAP", flags);
  }
  if (has(wire::cap::kPubKeyId)) {
    run.Check(a(12), !has(wire::cap::kCert), "if PUB_KEY_ID_CAP, then CERT_CAP == 0", flags);
  }
  int next = 13;
  if (version >= wire::kVersion12) {
    const uint32_t dts = FieldAt(m, 12, 4).value_or(0);
    const uint32_t max = FieldAt(m, 16, 4).value_or(0);
    run.Check(a(13), dts >= wire::kMinDataTransferSize, "SpdmMessage.DataTransferSize >= MinDataTransferSize (42)",
              "DataTransferSize " + std::to_string(dts));
    run.Check(a(14), max >= dts, "SpdmMessage.MaxSPDMmsgSize >= SpdmMessage.DataTransferSize",
              "MaxSPDMmsgSize " + std::to_string(max) + ", DataTransferSize " + std::to_string(dts));
    next = 15;
  }
  // 2.3.13 / 2.5.15: whatever signs needs a certificate or a provisioned
  // public key.
  if (has(wire::cap::kChal) || has(wire::cap::kKeyEx) || meas == wire::cap::kMeasSig) {
    run.Check(a(next), has(wire::cap::kCert) || has(wire::cap::kPubKeyId),
              "if CHAL_CAP || KEY_EX_CAP || MEAS_CAP == 2, then CERT_CAP || PUB_KEY_ID_CAP", flags);
  }
  env.Add(std::move(run));
}

// Case 2.4: GET_CAPABILITIES with an invalid field → ERROR(InvalidRequest),
// in 1.2 if the responder lists it, else 1.1 (DMTF's choice; 1.3 is not
// tried). As DMTF's: one GET_VERSION, then every invalid request back to
// back, so each ERROR must leave the responder waiting for GET_CAPABILITIES.
void Case2_4(Env& env) {
  CaseRun run("2.4", "GET_CAPABILITIES with an invalid field: ERROR(InvalidRequest)");
  const uint8_t v = Group2Version(env);
  if (v == 0) {
    run.Skip("the responder lists neither SPDM 1.1 nor 1.2");
    return env.Add(std::move(run));
  }
  namespace cap = wire::cap;
  struct Step {
    const char* what;
    uint32_t flags;
    bool applies;
    uint32_t data_transfer_size;  // 0: the validator's
  };
  const uint32_t base = Group2RequesterFlags(wire::kVersion11);  // DMTF sends no CHUNK_CAP here
  const uint32_t max_size = VcaOffer{}.data_transfer_size;      // the request's MaxSPDMmsgSize
  const Step steps[] = {
      // KEY_EX_CAP without ENCRYPT_CAP or MAC_CAP.
      {"KEY_EX_CAP without ENCRYPT_CAP/MAC_CAP", base & ~(cap::kEncrypt | cap::kMac), true, 0},
      // ENCRYPT_CAP and MAC_CAP without KEY_EX_CAP or PSK_CAP.
      {"ENCRYPT_CAP|MAC_CAP without KEY_EX_CAP/PSK_CAP", base & ~cap::kKeyEx, true, 0},
      // MUT_AUTH_CAP without ENCAP_CAP: a rule of 1.1 only (1.2 lets mutual
      // authentication go without encapsulated requests).
      {"MUT_AUTH_CAP without ENCAP_CAP (1.1)", base & ~cap::kEncap, v == wire::kVersion11, 0},
      // DataTransferSize = MinDataTransferSize - 1.
      {"DataTransferSize 41", base, v >= wire::kVersion12, wire::kMinDataTransferSize - 1},
      // DataTransferSize = MaxSPDMmsgSize + 1.
      {"DataTransferSize MaxSPDMmsgSize+1", base, v >= wire::kVersion12, max_size + 1},
  };
  auto ver = VersionStep(env.probe);
  if (!ver) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION", ver.error(), env.probe.last_response());
    return env.Add(std::move(run));
  }
  for (const Step& s : steps) {
    if (!s.applies) continue;
    wire::GetCapabilities gc = Group2Capabilities(v, s.flags);
    if (v >= wire::kVersion12 && s.data_transfer_size != 0) gc.data_transfer_size = s.data_transfer_size;
    auto req = wire::SerializeGetCapabilities(gc);
    if (!req) {
      run.StepFailed(AssertionId(run, 1), s.what, req.error());
      continue;
    }
    auto rsp = SendStep(env.probe, run, *req, std::string("GET_CAPABILITIES, ") + s.what);
    if (!rsp) break;
    CheckError(run, *rsp, v, wire::ErrorCode::kInvalidRequest);
  }
  env.Add(std::move(run));
}

// Case 2.6: a second GET_CAPABILITIES → ERROR(UnexpectedRequest) or a silent
// drop, in 1.2 if listed, else 1.1. One GET_VERSION and GET_CAPABILITIES,
// then back to back: the identical request again (once per step of DMTF's
// loop: DMTF's source builds a changed request but sends the first one), then
// the non-identical ones its documents describe.
void Case2_6(Env& env) {
  CaseRun run("2.6", "a second GET_CAPABILITIES: ERROR(UnexpectedRequest) or silent drop");
  const uint8_t v = Group2Version(env);
  if (v == 0) {
    run.Skip("the responder lists neither SPDM 1.1 nor 1.2");
    return env.Add(std::move(run));
  }
  // DMTF's first request: no CHUNK_CAP.
  const wire::GetCapabilities base = Group2Capabilities(v, Group2RequesterFlags(wire::kVersion11));
  auto first = wire::SerializeGetCapabilities(base);
  if (!first) {
    run.StepFailed(AssertionId(run, 1), "GET_CAPABILITIES", first.error());
    return env.Add(std::move(run));
  }
  std::vector<std::pair<std::string, Bytes>> seconds;
  const int identical = v >= wire::kVersion12 ? 3 : 2;
  for (int i = 0; i < identical; ++i) seconds.emplace_back("identical", *first);
  {
    Bytes b = *first;  // Param2 = 1
    b[3] = 1;
    seconds.emplace_back("Param2 1", std::move(b));
  }
  {
    wire::GetCapabilities m = base;  // CTExponent + 1, Flags - HBEAT_CAP
    m.ct_exponent = static_cast<uint8_t>(m.ct_exponent + 1);
    m.flags &= ~wire::cap::kHbeat;
    if (auto b = wire::SerializeGetCapabilities(m)) seconds.emplace_back("CTExponent+1, no HBEAT_CAP", std::move(*b));
  }
  if (v >= wire::kVersion12) {
    wire::GetCapabilities m = base;  // DataTransferSize + 1, MaxSPDMmsgSize + 1
    m.data_transfer_size += 1;
    m.max_spdm_msg_size += 1;
    if (auto b = wire::SerializeGetCapabilities(m)) seconds.emplace_back("DataTransferSize+1", std::move(*b));
  }
  auto setup = CapabilitiesSetup(env.probe, run, *first);
  if (!setup) return env.Add(std::move(run));
  for (const auto& [what, request] : seconds) {
    auto rsp = SendStep(env.probe, run, request, "second GET_CAPABILITIES, " + what);
    if (!rsp) break;
    CheckErrorOrDrop(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
  }
  env.Add(std::move(run));
}

// ---------------------------------------------------------------- group 3 ---

// NEGOTIATE_ALGORITHMS as DMTF's case 3.2 sends it: the fixed part only
// (Length 32, no AlgStructs), measurement specification DMTF and the 1.0
// BaseAsymAlgo/BaseHashAlgo sets.
Result<Bytes> FixedPartNegotiate(uint8_t version) {
  const AlgorithmSets s = AllAlgorithms(wire::kVersion11);
  wire::NegotiateAlgorithms na;
  na.version = version;
  na.measurement_specification = wire::alg::kMeasSpecDmtf;
  na.base_asym_algo = s.asym;
  na.base_hash_algo = s.hash;
  return wire::SerializeNegotiateAlgorithms(na);
}

// Case 3.2: NEGOTIATE_ALGORITHMS in a version other than the negotiated one
// → ERROR(VersionMismatch) in the negotiated version. As DMTF's: one
// GET_VERSION + GET_CAPABILITIES, then Version - 1 and Version + 1 back to
// back.
void Case3_2(Env& env) {
  CaseRun run("3.2", "NEGOTIATE_ALGORITHMS in a version other than the negotiated one: ERROR(VersionMismatch)");
  const uint8_t v = env.Highest();
  if (v == 0) {
    run.Skip(kNoCommonVersion);
    return env.Add(std::move(run));
  }
  auto caps = Group3CapabilitiesRequest(v);
  auto na = FixedPartNegotiate(v);
  if (!caps || !na) {
    run.StepFailed(AssertionId(run, 1), "building the requests", caps ? na.error() : caps.error());
    return env.Add(std::move(run));
  }
  auto setup = CapabilitiesSetup(env.probe, run, *caps);
  if (!setup) return env.Add(std::move(run));
  for (const uint8_t bad : WrongVersions(v)) {
    auto rsp =
        SendStep(env.probe, run, WithVersion(*na, bad), "NEGOTIATE_ALGORITHMS (SPDMVersion " + HexValue(bad) + ")");
    if (!rsp) break;
    CheckError(run, *rsp, v, wire::ErrorCode::kVersionMismatch);
  }
  env.Add(std::move(run));
}

// Case 3.3: NEGOTIATE_ALGORITHMS right after VERSION (no GET_CAPABILITIES) →
// ERROR(UnexpectedRequest), SPDMVersion 0x10 (nothing negotiated yet). DMTF's
// request carries SPDMVersion 0 (no version is negotiated), so the responder
// must judge the order before the version.
void Case3_3(Env& env) {
  CaseRun run("3.3", "NEGOTIATE_ALGORITHMS before GET_CAPABILITIES: ERROR(UnexpectedRequest)");
  const uint8_t v = env.Highest();
  if (v == 0) {
    run.Skip(kNoCommonVersion);
    return env.Add(std::move(run));
  }
  auto na = wire::SerializeNegotiateAlgorithms(FullNegotiate(v));
  if (!na) {
    run.StepFailed(AssertionId(run, 1), "building NEGOTIATE_ALGORITHMS", na.error());
    return env.Add(std::move(run));
  }
  auto ver = VersionStep(env.probe);
  if (!ver) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION", ver.error(), env.probe.last_response());
    return env.Add(std::move(run));
  }
  auto rsp = SendStep(env.probe, run, WithVersion(*na, 0), "NEGOTIATE_ALGORITHMS (SPDMVersion 0)");
  if (rsp) CheckError(run, *rsp, wire::kVersion10, wire::ErrorCode::kUnexpectedRequest);
  env.Add(std::move(run));
}

// Case 3.4: NEGOTIATE_ALGORITHMS with an invalid field → ERROR(InvalidRequest).
// As DMTF's: one GET_VERSION + GET_CAPABILITIES, then every invalid request
// back to back, each the 48-byte request (four AlgStructs) with one field
// changed and nothing added, except that Length = 48 + 129 comes with as many
// bytes (zeros after the AlgStructs).
void Case3_4(Env& env) {
  CaseRun run("3.4", "NEGOTIATE_ALGORITHMS with an invalid field: ERROR(InvalidRequest)");
  const uint8_t v = env.Highest();
  if (v == 0) {
    run.Skip(kNoCommonVersion);
    return env.Add(std::move(run));
  }
  auto caps = Group3CapabilitiesRequest(v);
  auto base = wire::SerializeNegotiateAlgorithms(FullNegotiate(v));
  if (!caps || !base) {
    run.StepFailed(AssertionId(run, 1), "building the requests", caps ? base.error() : caps.error());
    return env.Add(std::move(run));
  }
  // Offsets in NEGOTIATE_ALGORITHMS (DSP0274 1.2 §10.5): Length at 4,
  // ExtAsymCount at 28, ExtHashCount at 29, AlgStruct i's AlgCount at
  // 33 + 4 i (the table follows the 32-byte fixed part: no ExtAsym/ExtHash).
  constexpr std::size_t kLengthOffset = 4;
  constexpr std::size_t kExtAsymCountOffset = 28;
  constexpr std::size_t kExtHashCountOffset = 29;
  constexpr std::size_t kFirstAlgCount = kNegotiateFixedSize + 1;
  const std::size_t length = base->size();
  const auto set_length = [&](Bytes& b, std::size_t n) {
    b[kLengthOffset] = static_cast<uint8_t>(n & 0xFF);
    b[kLengthOffset + 1] = static_cast<uint8_t>(n >> 8);
  };

  std::vector<std::pair<std::string, Bytes>> steps;
  {
    // Length past the 128-byte maximum (DSP0274 §10.5), the message as long.
    const std::size_t longer = length + wire::kMaxNegotiateAlgorithmsLength + 1;
    Bytes b = *base;
    b.resize(longer, 0);
    set_length(b, longer);
    steps.emplace_back("Length " + std::to_string(longer), std::move(b));
  }
  {
    Bytes b = *base;  // ExtAsymCount = 21, no entries
    b[kExtAsymCountOffset] = 21;
    steps.emplace_back("ExtAsymCount 21", std::move(b));
  }
  {
    Bytes b = *base;  // ExtHashCount = 21, no entries
    b[kExtHashCountOffset] = 21;
    steps.emplace_back("ExtHashCount 21", std::move(b));
  }
  {
    Bytes b = *base;  // FixedAlgCount = 1 in the first AlgStruct
    b[kFirstAlgCount] = 0x10;
    steps.emplace_back("AlgCount_0 0x10", std::move(b));
  }
  {
    Bytes b = *base;  // FixedAlgCount = 3 in the first AlgStruct
    b[kFirstAlgCount] = 0x30;
    steps.emplace_back("AlgCount_0 0x30", std::move(b));
  }
  {
    Bytes b = *base;  // ExtAlgCount = 0xF in every AlgStruct, no AlgExternal
    for (std::size_t i = 0; i < 4; ++i) b[kFirstAlgCount + kAlgStructSize * i] = 0x2F;
    steps.emplace_back("AlgCount_0..3 0x2F", std::move(b));
  }
  auto setup = CapabilitiesSetup(env.probe, run, *caps);
  if (!setup) return env.Add(std::move(run));
  for (const auto& [what, request] : steps) {
    auto rsp = SendStep(env.probe, run, request, "NEGOTIATE_ALGORITHMS, " + what);
    if (!rsp) break;
    CheckError(run, *rsp, v, wire::ErrorCode::kInvalidRequest);
  }
  env.Add(std::move(run));
}

// Cases 3.5 (1.1), 3.6 (1.2), 3.8 (1.3): NEGOTIATE_ALGORITHMS offering every
// defined algorithm → a valid ALGORITHMS whose selections fit the responder's
// CAPABILITIES flags (DSP0274 §10.5).
void AlgorithmsSuccess(Env& env, const std::string& id, uint8_t version) {
  CaseRun run(id, "NEGOTIATE_ALGORITHMS " + VersionName(version) + " is answered with a valid ALGORITHMS");
  if (!env.Listed(version)) {
    run.Skip("the responder does not list SPDM " + VersionName(version));
    return env.Add(std::move(run));
  }
  const auto a = [&](int n) { return AssertionId(run, n); };
  // The requester flags are DMTF's (no MUT_AUTH_CAP, no PSK_CAP), while the
  // assertions judge the selections by the responder's flags alone, as
  // DMTF's do: a responder with MUT_AUTH_CAP must select a ReqBaseAsymAlg
  // even for this requester.
  auto caps_req = Group3CapabilitiesRequest(version);
  auto na = wire::SerializeNegotiateAlgorithms(FullNegotiate(version));
  if (!caps_req || !na) {
    run.StepFailed(a(1), "building the requests", caps_req ? na.error() : caps_req.error());
    return env.Add(std::move(run));
  }
  auto caps = CapabilitiesSetup(env.probe, run, *caps_req);
  if (!caps) return env.Add(std::move(run));
  const uint32_t f = ResponderFlags(*caps);
  auto rsp = SendStep(env.probe, run, *na, "NEGOTIATE_ALGORITHMS");
  if (!rsp) return env.Add(std::move(run));
  const ByteSpan m = *rsp;
  const std::string seen = "response " + HexPrefix(m, 24);
  if (!run.Check(a(1), m.size() >= kAlgorithmsFixedSize,
                 "sizeof(SpdmMessage) >= sizeof(ALGORITHMS_" + VersionName(version) + ")", seen) ||
      !run.Check(a(2), m[1] == CodeByte(wire::Code::kAlgorithms), "SpdmMessage.RequestResponseCode == ALGORITHMS",
                 seen) ||
      !run.Check(a(3), m[0] == version, "SpdmMessage.SPDMVersion == " + HexValue(version), seen)) {
    return env.Add(std::move(run));
  }
  const AlgorithmSets offered = AllAlgorithms(version);
  const uint8_t num_structs = m[2];
  const uint32_t length = FieldAt(m, 4, 2).value_or(0);
  const uint8_t meas_spec = m[6];
  const uint8_t other_params = m[7];
  const uint32_t meas_hash = FieldAt(m, 8, 4).value_or(0);
  const uint32_t base_asym = FieldAt(m, 12, 4).value_or(0);
  const uint32_t base_hash = FieldAt(m, 16, 4).value_or(0);
  const uint8_t ext_asym_count = m[32];
  const uint8_t ext_hash_count = m[33];
  const std::size_t expected_length =
      kAlgorithmsFixedSize + 4u * ext_asym_count + 4u * ext_hash_count + kAlgStructSize * num_structs;
  // DMTF stops the case at the first of 3.x.4-6 that fails.
  if (!run.Check(a(4), length <= m.size() && length == expected_length,
                 "SpdmMessage.Length <= sizeof(SpdmMessage) && Length == offset(ALGORITHMS, ExtAsymSel) + "
                 "4 * ExtAsymSelCount + 4 * ExtHashSelCount + Param1 * sizeof(AlgStruct)",
                 "Length " + std::to_string(length) + ", expected " + std::to_string(expected_length) + ", size " +
                     std::to_string(m.size())) ||
      !run.Check(a(5), ext_asym_count == 0, "SpdmMessage.ExtAsymSelCount == 0", std::to_string(ext_asym_count)) ||
      !run.Check(a(6), ext_hash_count == 0, "SpdmMessage.ExtHashSelCount == 0", std::to_string(ext_hash_count))) {
    return env.Add(std::move(run));
  }

  const uint32_t meas_cap = f & wire::cap::kMeasMask;
  const bool chal = (f & wire::cap::kChal) != 0;
  const bool key_ex = (f & wire::cap::kKeyEx) != 0;
  const bool psk = (f & wire::cap::kPskMask) != 0;
  const bool mut_auth = (f & wire::cap::kMutAuth) != 0;
  const std::string flags = "; responder Flags " + HexValue(f);

  run.Check(a(7), AtMostOneBit(meas_spec) && (meas_spec == wire::alg::kMeasSpecDmtf || meas_spec == 0),
            "MeasurementSpecificationSel has at most one bit, and is DMTF or 0",
            "MeasurementSpecificationSel " + HexValue(meas_spec));
  run.Check(a(8), AtMostOneBit(meas_hash) && (meas_cap != 0 ? OneOf(meas_hash, offered.meas_hash) : meas_hash == 0),
            "MeasurementHashAlgo has at most one bit; one of the offered if MEAS_CAP != 0, else 0",
            "MeasurementHashAlgo " + HexValue(meas_hash) + flags);
  const bool signs = chal || meas_cap == wire::cap::kMeasSig || key_ex;
  run.Check(a(9), AtMostOneBit(base_asym) && (signs ? OneOf(base_asym, offered.asym) : base_asym == 0),
            "BaseAsymSel has at most one bit; one of the offered if CHAL_CAP || MEAS_CAP == 2 || KEY_EX_CAP, else 0",
            "BaseAsymSel " + HexValue(base_asym) + flags);
  const bool hashes = signs || psk;
  run.Check(a(10), AtMostOneBit(base_hash) && (hashes ? OneOf(base_hash, offered.hash) : base_hash == 0),
            "BaseHashSel has at most one bit; one of the offered if CHAL_CAP || MEAS_CAP == 2 || KEY_EX_CAP || "
            "PSK_CAP, else 0",
            "BaseHashSel " + HexValue(base_hash) + flags);

  // The AlgStruct table.
  struct Found {
    bool present = false;
    uint32_t value = 0;
  };
  Found dhe, aead, req_asym, key_schedule;
  std::set<uint8_t> types;
  bool types_ok = num_structs <= 4, counts_ok = true, table_complete = true;
  std::string types_seen, counts_seen;
  std::size_t off = kAlgorithmsFixedSize + 4u * ext_asym_count + 4u * ext_hash_count;
  for (uint8_t i = 0; i < num_structs; ++i) {
    const auto type = FieldAt(m, off, 1);
    const auto count = FieldAt(m, off + 1, 1);
    const auto supported = FieldAt(m, off + 2, 2);
    if (!type || !count || !supported) {
      table_complete = false;
      break;
    }
    types_seen += HexValue(*type) + " ";
    counts_seen += HexValue(*count) + " ";
    const uint8_t t = static_cast<uint8_t>(*type);
    if (t < wire::alg::kAlgTypeDhe || t > wire::alg::kAlgTypeKeySchedule || !types.insert(t).second) {
      types_ok = false;
    }
    if (*count != kAlgCountFixed2) counts_ok = false;
    Found* slot = t == wire::alg::kAlgTypeDhe           ? &dhe
                  : t == wire::alg::kAlgTypeAead        ? &aead
                  : t == wire::alg::kAlgTypeReqBaseAsym ? &req_asym
                  : t == wire::alg::kAlgTypeKeySchedule ? &key_schedule
                                                        : nullptr;
    if (slot != nullptr && !slot->present) *slot = {true, *supported};
    off += kAlgStructSize + 4u * (*count & 0x0Fu);
  }
  run.Check(
      a(11), types_ok && table_complete,
      "SpdmMessage.Param1 <= 4; AlgStructure[i].AlgType in {DHE, AEAD, ReqBaseAsymAlg, KeySchedule}, no duplicate",
      "Param1 " + std::to_string(num_structs) + ", AlgTypes " + types_seen +
          (table_complete ? "" : "(table runs past the message)"));
  run.Check(a(12), counts_ok && table_complete, "AlgStructure[i].AlgCount == 0x20", "AlgCounts " + counts_seen);
  const auto absent_or_zero = [](const Found& x) { return !x.present || x.value == 0; };
  const auto selection = [](const Found& x) { return x.present ? HexValue(x.value) : std::string("absent"); };
  run.Check(a(13), AtMostOneBit(dhe.value) && (key_ex ? OneOf(dhe.value, offered.dhe) : absent_or_zero(dhe)),
            "DHE has at most one bit; one of the offered if KEY_EX_CAP, else 0 or absent",
            "DHE " + selection(dhe) + flags);
  run.Check(a(14), AtMostOneBit(aead.value) && (key_ex || psk ? OneOf(aead.value, offered.aead) : absent_or_zero(aead)),
            "AEAD has at most one bit; one of the offered if KEY_EX_CAP || PSK_CAP, else 0 or absent",
            "AEAD " + selection(aead) + flags);
  run.Check(a(15),
            AtMostOneBit(req_asym.value) && (mut_auth ? OneOf(req_asym.value, offered.asym) : absent_or_zero(req_asym)),
            "ReqBaseAsymAlg has at most one bit; one of the offered if MUT_AUTH_CAP, else 0 or absent",
            "ReqBaseAsymAlg " + selection(req_asym) + flags);
  run.Check(a(16),
            AtMostOneBit(key_schedule.value) &&
                (key_ex || psk ? key_schedule.value == wire::alg::kKeyScheduleSpdm : absent_or_zero(key_schedule)),
            "KeySchedule has at most one bit; SPDM if KEY_EX_CAP || PSK_CAP, else 0 or absent",
            "KeySchedule " + selection(key_schedule) + flags);
  // Recorded, as DMTF records it, only when the responder can open a
  // session. (DMTF's source overwrites the field before reading it, so its
  // 3.6.17 cannot fail; DSP0274 1.2 §10.5 still requires the selection.)
  if (version >= wire::kVersion12 && (key_ex || psk)) {
    const uint32_t fmt = other_params & wire::alg::kOpaqueDataFmtMask;
    run.Check(a(17), fmt == wire::alg::kOpaqueDataFmt1,
              "if KEY_EX_CAP || PSK_CAP, then OtherParamsSelection.OpaqueDataFmt == OpaqueDataFmt1",
              "OtherParamsSelection " + HexValue(other_params) + flags);
  }
  env.Add(std::move(run));
}

// Case 3.7: a second, non-identical NEGOTIATE_ALGORITHMS →
// ERROR(UnexpectedRequest) or a silent drop. As DMTF's: one GET_VERSION,
// GET_CAPABILITIES, NEGOTIATE_ALGORITHMS, then the three second requests
// back to back.
void Case3_7(Env& env) {
  CaseRun run("3.7", "a second, non-identical NEGOTIATE_ALGORITHMS: ERROR(UnexpectedRequest) or silent drop");
  const uint8_t v = env.Highest();
  if (v == 0) {
    run.Skip(kNoCommonVersion);
    return env.Add(std::move(run));
  }
  const wire::NegotiateAlgorithms base = FullNegotiate(v);
  auto caps = Group3CapabilitiesRequest(v);
  auto first = wire::SerializeNegotiateAlgorithms(base);
  if (!caps || !first) {
    run.StepFailed(AssertionId(run, 1), "building the requests", caps ? first.error() : caps.error());
    return env.Add(std::move(run));
  }
  auto setup = AlgorithmsStep(env.probe, *caps, *first);
  if (!setup) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS", setup.error(),
                   env.probe.last_response());
    return env.Add(std::move(run));
  }
  auto sel = wire::ParseAlgorithms(*setup, env.probe.Params({}));
  if (!sel) {
    run.StepFailed(AssertionId(run, 1), "ALGORITHMS parse", sel.error(), *setup);
    return env.Add(std::move(run));
  }
  std::vector<std::pair<std::string, Bytes>> seconds;
  {
    Bytes b = *first;  // Param2 = 1
    b[3] = 1;
    seconds.emplace_back("Param2 1", std::move(b));
  }
  {
    wire::NegotiateAlgorithms m = base;  // BaseAsymAlgo = BaseAsymSel, BaseHashAlgo = BaseHashSel
    m.base_asym_algo = sel->base_asym_sel;
    m.base_hash_algo = sel->base_hash_sel;
    if (auto b = wire::SerializeNegotiateAlgorithms(m)) seconds.emplace_back("BaseAsym/BaseHash = selections", std::move(*b));
  }
  {
    wire::NegotiateAlgorithms m = base;  // DHE, AEAD, ReqBaseAsymAlg = the selections
    for (wire::AlgStruct& s : m.alg_structs) {
      if (s.alg_type != wire::alg::kAlgTypeKeySchedule) s.alg_supported = sel->Selected(s.alg_type);
    }
    if (auto b = wire::SerializeNegotiateAlgorithms(m)) seconds.emplace_back("AlgStructs = selections", std::move(*b));
  }
  for (const auto& [what, request] : seconds) {
    auto rsp = SendStep(env.probe, run, request, "second NEGOTIATE_ALGORITHMS, " + what);
    if (!rsp) break;
    CheckErrorOrDrop(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
  }
  env.Add(std::move(run));
}

}  // namespace groupvca

void RunVersionGroup(Env& env) { groupvca::Case1_1(env); }

void RunCapabilitiesGroup(Env& env) {
  CaseRun c21("2.1", "GET_CAPABILITIES 1.0 is answered with a valid CAPABILITIES");
  c21.Skip(groupvca::kOnly10);
  env.Add(std::move(c21));
  groupvca::Case2_2(env);
  groupvca::CapabilitiesSuccess(env, "2.3", wire::kVersion11);
  groupvca::Case2_4(env);
  groupvca::CapabilitiesSuccess(env, "2.5", wire::kVersion12);
  groupvca::Case2_6(env);
  groupvca::CapabilitiesSuccess(env, "2.7", wire::kVersion13);
}

void RunAlgorithmsGroup(Env& env) {
  CaseRun c31("3.1", "NEGOTIATE_ALGORITHMS 1.0 is answered with a valid ALGORITHMS");
  c31.Skip(groupvca::kOnly10);
  env.Add(std::move(c31));
  groupvca::Case3_2(env);
  groupvca::Case3_3(env);
  groupvca::Case3_4(env);
  groupvca::AlgorithmsSuccess(env, "3.5", wire::kVersion11);
  groupvca::AlgorithmsSuccess(env, "3.6", wire::kVersion12);
  groupvca::Case3_7(env);
  groupvca::AlgorithmsSuccess(env, "3.8", wire::kVersion13);
}

}  // namespace ccgpu::spdm::validator::internal
