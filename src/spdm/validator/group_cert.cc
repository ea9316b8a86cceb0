// Groups 4 DIGESTS, 5 CERTIFICATE, 6 CHALLENGE_AUTH (DMTF doc/4-6).
//
// Numbering follows DMTF's sources (spdm_responder_test_{4,5,6}_*.c, the case
// ids its report prints); where they differ from its documents or between
// revisions:
//   4.3   DMTF's current sources: DIGESTS in SPDM 1.3. Earlier revisions'
//         4.3 (GET_DIGESTS before NEGOTIATE_ALGORITHMS) runs as 4.3u.
//   5.3, 6.5  earlier revisions only (a request before NEGOTIATE_ALGORITHMS);
//         still run.
//   6.11-6.18 the SPDM 1.2+ CHALLENGE cases (doc/6 numbers them 6.7-6.14).
// Two assertions are ccgpu's own: 4.1.6 (Digest[i] == Hash(CertChain of slot
// i), DSP0274 1.2 §10.7; DMTF checks it in 5.1.6) and the whole of 5.5 past
// what DMTF's documents list (its sources do not implement 5.5).
#include <algorithm>
#include <array>
#include <bit>
#include <optional>
#include <string>
#include <variant>
#include <utility>
#include <vector>

#include "crypto/rng.h"
#include "crypto/x509.h"
#include "spdm/responder/algorithm_map.h"
#include "spdm/validator/validator_internal.h"

namespace ccgpu::spdm::validator::internal {

namespace group_cert {

constexpr std::size_t kCertificateHeaderSize = 8;  // header | PortionLength | RemainderLength
constexpr uint16_t kPortion = 0x400;               // DMTF's GET_CERTIFICATE Length (libspdm's block)
constexpr uint16_t kDmtfFallbackBlock = 100;       // DMTF's Length where libspdm defines no block size
constexpr int kMaxSlots = 8;
constexpr std::size_t kCertChainHeaderSize = 4;    // CertChain: Length u16 | Reserved u16

std::string SlotText(uint8_t slot) { return "slot " + std::to_string(slot); }

// The exact bytes of a response (without DOE padding), as transcripts hash
// them; the raw bytes if the response does not parse.
Bytes ExactResponse(ByteSpan raw, const wire::ParseParams& p) {
  auto d = wire::ParseResponse(raw, p);
  if (!d) return Bytes(raw.begin(), raw.end());
  return Bytes(d->bytes.begin(), d->bytes.end());
}

bool SameBytes(ByteSpan a, ByteSpan b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

uint16_t Le16(ByteSpan b, std::size_t at) {
  return static_cast<uint16_t>(b[at] | (static_cast<unsigned>(b[at + 1]) << 8));
}

// GET_DIGESTS / DIGESTS after VCA, parsed.
struct SlotDigests {
  Bytes request, response;             // exact bytes (transcript B)
  uint8_t slot_mask = 0;               // Param2
  std::array<Bytes, kMaxSlots> digest;  // by slot; empty if not provisioned
};

Result<SlotDigests> ReadDigests(Probe& probe, const Negotiated& n) {
  SlotDigests out;
  CCGPU_ASSIGN_OR_RETURN(out.request, wire::SerializeGetDigests(wire::GetDigests{n.version}));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, probe.Send(out.request));
  auto h = wire::PeekHeader(raw);
  if (!h || h->code != static_cast<uint8_t>(wire::Code::kDigests)) {
    return Fail(Errc::kUnexpectedMessage, "validator: GET_DIGESTS not answered with DIGESTS");
  }
  const wire::ParseParams p = probe.Params(n.np);
  CCGPU_ASSIGN_OR_RETURN(wire::Digests d, wire::ParseDigests(raw, p));
  out.slot_mask = d.provisioned_slot_mask;
  std::size_t k = 0;
  for (int slot = 0; slot < kMaxSlots && k < d.digests.size(); ++slot) {
    if ((out.slot_mask & (1u << slot)) == 0) continue;
    out.digest[static_cast<std::size_t>(slot)].assign(d.digests[k].begin(), d.digests[k].end());
    ++k;
  }
  out.response = ExactResponse(raw, p);
  return out;
}


// A case's TestSetup up to ALGORITHMS: the version must be listed and the
// responder must advertise `caps`. nullopt: the case is finished (skipped,
// or its setup failed and was recorded).
std::optional<Negotiated> Start(Env& env, CaseRun& run, uint8_t version, uint32_t caps, const char* caps_text) {
  if (version == 0) {
    run.Skip("the responder lists no SPDM version ccgpu speaks (1.1-1.3)");
    return std::nullopt;
  }
  if (!env.Listed(version)) {
    run.Skip("the responder does not list SPDM " + ByteHex(version));
    return std::nullopt;
  }
  auto n = Vca(env.probe, version);
  if (!n) {
    run.StepFailed(AssertionId(run, 1), "VCA", n.error(), env.probe.last_response());
    return std::nullopt;
  }
  if (!n->Has(caps)) {
    run.Skip(std::string("the responder does not advertise ") + caps_text);
    return std::nullopt;
  }
  return std::move(*n);
}

// N.M (4.3, 5.3, 6.5): `request` (built for `version`) before
// NEGOTIATE_ALGORITHMS must get ERROR(UnexpectedRequest).
void RunBeforeAlgorithmsCase(Env& env, const char* id, const char* title, uint32_t caps, const char* caps_text,
                             Bytes (*make_request)(uint8_t version)) {
  CaseRun run(id, title);
  const uint8_t v = env.Highest();
  if (v == 0) {
    run.Skip("the responder lists no SPDM version ccgpu speaks (1.1-1.3)");
    env.Add(std::move(run));
    return;
  }
  auto half = VersionAndCapabilities(env.probe, v);
  if (!half) {
    run.StepFailed(AssertionId(run, 1), "GET_VERSION, GET_CAPABILITIES", half.error(), env.probe.last_response());
    env.Add(std::move(run));
    return;
  }
  if (!half->Has(caps)) {
    run.Skip(std::string("the responder does not advertise ") + caps_text);
    env.Add(std::move(run));
    return;
  }
  auto rsp = env.probe.Send(make_request(v));
  if (!rsp) {
    run.StepFailed(AssertionId(run, 1), "request before NEGOTIATE_ALGORITHMS", rsp.error());
  } else {
    CheckError(run, *rsp, v, wire::ErrorCode::kUnexpectedRequest);
  }
  env.Add(std::move(run));
}

Bytes GetDigestsBytes(uint8_t version) { return Bytes{version, static_cast<uint8_t>(wire::Code::kGetDigests), 0, 0}; }

Bytes GetCertificateBytes(uint8_t version, uint8_t slot, uint8_t param2, uint16_t offset, uint16_t length) {
  return Bytes{version,
               static_cast<uint8_t>(wire::Code::kGetCertificate),
               slot,
               param2,
               static_cast<uint8_t>(offset & 0xFF),
               static_cast<uint8_t>(offset >> 8),
               static_cast<uint8_t>(length & 0xFF),
               static_cast<uint8_t>(length >> 8)};
}

Bytes GetCertificateSlot0(uint8_t version) { return GetCertificateBytes(version, 0, 0, 0, kPortion); }

// CHALLENGE as DSP0274 lays it out for `version` (1.3 adds RequesterContext),
// with the nonce and context given.
Bytes ChallengeBytes(uint8_t version, uint8_t slot, uint8_t meas_type, const wire::Nonce& nonce,
                     const wire::RequesterContext& context) {
  Bytes b{version, static_cast<uint8_t>(wire::Code::kChallenge), slot, meas_type};
  b.insert(b.end(), nonce.begin(), nonce.end());
  if (version >= wire::kVersion13) b.insert(b.end(), context.begin(), context.end());
  return b;
}

// The CHALLENGE of SPDM 1.1/1.2 (header | Nonce(32), zero Nonce), in any
// version: DMTF's 6.4 and 6.6 send this form even in 1.3.
constexpr std::size_t kChallenge12Size = wire::kHeaderSize + wire::kNonceSize;
Bytes Challenge36(uint8_t version, uint8_t slot, uint8_t meas_type) {
  Bytes b{version, static_cast<uint8_t>(wire::Code::kChallenge), slot, meas_type};
  b.resize(kChallenge12Size, 0);
  return b;
}

Bytes ChallengeSlot0(uint8_t version) { return ChallengeBytes(version, 0, wire::kMeasSummaryHashNone, {}, {}); }

// ---------------------------------------------------------------------------
// A small DER walk for the X.509 fields crypto::Certificate does not expose
// (case 5.5). Definite lengths only, single-byte tags (all X.509 uses).

namespace der {

struct Tlv {
  uint8_t tag = 0;
  ByteSpan value;
  ByteSpan whole;
};

std::optional<Tlv> Read(ByteReader& r) {
  const std::size_t start = r.offset();
  const ByteSpan all = r.rest();
  auto tag = r.U8();
  auto len0 = r.U8();
  if (!tag || !len0) return std::nullopt;
  std::size_t len = *len0;
  if (len >= 0x80) {
    const std::size_t n = len & 0x7F;
    if (n == 0 || n > 3) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) {
      auto b = r.U8();
      if (!b) return std::nullopt;
      len = (len << 8) | *b;
    }
  }
  auto value = r.Take(len);
  if (!value) return std::nullopt;
  return Tlv{*tag, *value, all.first(r.offset() - start)};
}

std::optional<Tlv> ReadOne(ByteSpan b) {
  ByteReader r(b);
  return Read(r);
}

// What 5.5.4 - 5.5.10 look at in a TBSCertificate (RFC 5280 §4.1).
struct TbsFields {
  bool parsed = false;             // Certificate and TBSCertificate are SEQUENCEs
  std::optional<Bytes> version;    // INTEGER inside [0]; nullopt: absent (v1)
  bool serial = false;             // INTEGER, at least one byte
  bool signature = false;          // AlgorithmIdentifier SEQUENCE with an OID
  bool outer_signature = false;    // Certificate.signatureAlgorithm
  bool issuer = false;             // non-empty Name
  bool validity = false;           // SEQUENCE of two Times
  bool subject = false;            // non-empty Name
  bool spki = false;               // SEQUENCE { AlgorithmIdentifier, BIT STRING }
  ByteSpan extensions;             // contents of [3], empty if absent
};

bool IsAlgorithmIdentifier(const Tlv& t) {
  if (t.tag != 0x30) return false;
  auto oid = ReadOne(t.value);
  return oid && oid->tag == 0x06 && !oid->value.empty();
}

TbsFields ParseTbs(ByteSpan cert_der) {
  TbsFields f;
  auto cert = ReadOne(cert_der);
  if (!cert || cert->tag != 0x30) return f;
  ByteReader outer(cert->value);
  auto tbs = Read(outer);
  if (!tbs || tbs->tag != 0x30) return f;
  f.parsed = true;
  if (auto alg = Read(outer)) f.outer_signature = IsAlgorithmIdentifier(*alg);
  ByteReader r(tbs->value);
  auto next = Read(r);
  if (next && next->tag == 0xA0) {
    auto v = ReadOne(next->value);
    if (v && v->tag == 0x02) f.version = Bytes(v->value.begin(), v->value.end());
    next = Read(r);
  }
  if (!next || next->tag != 0x02 || next->value.empty()) return f;
  f.serial = true;
  next = Read(r);
  if (!next || !IsAlgorithmIdentifier(*next)) return f;
  f.signature = true;
  next = Read(r);
  if (!next || next->tag != 0x30 || next->value.empty()) return f;
  f.issuer = true;
  next = Read(r);
  if (!next || next->tag != 0x30) return f;
  {
    ByteReader vr(next->value);
    auto nb = Read(vr);
    auto na = Read(vr);
    const auto is_time = [](const std::optional<Tlv>& t) { return t && (t->tag == 0x17 || t->tag == 0x18); };
    f.validity = is_time(nb) && is_time(na) && vr.empty();
  }
  next = Read(r);
  if (!next || next->tag != 0x30 || next->value.empty()) return f;
  f.subject = true;
  next = Read(r);
  if (!next || next->tag != 0x30) return f;
  {
    ByteReader sr(next->value);
    auto alg = Read(sr);
    auto key = Read(sr);
    f.spki = alg && IsAlgorithmIdentifier(*alg) && key && key->tag == 0x03;
  }
  while (!r.empty()) {
    next = Read(r);
    if (!next) break;
    if (next->tag == 0xA3) f.extensions = next->value;
  }
  return f;
}

// The DER of OBJECT IDENTIFIER 1.3.6.1.4.1.412.274.<arc> (DSP0274 1.2
// "Definition of OIDs": id-DMTF-spdm = 1.3.6.1.4.1.412.274).
Bytes DmtfSpdmOid(uint8_t arc) { return Bytes{0x06, 0x0A, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x83, 0x1C, 0x82, 0x12, arc}; }

constexpr uint8_t kDeviceInfo = 1;        // id-DMTF-device-info
constexpr uint8_t kHardwareIdentity = 2;  // id-DMTF-hardware-identity
constexpr uint8_t kEkuResponderAuth = 3;  // id-DMTF-eku-responder-auth
constexpr uint8_t kEkuRequesterAuth = 4;  // id-DMTF-eku-requester-auth
constexpr uint8_t kMutableCertificate = 5;  // id-DMTF-mutable-certificate

// Where the OID's encoding first occurs in `extensions`, if at all.
std::optional<std::size_t> FindOid(ByteSpan extensions, const Bytes& oid) {
  auto it = std::search(extensions.begin(), extensions.end(), oid.begin(), oid.end());
  if (it == extensions.end()) return std::nullopt;
  return static_cast<std::size_t>(it - extensions.begin());
}

// id-DMTF-device-info is an otherName of SubjectAltName: the OID, then
// [0] EXPLICIT UTF8String "manufacturer:product:serialNumber".
bool DeviceInfoWellFormed(ByteSpan after_oid, std::string* seen) {
  auto explicit0 = ReadOne(after_oid);
  if (!explicit0 || explicit0->tag != 0xA0) return false;
  auto s = ReadOne(explicit0->value);
  if (!s || s->tag != 0x0C) return false;
  *seen = std::string(s->value.begin(), s->value.end());
  const auto colons = std::count(seen->begin(), seen->end(), ':');
  const std::size_t first = seen->find(':');
  const std::size_t last = seen->rfind(':');
  return colons >= 2 && first > 0 && last + 1 < seen->size() && last > first + 1;
}

// BasicConstraints extnValue: SEQUENCE { cA BOOLEAN DEFAULT FALSE, ... }.
std::optional<bool> BasicConstraintsCa(ByteSpan value) {
  auto seq = ReadOne(value);
  if (!seq || seq->tag != 0x30) return std::nullopt;
  if (seq->value.empty()) return false;
  auto first = ReadOne(seq->value);
  if (!first) return std::nullopt;
  if (first->tag != 0x01) return false;
  return first->value.size() == 1 && first->value[0] != 0;
}

}  // namespace der

// ---------------------------------------------------------------------------
// Group 4: DIGESTS

// DSP0274 1.3 Table "KeyUsageMask": KeyExUse, ChallengeUse, MeasurementUse,
// EndpointInfoUse (bits 0-3), StandardsKeyUse (14), VendorKeyUse (15); the
// rest reserved.
constexpr uint16_t kKeyUsageDefined = 0xC00F;
constexpr uint16_t kKeyUsageSpdmUses = 0x000F;
// CertificateInfo.CertModel (bits 2:0): 0 none, 1 DeviceCert, 2 AliasCert,
// 3 GenericCert; 4-7 reserved.
constexpr uint8_t kCertModelMask = 0x07;
constexpr uint8_t kCertModelGeneric = 3;

// 4.3 (DMTF's current sources): DIGESTS in SPDM 1.3, with
// SupportedSlotMask and, on a multi-key connection, the key arrays.
void DigestsSuccess13(Env& env) {
  Probe& probe = env.probe;
  CaseRun run("4.3", "GET_DIGESTS returns valid DIGESTS in SPDM 1.3 (SupportedSlotMask, multi-key arrays)");
  auto n = Start(env, run, wire::kVersion13, wire::cap::kCert, "CERT_CAP");
  if (!n) {
    env.Add(std::move(run));
    return;
  }
  // MultiKeyConnRsp (DSP0274 1.3 §10.5): MULTI_KEY_CAP 01, or 10 with
  // MultiKeyConn selected in ALGORITHMS (the validator does not ask for it).
  const uint32_t mk = n->responder_flags & wire::cap::kMultiKeyMask;
  const bool multi_key = mk == wire::cap::kMultiKeyOnly ||
                         (mk == wire::cap::kMultiKeyNeg && (n->other_params & wire::alg::kMultiKeyConn) != 0);
  auto rsp = probe.Send(GetDigestsBytes(n->version));
  if (!rsp) {
    run.StepFailed(AssertionId(run, 1), "GET_DIGESTS", rsp.error());
    env.Add(std::move(run));
    return;
  }
  const Bytes& r = *rsp;
  const std::string seen = "response " + HexPrefix(r);
  const bool has_header = r.size() >= wire::kHeaderSize;
  run.Check("4.3.1", has_header, "sizeof(SpdmMessage) >= sizeof(DIGESTS)", seen);
  run.Check("4.3.2", has_header && r[1] == static_cast<uint8_t>(wire::Code::kDigests),
            "SpdmMessage.RequestResponseCode == DIGESTS", seen);
  run.Check("4.3.3", has_header && r[0] == n->version, "SpdmMessage.SPDMVersion == " + ByteHex(n->version), seen);
  const uint8_t supported = has_header ? r[2] : 0;
  const uint8_t provisioned = has_header ? r[3] : 0;
  const std::string masks = "SupportedSlotMask " + ByteHex(supported) + ", ProvisionedSlotMask " + ByteHex(provisioned);
  run.Check("4.3.4", (supported & 1u) != 0, "SpdmMessage.Param1.SupportedSlotMask.bit_0 == 1", masks);
  run.Check("4.3.5", has_header && (provisioned & ~supported) == 0,
            "SpdmMessage.Param2.ProvisionedSlotMask is a subset of Param1.SupportedSlotMask", masks);
  const std::size_t count = static_cast<std::size_t>(std::popcount(provisioned));
  const std::size_t h = n->np.hash_size;
  if (!multi_key) {
    run.Check("4.3.6", has_header && r.size() >= wire::kHeaderSize + h * count,
              "sizeof(SpdmMessage) >= sizeof(DIGESTS) + HashSize * SlotCount (not a multi-key connection)",
              std::to_string(r.size()) + " bytes, " + std::to_string(count) + " slots of " + std::to_string(h));
    env.Add(std::move(run));
    return;
  }
  // Digest[n] | KeyPairID[n] (1 byte) | CertificateInfo[n] (1) | KeyUsageMask[n] (2).
  const std::size_t arrays_at = wire::kHeaderSize + h * count;
  const bool sized = has_header && r.size() >= arrays_at + count * 4;
  run.Check("4.3.7", sized,
            "sizeof(SpdmMessage) >= sizeof(DIGESTS) + SlotCount * (HashSize + KeyPairID + CertificateInfo + KeyUsageMask)",
            std::to_string(r.size()) + " bytes, " + std::to_string(count) + " slots of " + std::to_string(h));
  if (!sized) {
    env.Add(std::move(run));
    return;
  }
  const std::size_t info_at = arrays_at + count;
  const std::size_t usage_at = info_at + count;
  for (std::size_t k = 0; k < count; ++k) {
    const uint8_t model = r[info_at + k] & kCertModelMask;
    run.Check("4.3.8", model <= kCertModelGeneric, "CertificateInfo[i].CertModel <= GenericCert (3)",
              "entry " + std::to_string(k) + ": CertModel " + std::to_string(model));
  }
  for (std::size_t k = 0; k < count; ++k) {
    const uint16_t usage = Le16(r, usage_at + 2 * k);
    run.Check("4.3.9", (usage & ~kKeyUsageDefined) == 0, "KeyUsageMask[i] sets no reserved bit",
              "entry " + std::to_string(k) + ": KeyUsageMask " + HexPrefix(ByteSpan(r).subspan(usage_at + 2 * k, 2)));
  }
  if ((provisioned & 1u) != 0) {
    const uint16_t usage = Le16(r, usage_at);
    run.Check("4.3.10", (usage & kKeyUsageSpdmUses) != 0,
              "slot 0 KeyUsageMask has KeyExUse, ChallengeUse, MeasurementUse or EndpointInfoUse",
              "KeyUsageMask " + HexPrefix(ByteSpan(r).subspan(usage_at, 2)));
  }
  env.Add(std::move(run));
}

void DigestsGroup(Env& env) {
  Probe& probe = env.probe;
  const uint8_t v = env.Highest();

  {  // 4.1
    CaseRun run("4.1", "GET_DIGESTS returns valid DIGESTS");
    if (auto n = Start(env, run, v, wire::cap::kCert, "CERT_CAP")) {
      auto req = wire::SerializeGetDigests(wire::GetDigests{n->version});
      auto rsp = req ? probe.Send(*req) : Result<Bytes>(tl::unexpected(req.error()));
      if (!rsp) {
        run.StepFailed(AssertionId(run, 1), "GET_DIGESTS", rsp.error());
      } else {
        const Bytes& r = *rsp;
        const std::string seen = "response " + HexPrefix(r);
        const std::size_t h = n->np.hash_size;
        run.Check("4.1.1", r.size() >= wire::kHeaderSize, "sizeof(SpdmMessage) >= offset(DIGESTS, Digest[0])", seen);
        const bool has_header = r.size() >= wire::kHeaderSize;
        const bool is_digests = has_header && r[1] == static_cast<uint8_t>(wire::Code::kDigests);
        run.Check("4.1.2", is_digests, "SpdmMessage.RequestResponseCode == DIGESTS", seen);
        run.Check("4.1.3", has_header && r[0] == n->version, "SpdmMessage.SPDMVersion == " + ByteHex(n->version), seen);
        const uint8_t mask = has_header ? r[3] : 0;
        run.Check("4.1.4", has_header && (mask & 1u) != 0, "SpdmMessage.Param2.SlotMask.bit_0 == 1",
                  "SlotMask " + ByteHex(mask));
        const std::size_t count = static_cast<std::size_t>(std::popcount(mask));
        run.Check("4.1.5", has_header && r.size() >= wire::kHeaderSize + h * count,
                  "sizeof(SpdmMessage) >= offset(DIGESTS, Digest[0]) + HashSize * SlotCount",
                  std::to_string(r.size()) + " bytes, " + std::to_string(count) + " slots of " + std::to_string(h));
        // 4.1.6 (ccgpu): each Digest is the hash of that slot's chain
        // (DSP0274 1.2 §10.7 DIGESTS: "Digest[n] = Hash(certificate chain in slot n)").
        if (is_digests && r.size() >= wire::kHeaderSize + h * count) {
          std::size_t k = 0;
          for (uint8_t slot : SlotsOf(mask)) {
            const ByteSpan digest = ByteSpan(r).subspan(wire::kHeaderSize + h * k, h);
            ++k;
            auto chain = ReadChain(probe, *n, slot, /*with_digests=*/false);
            if (!chain) {
              run.StepFailed("4.1.6", "GET_CERTIFICATE " + SlotText(slot), chain.error(), probe.last_response());
              continue;
            }
            run.Check("4.1.6", SameBytes(digest, chain->chain_hash), "DIGESTS.Digest[" + std::to_string(slot) +
                      "] == Hash(CertChain of the slot) (ccgpu addition, DSP0274 1.2 §10.7)",
                      SlotText(slot) + ": digest " + HexPrefix(digest) + ", Hash(CertChain) " + HexPrefix(chain->chain_hash));
          }
        }
      }
    }
    env.Add(std::move(run));
  }

  {  // 4.2
    CaseRun run("4.2", "GET_DIGESTS in a version other than the negotiated one: ERROR(VersionMismatch)");
    if (auto n = Start(env, run, v, wire::cap::kCert, "CERT_CAP")) {
      // DMTF's order: NegotiatedVersion - 1, then + 1.
      for (uint8_t bad : WrongVersions(n->version)) {
        auto rsp = probe.Send(GetDigestsBytes(bad));
        if (!rsp) {
          run.StepFailed(AssertionId(run, 1), "GET_DIGESTS version " + ByteHex(bad), rsp.error());
          continue;
        }
        CheckError(run, *rsp, n->version, wire::ErrorCode::kVersionMismatch);
      }
    }
    env.Add(std::move(run));
  }

  DigestsSuccess13(env);

  // Earlier DMTF revisions' 4.3 (DMTF's current sources number their SPDM 1.3
  // DIGESTS case 4.3 instead, above); kept under its own id.
  RunBeforeAlgorithmsCase(env, "4.3u", "GET_DIGESTS before NEGOTIATE_ALGORITHMS: ERROR(UnexpectedRequest)",
                          wire::cap::kCert, "CERT_CAP", &GetDigestsBytes);
}

// ---------------------------------------------------------------------------
// Group 5: CERTIFICATE

// 5.5 for one slot's chain.
void CheckCertificateProfile(CaseRun& run, const Negotiated& n, uint8_t slot, const SlotChain& chain) {
  const std::string where = SlotText(slot);
  auto cc = wire::ParseCertChain(chain.chain, n.np.hash_size);
  auto certs = cc ? crypto::Certificate::ParseDerChain(cc->certificates)
                  : Result<std::vector<crypto::Certificate>>(tl::unexpected(cc.error()));
  if (!certs || certs->empty()) {
    run.StepFailed("5.5.1", "parsing the certificate chain of " + where, certs ? Error{Errc::kMalformed, "empty"} : certs.error());
    return;
  }
  const std::vector<crypto::Certificate>& c = *certs;
  const std::size_t leaf = c.size() - 1;

  // 5.5.1: a self-signed first certificate is the root: RootHash = H(it).
  const bool self_signed = c[0].Subject() == c[0].Issuer();
  if (self_signed) {
    auto h = crypto::Hash(n.hash, c[0].DerView());
    run.Check("5.5.1", h && SameBytes(*h, cc->root_hash),
              "Certificates[0] is self-signed: CertChain.RootHash == Hash(Certificates[0])",
              where + ": RootHash " + HexPrefix(cc->root_hash) + ", Hash(Certificates[0]) " + (h ? HexPrefix(*h) : h.error().ToString()));
  }  // (not self-signed: the assertion does not apply and is not recorded)

  // 5.5.2: each certificate is signed by the one before it (OpenSSL path
  // validation from Certificates[0] as the only anchor; validity periods are
  // not part of this assertion).
  {
    std::vector<crypto::Certificate> path(c.rbegin(), c.rend());
    if (c.size() > 1) path.pop_back();
    crypto::ChainOptions opt;
    opt.check_time = false;
    opt.allow_partial_chain = !self_signed;
    crypto::ChainFailure why;
    const Status st = crypto::VerifyChain(path, std::span<const crypto::Certificate>(c.data(), 1), opt, &why);
    run.Check("5.5.2", st.has_value(), "Each CertChain.Certificates[i] is signed by CertChain.Certificates[i-1]",
              st ? where + ": " + std::to_string(c.size()) + " certificates verify"
                 : where + ": certificate " + std::to_string(leaf - std::min(why.index, leaf)) + " (root first): " + why.reason);
  }

  // 5.5.3: the leaf key is of the negotiated BaseAsymAlgo.
  {
    auto key = c[leaf].PublicKey();
    auto want = CurveFromAsymBit(n.base_asym);
    run.Check("5.5.3", key && want && key->curve() == *want,
              "LeafCertificate key algorithm == negotiated BaseAsymAlgo",
              where + ": BaseAsymSel " + HexPrefix(Bytes{static_cast<uint8_t>(n.base_asym & 0xFF), static_cast<uint8_t>(n.base_asym >> 8)}) +
                  (key ? std::string(key->curve() == crypto::Curve::kP256 ? ", leaf P-256" : ", leaf P-384")
                       : ", leaf key: " + key.error().ToString()));
  }

  const Bytes hw_id = der::DmtfSpdmOid(der::kHardwareIdentity);
  const Bytes device_info = der::DmtfSpdmOid(der::kDeviceInfo);
  const Bytes eku_rsp = der::DmtfSpdmOid(der::kEkuResponderAuth);
  const Bytes eku_req = der::DmtfSpdmOid(der::kEkuRequesterAuth);
  const Bytes mutable_cert = der::DmtfSpdmOid(der::kMutableCertificate);
  const bool alias = n.Has(wire::cap::kAliasCert);

  for (std::size_t i = 0; i < c.size(); ++i) {
    const std::string at = where + " certificate " + std::to_string(i) + (i == leaf ? " (leaf)" : "");
    const der::TbsFields f = der::ParseTbs(c[i].DerView());
    const std::string ver = f.version ? HexPrefix(*f.version) : std::string("absent (v1)");
    run.Check("5.5.4", f.version && f.version->size() == 1 && (*f.version)[0] == 2,
              "CertChain.Certificates[i].Version == 2 (X.509 v3)", at + ": version " + ver);
    run.Check("5.5.5", f.serial && !c[i].SerialNumber().empty(), "CertChain.Certificates[i].SerialNumber is present", at);
    run.Check("5.5.6", f.signature && f.outer_signature, "CertChain.Certificates[i].SignatureAlgorithm is present", at);
    run.Check("5.5.7", f.issuer, "CertChain.Certificates[i].Issuer is present", at + ": " + c[i].Issuer());
    run.Check("5.5.8", f.subject, "CertChain.Certificates[i].SubjectName is present", at + ": " + c[i].Subject());
    run.Check("5.5.9", f.validity, "CertChain.Certificates[i].Validity is present", at);
    run.Check("5.5.10", f.spki, "CertChain.Certificates[i].SubjectPublicKeyInfo is present", at);
    auto ku = c[i].Extension("2.5.29.15");
    run.Check("5.5.11", ku.has_value(), "CertChain.Certificates[i].KeyUsage is present",
              at + (ku ? ": KeyUsage " + HexPrefix(*ku) : std::string(": no KeyUsage extension")));
    if (i == leaf) {
      auto bc = c[i].Extension("2.5.29.19");
      std::optional<bool> ca = bc ? der::BasicConstraintsCa(*bc) : std::optional<bool>(false);
      run.Check("5.5.12", ca.has_value() && !*ca, "if BasicConstraints is present, CA == FALSE in the leaf certificate",
                at + (bc ? ": BasicConstraints " + HexPrefix(*bc) : std::string(": no BasicConstraints")));
    }
    const ByteSpan ext = f.extensions;
    if (auto pos = der::FindOid(ext, device_info)) {
      std::string seen;
      const bool ok = der::DeviceInfoWellFormed(ext.subspan(*pos + device_info.size()), &seen);
      run.Check("5.5.13", ok, "id-DMTF-device-info is UTF8String(manufacturer:product:serialNumber)",
                at + ": \"" + seen + "\"");
    }
    if (der::FindOid(ext, hw_id)) {
      // 1.0/1.1, or 1.2+ without ALIAS_CERT_CAP: in the leaf (device
      // certificate model); 1.2+ with ALIAS_CERT_CAP: in a non-leaf one.
      const bool alias_model = n.version >= wire::kVersion12 && alias;
      run.Check("5.5.14", alias_model ? i != leaf : i == leaf,
                "id-DMTF-hardware-identity is in the leaf (no ALIAS_CERT_CAP) or in a non-leaf certificate (ALIAS_CERT_CAP)",
                at + (alias_model ? ", alias certificate model" : ", device certificate model"));
    }
    if (der::FindOid(ext, eku_rsp)) {
      run.Check("5.5.15", i == leaf, "id-DMTF-eku-responder-auth is only in the leaf certificate", at);
    }
    if (der::FindOid(ext, eku_req)) {
      run.Check("5.5.16", i == leaf, "id-DMTF-eku-requester-auth is only in the leaf certificate", at);
    }
    if (der::FindOid(ext, mutable_cert)) {
      run.Check("5.5.17", n.version >= wire::kVersion12 && alias,
                "id-DMTF-mutable-certificate only in SPDM 1.2+ with ALIAS_CERT_CAP", at);
    }
  }
}

// Case 5.8: with chunking on, GET_CERTIFICATE(Offset 0, Length 0xFFFF)
// returns the whole chain in one CERTIFICATE, fetched by CHUNK_GET when it
// is larger than the validator's DataTransferSize. The validator offers
// CHUNK_CAP with a DataTransferSize of 256 bytes (VCA still fits, a chain
// does not) and a MaxSPDMmsgSize of 64 KiB.
void RunWholeChainCase(Env& env, CaseRun& run, uint8_t version) {
  if (!env.Listed(version)) return run.Skip("the responder does not list SPDM " + ByteHex(version));
  VcaOffer offer;
  offer.flags |= wire::cap::kChunk;
  offer.data_transfer_size = 256;
  offer.max_spdm_msg_size = wire::kDefaultMaxSpdmMsgSize;
  auto n = Vca(env.probe, version, offer);
  if (!n) return run.StepFailed(AssertionId(run, 1), "VCA", n.error(), env.probe.last_response());
  if (!n->Has(wire::cap::kCert)) return run.Skip("the responder does not advertise CERT_CAP");
  if (!n->Has(wire::cap::kChunk)) return run.Skip("the responder does not advertise CHUNK_CAP");
  Probe& probe = env.probe;
  auto digests = ReadDigests(probe, *n);
  if (!digests) return run.StepFailed(AssertionId(run, 1), "GET_DIGESTS", digests.error(), probe.last_response());
  const std::size_t h = wire::HashSize(n->base_hash);
  for (uint8_t slot : SlotsOf(digests->slot_mask)) {
    auto rsp = probe.Send(GetCertificateBytes(n->version, slot, 0, 0, 0xFFFF));
    if (!rsp) {
      run.StepFailed(AssertionId(run, 1), "GET_CERTIFICATE (whole chain) " + SlotText(slot), rsp.error(), probe.last_response());
      continue;
    }
    const Bytes& r = *rsp;
    const std::string seen = SlotText(slot) + ": " + std::to_string(r.size()) + " bytes, " + HexPrefix(r);
    const bool sized = r.size() >= kCertificateHeaderSize + 4 + h;
    run.Check("5.8.1", sized, "sizeof(SpdmMessage) >= sizeof(CERTIFICATE, CertChain)", seen);
    if (!sized) continue;
    run.Check("5.8.2", r[1] == static_cast<uint8_t>(wire::Code::kCertificate), "SpdmMessage.RequestResponseCode == CERTIFICATE", seen);
    run.Check("5.8.3", r[0] == n->version, "SpdmMessage.SPDMVersion == " + ByteHex(n->version), seen);
    run.Check("5.8.4", Le16(r, 6) == 0, "SpdmMessage.RemainderLength == 0 (no partial chain)",
              seen + " RemainderLength " + std::to_string(Le16(r, 6)));
    const ByteSpan chain = ByteSpan(r).subspan(kCertificateHeaderSize);
    const uint16_t portion = Le16(r, 4);
    run.Check("5.8.5", portion == chain.size() && portion == Le16(chain, 0),
              "SpdmMessage.PortionLength == sizeof(the complete CertChain)",
              "PortionLength " + std::to_string(portion) + ", chain " + std::to_string(chain.size()) + " bytes, Length " +
                  std::to_string(Le16(chain, 0)));
    run.Check("5.8.6", Le16(chain, 0) == chain.size(), "CertChain.Length == sizeof(CertChain)", seen);
    auto hash = crypto::Hash(n->hash, chain);
    run.Check("5.8.7", hash && *hash == digests->digest[slot], "Hash(CertChain) == Digests[" + std::to_string(slot) + "]", seen);
  }
}

void CertificateGroup(Env& env) {
  Probe& probe = env.probe;
  const uint8_t v = env.Highest();

  {  // 5.1
    CaseRun run("5.1", "GET_CERTIFICATE returns valid CERTIFICATE for every provisioned slot");
    if (auto n = Start(env, run, v, wire::cap::kCert, "CERT_CAP")) {
      auto digests = ReadDigests(probe, *n);
      if (!digests) {
        run.StepFailed("5.1.1", "GET_DIGESTS", digests.error(), probe.last_response());
      } else {
        // Each slot is read twice: in portions of 0x400 (libspdm's
        // LIBSPDM_MAX_CERT_CHAIN_BLOCK_LEN where it defines it) and of 100
        // bytes (DMTF's fallback where libspdm does not).
        std::vector<std::pair<uint16_t, uint8_t>> reads;  // (Length, slot)
        for (const uint16_t block : {kPortion, kDmtfFallbackBlock}) {
          for (uint8_t slot : SlotsOf(digests->slot_mask)) reads.emplace_back(block, slot);
        }
        for (const auto& [block, slot] : reads) {
          const std::string where = SlotText(slot) + " (Length " + std::to_string(block) + ")";
          Bytes chain;
          uint8_t cert_info = 0;
          bool complete = false;
          for (int round = 0; round < 1024 && chain.size() <= 0xFFFF; ++round) {
            const Bytes req = GetCertificateBytes(n->version, slot, 0, static_cast<uint16_t>(chain.size()), block);
            auto rsp = probe.Send(req);
            if (!rsp) {
              run.StepFailed("5.1.1", "GET_CERTIFICATE " + where, rsp.error());
              break;
            }
            const Bytes& r = *rsp;
            const std::string seen = where + " offset " + std::to_string(chain.size()) + ": response " + HexPrefix(r);
            const bool has_fixed = r.size() >= kCertificateHeaderSize;
            const uint16_t portion = has_fixed ? Le16(r, 4) : 0;
            const uint16_t remainder = has_fixed ? Le16(r, 6) : 0;
            const bool sized = has_fixed && r.size() >= kCertificateHeaderSize + portion;
            run.Check("5.1.1", sized, "sizeof(SpdmMessage) >= sizeof(CERTIFICATE, CertChain)", seen);
            const bool is_cert = has_fixed && r[1] == static_cast<uint8_t>(wire::Code::kCertificate);
            run.Check("5.1.2", is_cert, "SpdmMessage.RequestResponseCode == CERTIFICATE", seen);
            run.Check("5.1.3", has_fixed && r[0] == n->version, "SpdmMessage.SPDMVersion == " + ByteHex(n->version), seen);
            run.Check("5.1.4", portion > 0 && portion <= block,
                      "0 < SpdmMessage.PortionLength <= GET_CERTIFICATE.Length",
                      where + ": PortionLength " + std::to_string(portion));
            if (!sized || !is_cert || portion == 0) break;
            cert_info = r[3];
            chain.insert(chain.end(), r.begin() + kCertificateHeaderSize, r.begin() + kCertificateHeaderSize + portion);
            if (remainder == 0) {
              complete = true;
              break;
            }
          }
          if (!complete) continue;
          const uint16_t length = chain.size() >= 2 ? Le16(chain, 0) : 0;
          // DMTF also requires more than the chain's header and RootHash.
          const std::size_t least = kCertChainHeaderSize + n->np.hash_size;
          run.Check("5.1.5", chain.size() > least && length == chain.size(),
                    "sizeof(CertChain) > sizeof(header) + HashSize and CertChain.Length == sizeof(CertChain)",
                    where + ": Length " + std::to_string(length) + ", " + std::to_string(chain.size()) + " bytes read");
          auto h = crypto::Hash(n->hash, chain);
          const Bytes& d = digests->digest[slot];
          run.Check("5.1.6", h && SameBytes(*h, d), "Hash(CertChain) == Digests[" + std::to_string(slot) + "]",
                    where + ": Hash " + (h ? HexPrefix(*h) : h.error().ToString()) + ", DIGESTS " + HexPrefix(d));
          if (n->version >= wire::kVersion13) {
            run.Check("5.1.7", (cert_info & 0x07) <= 3, "SpdmMessage.Param2.CertInfo <= 3",
                      where + ": Param2 " + ByteHex(cert_info));
          }
        }
      }
    }
    env.Add(std::move(run));
  }

  {  // 5.2
    CaseRun run("5.2", "GET_CERTIFICATE in a version other than the negotiated one: ERROR(VersionMismatch)");
    if (auto n = Start(env, run, v, wire::cap::kCert, "CERT_CAP")) {
      auto digests = ReadDigests(probe, *n);
      if (!digests) {
        run.StepFailed(AssertionId(run, 1), "GET_DIGESTS", digests.error(), probe.last_response());
      } else {
        for (uint8_t bad : WrongVersions(n->version)) {
          auto rsp = probe.Send(GetCertificateBytes(bad, 0, 0, 0, kPortion));
          if (!rsp) {
            run.StepFailed(AssertionId(run, 1), "GET_CERTIFICATE version " + ByteHex(bad), rsp.error());
            continue;
          }
          CheckError(run, *rsp, n->version, wire::ErrorCode::kVersionMismatch);
        }
      }
    }
    env.Add(std::move(run));
  }

  // 5.3
  RunBeforeAlgorithmsCase(env, "5.3", "GET_CERTIFICATE before NEGOTIATE_ALGORITHMS: ERROR(UnexpectedRequest)",
                          wire::cap::kCert, "CERT_CAP", &GetCertificateSlot0);

  {  // 5.4
    CaseRun run("5.4", "GET_CERTIFICATE with an invalid field: ERROR(InvalidRequest)");
    if (auto n = Start(env, run, v, wire::cap::kCert, "CERT_CAP")) {
      auto digests = ReadDigests(probe, *n);
      if (!digests) {
        run.StepFailed(AssertionId(run, 1), "GET_DIGESTS", digests.error(), probe.last_response());
      } else {
        // Unprovisioned slots 0..7, slot IDs 8..15, then Offset 0xFFFF.
        std::vector<Bytes> requests;
        for (int slot = 0; slot < 16; ++slot) {
          if (slot < kMaxSlots && (digests->slot_mask & (1u << slot)) != 0) continue;
          requests.push_back(GetCertificateBytes(n->version, static_cast<uint8_t>(slot), 0, 0, kPortion));
        }
        requests.push_back(GetCertificateBytes(n->version, 0, 0, 0xFFFF, kPortion));
        for (const Bytes& req : requests) {
          auto rsp = probe.Send(req);
          if (!rsp) {
            run.StepFailed(AssertionId(run, 1), "GET_CERTIFICATE " + HexPrefix(req), rsp.error());
            continue;
          }
          CheckError(run, *rsp, n->version, wire::ErrorCode::kInvalidRequest);
        }
      }
    }
    env.Add(std::move(run));
  }

  {  // 5.5
    CaseRun run("5.5", "The certificate chain follows X.509 and the SPDM certificate profile");
    if (auto n = Start(env, run, v, wire::cap::kCert, "CERT_CAP")) {
      auto digests = ReadDigests(probe, *n);
      if (!digests) {
        run.StepFailed("5.5.1", "GET_DIGESTS", digests.error(), probe.last_response());
      } else {
        for (uint8_t slot : SlotsOf(digests->slot_mask)) {
          auto chain = ReadChain(probe, *n, slot, /*with_digests=*/false);
          if (!chain) {
            run.StepFailed("5.5.1", "GET_CERTIFICATE " + SlotText(slot), chain.error(), probe.last_response());
            continue;
          }
          CheckCertificateProfile(run, *n, slot, *chain);
        }
      }
    }
    env.Add(std::move(run));
  }

  {  // 5.6
    CaseRun run("5.6", "GET_CERTIFICATE with SlotSizeRequested returns the slot's chain size (1.3)");
    if (auto n = Start(env, run, wire::kVersion13, wire::cap::kCert, "CERT_CAP")) {
      auto digests = ReadDigests(probe, *n);
      if (!digests) {
        run.StepFailed(AssertionId(run, 1), "GET_DIGESTS", digests.error(), probe.last_response());
      } else {
        for (uint8_t slot : SlotsOf(digests->slot_mask)) {
          auto rsp = probe.Send(GetCertificateBytes(n->version, slot, 0x01, 0xFFFF, 0xAA55));
          if (!rsp) {
            run.StepFailed(AssertionId(run, 1), "GET_CERTIFICATE SlotSizeRequested " + SlotText(slot), rsp.error());
            continue;
          }
          const Bytes& r = *rsp;
          const std::string seen = SlotText(slot) + ": response " + HexPrefix(r);
          run.Check("5.6.1", r.size() == kCertificateHeaderSize, "sizeof(SpdmMessage) == sizeof(CERTIFICATE) (no CertChain)", seen);
          const bool has_fixed = r.size() >= kCertificateHeaderSize;
          run.Check("5.6.2", has_fixed && r[1] == static_cast<uint8_t>(wire::Code::kCertificate),
                    "SpdmMessage.RequestResponseCode == CERTIFICATE", seen);
          run.Check("5.6.3", has_fixed && r[0] == n->version, "SpdmMessage.SPDMVersion == " + ByteHex(n->version), seen);
          run.Check("5.6.4", has_fixed && Le16(r, 6) > 0, "SpdmMessage.RemainderLength > 0", seen);
        }
      }
    }
    env.Add(std::move(run));
  }

  // 5.7 / 5.9 are SPDM 1.4 (large CERTIFICATE fields).
  {
    CaseRun run("5.8", "GET_CERTIFICATE for the whole chain is not answered in part while chunking (1.2+, CHUNK_CAP)");
    RunWholeChainCase(env, run, v >= wire::kVersion12 ? v : wire::kVersion12);
    env.Add(std::move(run));
  }
}

// ---------------------------------------------------------------------------
// Group 6: CHALLENGE_AUTH

// Transcript B variants of DMTF's CHALLENGE cases: B1 GET_DIGESTS and
// GET_CERTIFICATE, B2 nothing, B3 GET_DIGESTS, B4 GET_CERTIFICATE.
enum class MessageB { kB1, kB2, kB3, kB4 };

struct ChallengeCase {
  const char* id;
  const char* title;
  bool a2;  // A2: a CHALLENGE completed after VCA (B and C start over, A is kept)
  MessageB b;
};

// Runs the B variant for `slot` after VCA or a CHALLENGE; returns the bytes
// that join transcript B (exact messages, in order).
Result<Bytes> RunMessageB(Probe& probe, const Negotiated& n, uint8_t slot, MessageB b) {
  const wire::ParseParams p = probe.Params(n.np);
  Bytes out;
  const auto append = [&out](ByteSpan m) { out.insert(out.end(), m.begin(), m.end()); };
  switch (b) {
    case MessageB::kB2:
      return out;
    case MessageB::kB3: {
      CCGPU_ASSIGN_OR_RETURN(SlotDigests d, ReadDigests(probe, n));
      append(d.request);
      append(d.response);
      return out;
    }
    case MessageB::kB1:
    case MessageB::kB4: {
      CCGPU_ASSIGN_OR_RETURN(SlotChain c, ReadChain(probe, n, slot, b == MessageB::kB1));
      if (b == MessageB::kB1) {
        append(c.digests_request);
        append(ExactResponse(c.digests_response, p));
      }
      for (std::size_t i = 0; i < c.certificate_messages.size(); ++i) {
        if (i % 2 == 0) {
          append(c.certificate_messages[i]);
        } else {
          append(ExactResponse(c.certificate_messages[i], p));
        }
      }
      return out;
    }
  }
  return out;
}

std::string MeasText(uint8_t t) {
  switch (t) {
    case wire::kMeasSummaryHashNone: return "NoMeasurement";
    case wire::kMeasSummaryHashTcb: return "TcbMeasurements";
    default: return "AllMeasurements";
  }
}

// What a CHALLENGE needs from the setup for one slot.
struct SlotSetup {
  uint8_t slot = 0;
  Bytes digest;  // DIGESTS Digest[slot]
  SlotChain chain;
};

// Sends CHALLENGE(slot, meas_type) and records N.M.1-7 (.8 for 1.3) on the
// CHALLENGE_AUTH; M1/M2 = Hash(A || `message_b` || C). Returns false if the
// reply was not a CHALLENGE_AUTH at all (the caller stops the case).
bool ChallengeAndCheck(CaseRun& run, Probe& probe, const Negotiated& n, const SlotSetup& s, uint8_t meas_type,
                       ByteSpan message_b) {
  const auto id = [&run](int k) { return AssertionId(run, k); };
  const std::string where = SlotText(s.slot) + ", " + MeasText(meas_type);
  // DMTF sends this CHALLENGE with an all-zero Nonce (1.3: a random
  // RequesterContext).
  const wire::Nonce nonce{};
  wire::RequesterContext context{};
  if (!crypto::RandomBytes(context)) {
    run.StepFailed(id(1), "random RequesterContext", Error{Errc::kCryptoFailure, "validator: RandomBytes"});
    return false;
  }
  const Bytes req = ChallengeBytes(n.version, s.slot, meas_type, nonce, context);
  auto sent = probe.Send(req);
  if (!sent) {
    run.StepFailed(id(1), "CHALLENGE " + where, sent.error());
    return false;
  }
  const Bytes& r = *sent;
  const std::string seen = where + ": response " + HexPrefix(r);
  const std::size_t h = n.np.hash_size;
  const std::size_t sig = n.np.signature_size;
  const std::size_t summary = meas_type != wire::kMeasSummaryHashNone ? h : 0;
  const std::size_t ctx = n.version >= wire::kVersion13 ? wire::kRequesterContextSize : 0;
  const std::size_t opaque_at = wire::kHeaderSize + h + wire::kNonceSize + summary;
  const std::size_t fixed = opaque_at + 2 + ctx + sig;
  const bool has_len = r.size() >= opaque_at + 2;
  const std::size_t opaque_len = has_len ? Le16(r, opaque_at) : 0;
  run.Check(id(1), has_len && r.size() >= fixed + opaque_len,
            "sizeof(SpdmMessage) >= sizeof(CHALLENGE_AUTH) + SpdmMessage.OpaqueDataLength",
            seen + " (" + std::to_string(r.size()) + " bytes, OpaqueDataLength " + std::to_string(opaque_len) + ")");
  const bool has_header = r.size() >= wire::kHeaderSize;
  const bool is_auth = has_header && r[1] == static_cast<uint8_t>(wire::Code::kChallengeAuth);
  run.Check(id(2), is_auth, "SpdmMessage.RequestResponseCode == CHALLENGE_AUTH", seen);
  run.Check(id(3), has_header && r[0] == n.version, "SpdmMessage.SPDMVersion == " + ByteHex(n.version), seen);
  run.Check(id(4), has_header && (r[2] & 0x0F) == s.slot, "(SpdmMessage.Param1.SlotID & 0xF) == SlotID",
            where + ": Param1 " + ByteHex(has_header ? r[2] : 0));
  run.Check(id(5), has_header && (r[3] & (1u << s.slot)) != 0, "(SpdmMessage.Param2.SlotMask & bit[SlotID]) != 0",
            where + ": SlotMask " + ByteHex(has_header ? r[3] : 0));
  if (!is_auth) return false;

  wire::ParseParams p = probe.Params(n.np);
  p.measurement_summary_hash = meas_type != wire::kMeasSummaryHashNone;
  auto d = wire::ParseResponse(r, p);
  const wire::ChallengeAuth* a = d ? std::get_if<wire::ChallengeAuth>(&d->message) : nullptr;
  if (a == nullptr) {
    const std::string why = d ? std::string("not a CHALLENGE_AUTH") : d.error().ToString();
    run.Check(id(6), false, "SpdmMessage.CertChainHash == Hash(CertChain) == Digests[SlotID]", where + ": " + why);
    run.Check(id(7), false, "SPDMsignatureVerify(PubKey, Signature, M1/M2)", where + ": " + why);
    return true;
  }
  run.Check(id(6), SameBytes(a->cert_chain_hash, s.chain.chain_hash) && SameBytes(a->cert_chain_hash, s.digest),
            "SpdmMessage.CertChainHash == Hash(CertChain) == Digests[SlotID]",
            where + ": CertChainHash " + HexPrefix(a->cert_chain_hash) + ", Hash(CertChain) " +
                HexPrefix(s.chain.chain_hash) + ", Digest " + HexPrefix(s.digest));

  // M1/M2 = Hash(A || B || C), C = CHALLENGE || CHALLENGE_AUTH without its
  // Signature (DSP0274 1.2 §10.9 / 1.1 §10.9).
  Status verified = [&]() -> Status {
    if (!s.chain.leaf_key) return Fail(Errc::kUnsupportedAlgorithm, "validator: leaf key is not P-256/P-384");
    const std::size_t signed_len = d->bytes.size() - a->signature.size();
    CCGPU_ASSIGN_OR_RETURN(auto m, session::ChallengeTranscript::Create(n.hash, n.message_a.bytes()));
    CCGPU_TRY(m.AppendB(message_b));
    CCGPU_TRY(m.AppendC(req, d->bytes.first(signed_len)));
    CCGPU_ASSIGN_OR_RETURN(Bytes digest, m.Digest());
    return VerifySpdmSignature(n, *s.chain.leaf_key, session::SigningContext::kResponderChallengeAuth, digest,
                               a->signature);
  }();
  run.Check(id(7), verified.has_value(),
            "SPDMsignatureVerify(PubKey, SpdmMessage.Signature, M1/M2) version " + ByteHex(n.version) + " success",
            where + ", " + std::to_string(message_b.size()) + " bytes of B" +
                (verified ? std::string() : ": " + verified.error().ToString()));
  if (n.version >= wire::kVersion13) {
    run.Check(id(8), a->requester_context == context, "SpdmMessage.RequesterContext == RandomBytes (1.3)",
              where + ": " + HexPrefix(a->requester_context) + " for " + HexPrefix(context));
  }
  return true;
}

void RunChallengeCase(Env& env, const ChallengeCase& cc, uint8_t version) {
  Probe& probe = env.probe;
  CaseRun run(cc.id, cc.title);
  auto n0 = Start(env, run, version, wire::cap::kCert | wire::cap::kChal, "CERT_CAP and CHAL_CAP");
  if (!n0) {
    env.Add(std::move(run));
    return;
  }
  // TestSetup: DIGESTS and every provisioned slot's chain.
  auto digests = ReadDigests(probe, *n0);
  if (!digests) {
    run.StepFailed(AssertionId(run, 1), "GET_DIGESTS", digests.error(), probe.last_response());
    env.Add(std::move(run));
    return;
  }
  std::vector<SlotSetup> slots;
  for (uint8_t slot : SlotsOf(digests->slot_mask)) {
    auto chain = ReadChain(probe, *n0, slot, /*with_digests=*/false);
    if (!chain) {
      run.StepFailed(AssertionId(run, 1), "GET_CERTIFICATE " + SlotText(slot), chain.error(), probe.last_response());
      env.Add(std::move(run));
      return;
    }
    slots.push_back(SlotSetup{slot, digests->digest[slot], std::move(*chain)});
  }
  std::vector<uint8_t> meas_types = {wire::kMeasSummaryHashNone};
  if ((n0->responder_flags & wire::cap::kMeasMask) != 0) {
    meas_types.push_back(wire::kMeasSummaryHashTcb);
    meas_types.push_back(wire::kMeasSummaryHashAll);
  }

  // DMTF's order: for each provisioned slot and each MeasurementSummaryHashType,
  // a fresh VCA; A2: a CHALLENGE of the same slot and type (which completes
  // M1/M2, so B and C start over while A is kept); then B's messages, then
  // the CHALLENGE whose CHALLENGE_AUTH is checked.
  for (const SlotSetup& s : slots) {
    bool stop = false;
    for (uint8_t t : meas_types) {
      auto n = Vca(probe, version);
      if (!n) {
        run.StepFailed(AssertionId(run, 1), "VCA", n.error(), probe.last_response());
        stop = true;
        break;
      }
      if (cc.a2) {
        Status first = [&]() -> Status {
          wire::Nonce nonce{};
          wire::RequesterContext context{};
          CCGPU_TRY(crypto::RandomBytes(nonce));
          CCGPU_TRY(crypto::RandomBytes(context));
          CCGPU_ASSIGN_OR_RETURN(Bytes rsp, probe.Send(ChallengeBytes(n->version, s.slot, t, nonce, context)));
          auto h = wire::PeekHeader(rsp);
          if (!h || h->code != static_cast<uint8_t>(wire::Code::kChallengeAuth)) {
            return Fail(Errc::kUnexpectedMessage, "validator: the first CHALLENGE not answered with CHALLENGE_AUTH");
          }
          return OkStatus();
        }();
        if (!first) {
          run.StepFailed(AssertionId(run, 1), "first CHALLENGE " + SlotText(s.slot) + ", " + MeasText(t),
                         first.error(), probe.last_response());
          stop = true;
          break;
        }
      }
      auto b = RunMessageB(probe, *n, s.slot, cc.b);
      if (!b) {
        run.StepFailed(AssertionId(run, 1), "GET_DIGESTS/GET_CERTIFICATE before CHALLENGE, " + SlotText(s.slot),
                       b.error(), probe.last_response());
        stop = true;
        break;
      }
      if (!ChallengeAndCheck(run, probe, *n, s, t, *b)) {
        stop = true;
        break;
      }
    }
    if (stop) break;
  }
  env.Add(std::move(run));
}

void ChallengeAuthGroup(Env& env) {
  Probe& probe = env.probe;
  const uint8_t v = env.Highest();

  // 6.1-6.3: SPDM 1.0/1.1 (ccgpu speaks 1.1), A1.
  static const ChallengeCase kCases11[] = {
      {"6.1", "CHALLENGE_AUTH in SPDM 1.1 after VCA, GET_DIGESTS, GET_CERTIFICATE (A1, B1, C1)", false, MessageB::kB1},
      {"6.2", "CHALLENGE_AUTH in SPDM 1.1 right after VCA (A1, B2, C1)", false, MessageB::kB2},
      {"6.3", "CHALLENGE_AUTH in SPDM 1.1 after VCA, GET_DIGESTS (A1, B3, C1)", false, MessageB::kB3},
  };
  for (const ChallengeCase& c : kCases11) RunChallengeCase(env, c, wire::kVersion11);

  {  // 6.4
    CaseRun run("6.4", "CHALLENGE in a version other than the negotiated one: ERROR(VersionMismatch)");
    if (auto n = Start(env, run, v, wire::cap::kCert | wire::cap::kChal, "CERT_CAP and CHAL_CAP")) {
      // TestSetup as DMTF's: GET_DIGESTS and every provisioned slot's chain.
      Status setup = [&]() -> Status {
        CCGPU_ASSIGN_OR_RETURN(SlotDigests d, ReadDigests(probe, *n));
        for (uint8_t slot : SlotsOf(d.slot_mask)) CCGPU_TRY(ReadChain(probe, *n, slot, false));
        return OkStatus();
      }();
      if (!setup) {
        run.StepFailed(AssertionId(run, 1), "GET_DIGESTS, GET_CERTIFICATE", setup.error(), probe.last_response());
      } else {
        // DMTF sends slot 0, NoMeasurement, a 36-byte CHALLENGE (no
        // RequesterContext) in NegotiatedVersion - 1, then + 1.
        for (uint8_t bad : WrongVersions(n->version)) {
          auto rsp = probe.Send(Challenge36(bad, 0, wire::kMeasSummaryHashNone));
          if (!rsp) {
            run.StepFailed(AssertionId(run, 1), "CHALLENGE version " + ByteHex(bad), rsp.error());
            continue;
          }
          CheckError(run, *rsp, n->version, wire::ErrorCode::kVersionMismatch);
        }
      }
    }
    env.Add(std::move(run));
  }

  // 6.5
  RunBeforeAlgorithmsCase(env, "6.5", "CHALLENGE before NEGOTIATE_ALGORITHMS: ERROR(UnexpectedRequest)",
                          wire::cap::kCert | wire::cap::kChal, "CERT_CAP and CHAL_CAP", &ChallengeSlot0);

  {  // 6.6
    CaseRun run("6.6", "CHALLENGE with an invalid field: ERROR(InvalidRequest)");
    if (auto n = Start(env, run, v, wire::cap::kCert | wire::cap::kChal, "CERT_CAP and CHAL_CAP")) {
      auto digests = ReadDigests(probe, *n);
      if (!digests) {
        run.StepFailed(AssertionId(run, 1), "GET_DIGESTS", digests.error(), probe.last_response());
      } else {
        std::vector<Bytes> requests;
        // Unprovisioned slots 0..7, slot IDs 8..15 and 0xFF (0xFF names the
        // provisioned public key: valid with PUB_KEY_ID_CAP, so left out then).
        for (int slot = 0; slot <= 0xFF; ++slot) {
          if (slot >= 16 && slot != 0xFF) continue;
          if (slot < kMaxSlots && (digests->slot_mask & (1u << slot)) != 0) continue;
          if (slot == 0xFF && n->Has(wire::cap::kPubKeyId)) continue;
          requests.push_back(ChallengeBytes(n->version, static_cast<uint8_t>(slot), wire::kMeasSummaryHashNone, {}, {}));
        }
        // Reserved MeasurementSummaryHashType values next to the defined ones.
        requests.push_back(ChallengeBytes(n->version, 0, wire::kMeasSummaryHashTcb + 1, {}, {}));
        requests.push_back(ChallengeBytes(n->version, 0, wire::kMeasSummaryHashAll - 1, {}, {}));
        // 1.3: DMTF sends each of these as the 36-byte CHALLENGE of 1.2 (no
        // RequesterContext); send that form too, which must also be refused.
        if (n->version >= wire::kVersion13) {
          const std::size_t well_formed = requests.size();
          for (std::size_t i = 0; i < well_formed; ++i) {
            requests.push_back(Bytes(requests[i].begin(), requests[i].begin() + kChallenge12Size));
          }
        }
        for (const Bytes& req : requests) {
          auto rsp = probe.Send(req);
          if (!rsp) {
            run.StepFailed(AssertionId(run, 1), "CHALLENGE " + HexPrefix(req, 4), rsp.error());
            continue;
          }
          CheckError(run, *rsp, n->version, wire::ErrorCode::kInvalidRequest);
        }
      }
    }
    env.Add(std::move(run));
  }

  // 6.11-6.18 (DMTF's case ids; its doc/6 numbers them 6.7-6.14): SPDM 1.2/1.3,
  // at the highest of them the responder lists.
  static const ChallengeCase kCases12[] = {
      {"6.11", "CHALLENGE_AUTH in SPDM 1.2+ after VCA, GET_DIGESTS, GET_CERTIFICATE (A1, B1, C1) [DMTF doc 6.7]", false,
       MessageB::kB1},
      {"6.12", "CHALLENGE_AUTH in SPDM 1.2+ right after VCA (A1, B2, C1) [DMTF doc 6.8]", false, MessageB::kB2},
      {"6.13", "CHALLENGE_AUTH in SPDM 1.2+ after VCA, GET_DIGESTS (A1, B3, C1) [DMTF doc 6.9]", false, MessageB::kB3},
      {"6.14", "CHALLENGE_AUTH in SPDM 1.2+ after VCA, GET_CERTIFICATE (A1, B4, C1) [DMTF doc 6.10]", false, MessageB::kB4},
      {"6.15", "CHALLENGE_AUTH in SPDM 1.2+ after a CHALLENGE, GET_DIGESTS, GET_CERTIFICATE (A2, B1, C1) [DMTF doc 6.11]",
       true, MessageB::kB1},
      {"6.16", "CHALLENGE_AUTH in SPDM 1.2+ right after a CHALLENGE (A2, B2, C1) [DMTF doc 6.12]", true, MessageB::kB2},
      {"6.17", "CHALLENGE_AUTH in SPDM 1.2+ after a CHALLENGE, GET_DIGESTS (A2, B3, C1) [DMTF doc 6.13]", true, MessageB::kB3},
      {"6.18", "CHALLENGE_AUTH in SPDM 1.2+ after a CHALLENGE, GET_CERTIFICATE (A2, B4, C1) [DMTF doc 6.14]", true, MessageB::kB4},
  };
  const uint8_t v12 = env.Listed(wire::kVersion13) ? wire::kVersion13 : wire::kVersion12;
  for (const ChallengeCase& c : kCases12) RunChallengeCase(env, c, v12);
}

}  // namespace group_cert

void RunDigestsGroup(Env& env) { group_cert::DigestsGroup(env); }
void RunCertificateGroup(Env& env) { group_cert::CertificateGroup(env); }
void RunChallengeAuthGroup(Env& env) { group_cert::ChallengeAuthGroup(env); }

}  // namespace ccgpu::spdm::validator::internal
