#include "attest/verifier.h"

#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attest/claims.h"
#include "attest/policy.h"
#include "attest/roots.h"
#include "attest/test_data.h"
#include "base/encoding.h"
#include "crypto/x509.h"

namespace ccgpu::attest {
namespace {

using nlohmann::json;

TimePoint At(const char* t) { return ParseRfc3339(t).value(); }

Bytes HexFile(const std::string& rel) {
  return HexDecode(TrimAsciiWhitespace(testing::ReadNvidia(rel))).value();
}

std::vector<crypto::Certificate> DeviceRoots() {
  return {crypto::Certificate::FromPem(NvidiaDeviceRootPem()).value()};
}

const std::string kV213Nonce = "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e";
const std::string k931Nonce = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

DeviceInput V213Input() {
  return DeviceInput{.arch = std::nullopt,
                     .evidence = HexFile(kV213Samples + "attestationReport.txt"),
                     .cert_chain_pem = testing::ReadNvidia(kV213Samples + "gpuAkCertChain.txt"),
                     .driver_version = std::nullopt,
                     .vbios_version = std::nullopt};
}

DeviceInput Input(const std::string& report, const std::string& chain) {
  return DeviceInput{.arch = std::nullopt,
                     .evidence = HexFile(report),
                     .cert_chain_pem = testing::ReadNvidia(chain),
                     .driver_version = std::nullopt,
                     .vbios_version = std::nullopt};
}

const StepRecord* FindStep(const DeviceReport& d, Step s) {
  for (const auto& r : d.steps) {
    if (r.step == s) return &r;
  }
  return nullptr;
}

// A RIM source that returns golden values equal to (or altered from) a
// given evidence's runtime measurements, marked as fully verified. Only for
// testing the steps after the RIMs (claims shape, policy).
class MirrorRimSource : public RimSource {
 public:
  MirrorRimSource(const Evidence& ev, std::vector<uint32_t> driver_idx, std::vector<uint32_t> vbios_idx)
      : ev_(ev), driver_(std::move(driver_idx)), vbios_(std::move(vbios_idx)) {}
  std::optional<uint32_t> corrupt;
  RimOutcome Load(RimRole role, const std::string& rim_id, TimePoint) override {
    RimOutcome o;
    o.role = role;
    o.rim_id = rim_id;
    o.fetched = o.schema_validated = o.signature_verified = true;
    o.chain.status = CertStatus::kValid;
    o.chain.expiration = At("2026-01-01T00:00:00Z");
    o.manufacturer_id = "5703";
    o.version = role == RimRole::kDriver ? ev_.response.opaque.driver_version.value_or("")
                                         : ev_.response.opaque.vbios_version.value_or("");
    o.golden.role = role;
    for (uint32_t i : role == RimRole::kDriver ? driver_ : vbios_) {
      GoldenMeasurement g;
      g.index = i;
      g.active = true;
      g.size = 48;
      Bytes v = ev_.response.Block(static_cast<uint8_t>(i + 1))->value;
      if (corrupt && *corrupt == i) v[0] ^= 1;
      g.alternatives.push_back(v);
      o.golden.measurements.push_back(g);
    }
    return o;
  }

 private:
  const Evidence& ev_;
  std::vector<uint32_t> driver_, vbios_;
};

std::vector<uint32_t> Range(uint32_t a, uint32_t b) {
  std::vector<uint32_t> v;
  for (uint32_t i = a; i <= b; ++i) v.push_back(i);
  return v;
}

TEST(VerifierTest, V213ReportPassesNonceChainAndSignature) {
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  const Bytes nonce = HexDecode(kV213Nonce).value();
  DeviceReport d = VerifyDevice(cfg, V213Input(), nonce, At("2024-06-01T00:00:00Z"), 0);
  EXPECT_FALSE(d.input_unusable);
  EXPECT_EQ(d.arch, Arch::kHopper);
  EXPECT_TRUE(d.parsed);
  EXPECT_TRUE(d.nonce_match);
  EXPECT_EQ(d.device_chain.status, CertStatus::kValid) << d.device_chain.why;
  EXPECT_EQ(d.device_chain.ocsp, OcspStatus::kUnknown);  // OCSP off: never "good"
  EXPECT_TRUE(d.signature_verified);
  EXPECT_EQ(d.hwmodel, "GH100 A01 GSP BROM");
  // No RIM source: stops at the driver RIM.
  ASSERT_TRUE(d.failed_step.has_value());
  EXPECT_EQ(*d.failed_step, Step::kDriverRim);
  EXPECT_NE(d.why.find("NV_GPU_DRIVER_GH100_545.00"), std::string::npos) << d.why;
  EXPECT_EQ(d.signatures_checked, 5);  // 4 chain links + the report
  ASSERT_NE(FindStep(d, Step::kSignature), nullptr);
  EXPECT_TRUE(FindStep(d, Step::kSignature)->passed);
  EXPECT_EQ(FindStep(d, Step::kMeasurements), nullptr);  // not run
}

TEST(VerifierTest, NvtrustHopperReportFwidMatchesLeafExtension) {
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  DeviceReport d = VerifyDevice(cfg, Input(kNvtrustSamples + "hopperAttestationReport.txt",
                                           kNvtrustSamples + "hopperCertChain.txt"),
                                HexDecode(k931Nonce).value(), At("2026-11-25T00:00:00Z"), 0);
  EXPECT_TRUE(d.signature_verified);
  EXPECT_TRUE(d.fwid_match);
  EXPECT_EQ(d.ueid, "478176379286082186618948445787393647364802107249");
  EXPECT_EQ(*d.failed_step, Step::kDriverRim);
}

TEST(VerifierTest, SwitchReportPassesChainAndSignature) {
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  DeviceReport d = VerifyDevice(cfg, Input(kSdk + "switchAttestationReport.txt", kSdk + "switchCertChain.txt"),
                                HexDecode(k931Nonce).value(), At("2026-11-25T00:00:00Z"), 0);
  EXPECT_EQ(d.arch, Arch::kLs10);
  EXPECT_EQ(d.kind, DeviceKind::kSwitch);
  EXPECT_TRUE(d.signature_verified);
  EXPECT_TRUE(d.fwid_match);
  EXPECT_EQ(d.hwmodel, "LS_10 A01 FSP BROM");
  EXPECT_EQ(d.ueid, "694931143880983876767046803400974855445978836716");
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kVbiosRim);
  EXPECT_NE(d.why.find("NV_SWITCH_BIOS_5612_0002_890_9610550001"), std::string::npos) << d.why;
}

TEST(VerifierTest, InvalidSignatureSamplesFailAtSignature) {
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  const std::string gpu = kSdk + "sample_attestation_data/gpu/";
  const std::string sw = kSdk + "sample_attestation_data/switch/";
  DeviceReport g = VerifyDevice(cfg, Input(gpu + "hopperAttestationReportInvalidSignature.txt",
                                           gpu + "hopperCertChainExpired.txt"),
                                HexDecode(k931Nonce).value(), At("2026-11-25T00:00:00Z"), 0);
  ASSERT_TRUE(g.failed_step);
  EXPECT_EQ(*g.failed_step, Step::kSignature) << g.why;
  EXPECT_NE(g.why.find("signature does not verify"), std::string::npos);
  auto sw_in = Input(sw + "switchAttestationReportInvalidSignature.txt", sw + "switchCertChain.txt");
  const Bytes sw_nonce = HexDecode("ea038ed507a451e0").value();
  auto ev = ParseEvidence(sw_in.evidence, DeviceKind::kSwitch).value();
  DeviceReport s = VerifyDevice(cfg, sw_in, ev.request.nonce, At("2026-11-25T00:00:00Z"), 0);
  ASSERT_TRUE(s.failed_step);
  EXPECT_EQ(*s.failed_step, Step::kSignature) << s.why;
  EXPECT_TRUE(s.nonce_match);
  (void)sw_nonce;
}

TEST(VerifierTest, WrongNonceFailsAtNonceStep) {
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  // NVAT's bad_nonce scenario: the 535.86.09 report with an all-zero nonce.
  const std::string gpu = kSdk + "sample_attestation_data/gpu/";
  DeviceReport d = VerifyDevice(cfg, Input(gpu + "hopperAttestationReport.txt", gpu + "hopperCertChain.txt"),
                                Bytes(32, 0), At("2026-11-25T00:00:00Z"), 0);
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kNonce);
  EXPECT_NE(d.why.find("27a32824"), std::string::npos) << d.why;
  EXPECT_FALSE(d.nonce_match);
  // The stale nvtrust --test_no_gpu path: HEAD report with the 4cff… nonce.
  DeviceReport e = VerifyDevice(cfg, Input(kNvtrustSamples + "hopperAttestationReport.txt",
                                           kNvtrustSamples + "hopperCertChain.txt"),
                                HexDecode(kV213Nonce).value(), At("2026-11-25T00:00:00Z"), 0);
  EXPECT_EQ(*e.failed_step, Step::kNonce);
}

TEST(VerifierTest, WrongDeviceRootFailsAtChain) {
  VerifierConfig cfg;
  cfg.device_roots = {crypto::Certificate::FromPem(NvidiaRimRootPem()).value()};
  DeviceReport d = VerifyDevice(cfg, V213Input(), HexDecode(kV213Nonce).value(), At("2024-06-01T00:00:00Z"), 0);
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kCertChain);
  EXPECT_EQ(d.device_chain.status, CertStatus::kInvalid);
  EXPECT_NE(d.why.find("issuer"), std::string::npos) << d.why;
  EXPECT_FALSE(d.signature_verified);
}

TEST(VerifierTest, ChainNotYetValidAtEarlyTime) {
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  DeviceReport d = VerifyDevice(cfg, V213Input(), HexDecode(kV213Nonce).value(), At("2000-01-01T00:00:00Z"), 0);
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kCertChain);
  EXPECT_EQ(d.device_chain.status, CertStatus::kNotYetValid);
}

TEST(VerifierTest, FourCertificateChainIsUnusableInput) {
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  DeviceInput in = V213Input();
  const std::string end = "-----END CERTIFICATE-----";
  const std::size_t cut = in.cert_chain_pem.rfind("-----BEGIN CERTIFICATE-----");
  in.cert_chain_pem = in.cert_chain_pem.substr(0, cut);
  DeviceReport d = VerifyDevice(cfg, in, HexDecode(kV213Nonce).value(), At("2024-06-01T00:00:00Z"), 0);
  EXPECT_TRUE(d.input_unusable);
  EXPECT_EQ(*d.failed_step, Step::kParse);
  EXPECT_NE(d.why.find("not 5 certificates"), std::string::npos) << d.why;
  in.cert_chain_pem = "garbage";
  EXPECT_TRUE(VerifyDevice(cfg, in, Bytes(32, 0), At("2024-06-01T00:00:00Z"), 0).input_unusable);
}

TEST(VerifierTest, TruncatedEvidenceIsUnusableInput) {
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  DeviceInput in = V213Input();
  in.evidence.resize(in.evidence.size() - 1);
  DeviceReport d = VerifyDevice(cfg, in, HexDecode(kV213Nonce).value(), At("2024-06-01T00:00:00Z"), 0);
  EXPECT_TRUE(d.input_unusable);
  EXPECT_EQ(*d.failed_step, Step::kParse);
}

TEST(VerifierTest, EverySignatureBitFlipIsRejected) {
  auto chain = ParseDeviceChain(testing::ReadNvidia(kV213Samples + "gpuAkCertChain.txt")).value();
  auto key = chain[0].PublicKey().value();
  const Bytes blob = HexFile(kV213Samples + "attestationReport.txt");
  Evidence ev = ParseEvidence(blob, DeviceKind::kGpu).value();
  ASSERT_TRUE(key.VerifyRaw(crypto::HashAlg::kSha384, ev.SignedBytes(), ev.response.signature));
  for (std::size_t bit = 0; bit < ev.response.signature.size() * 8; ++bit) {
    auto sig = ev.response.signature;
    sig[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_FALSE(key.VerifyRaw(crypto::HashAlg::kSha384, ev.SignedBytes(), sig)) << bit;
  }
  // One flipped bit in every 8th signed byte (all bit positions covered).
  const ByteSpan signed_bytes = ev.SignedBytes();
  for (std::size_t i = 0; i < signed_bytes.size(); i += 7) {
    Bytes m(signed_bytes.begin(), signed_bytes.end());
    m[i] ^= static_cast<uint8_t>(1u << (i % 8));
    ASSERT_FALSE(key.VerifyRaw(crypto::HashAlg::kSha384, m, ev.response.signature)) << i;
  }
}

TEST(VerifierTest, LeafFwidExtractionHopper) {
  auto chain = ParseDeviceChain(testing::ReadNvidia(kNvtrustSamples + "hopperCertChain.txt")).value();
  auto fwid = LeafFwid(chain[0], Arch::kHopper);
  ASSERT_TRUE(fwid) << fwid.error().ToString();
  EXPECT_EQ(HexEncode(*fwid),
            "f5c384aebb579217a2c66b17ed0f28e6a9b8d639041acd7b4721cec004f7275494ba94bb5cdfdb3055ee051762b1f75d");
  EXPECT_EQ(LeafFwid(chain[2], Arch::kHopper).error().code, Errc::kNotFound);
}

TEST(VerifierTest, ChainCacheVerifiesOnlyTheLeafOnRepeat) {
  ChainCache cache;
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  cfg.chain_cache = &cache;
  const Bytes nonce = HexDecode(kV213Nonce).value();
  DeviceReport a = VerifyDevice(cfg, V213Input(), nonce, At("2024-06-01T00:00:00Z"), 0);
  EXPECT_EQ(a.signatures_checked, 5);
  EXPECT_EQ(cache.size(), 1u);
  DeviceReport b = VerifyDevice(cfg, V213Input(), nonce, At("2024-06-01T00:00:00Z"), 0);
  EXPECT_EQ(b.signatures_checked, 2);
  EXPECT_EQ(b.device_chain.status, CertStatus::kValid);
  // A cached chain does not make another root acceptable.
  VerifierConfig other = cfg;
  other.device_roots = {crypto::Certificate::FromPem(NvidiaRimRootPem()).value()};
  DeviceReport c = VerifyDevice(other, V213Input(), nonce, At("2024-06-01T00:00:00Z"), 0);
  EXPECT_EQ(*c.failed_step, Step::kCertChain);
}

TEST(VerifierTest, ClaimsShapeMatchesNvidiaHopperSample) {
  const DeviceInput in = Input(kNvtrustSamples + "hopperAttestationReport.txt", kNvtrustSamples + "hopperCertChain.txt");
  const Evidence ev = ParseEvidence(in.evidence, DeviceKind::kGpu).value();
  MirrorRimSource rims(ev, [] { auto v = Range(21, 40); v.insert(v.begin(), 7); return v; }(),
                       [] { auto v = Range(0, 6); auto w = Range(8, 12); v.insert(v.end(), w.begin(), w.end()); return v; }());
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  cfg.rims = &rims;
  const Bytes nonce = HexDecode(k931Nonce).value();
  VerificationReport r = Verify(cfg, {in}, nonce, At("2026-11-25T00:00:00Z"),
                                Policy::Default({.accept_ocsp_unknown = true, .allow_emulated = false}));
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_FALSE(r.devices[0].failed_step) << r.devices[0].why;
  EXPECT_TRUE(r.policy_passed) << FormatReport(r);
  const json sample = json::parse(testing::ReadNvidia(kSdk + "sample_attestation_data/hopperClaimsv3_decoded.json"));
  const json& want = sample["GPU-0"];
  const json mine = json(r.devices[0].claims);
  EXPECT_EQ(r.devices[0].name, "GPU-0");
  for (const auto& [k, v] : want.items()) {
    ASSERT_TRUE(mine.contains(k)) << k;
    EXPECT_EQ(mine[k].is_number(), v.is_number()) << k;
    if (!v.is_number()) {
      EXPECT_EQ(mine[k].type(), v.type()) << k;
    }
    if (v.is_object()) {
      for (const auto& [k2, v2] : v.items()) {
        ASSERT_TRUE(mine[k].contains(k2)) << k << "." << k2;
        EXPECT_EQ(mine[k][k2].type() == json::value_t::null, v2.is_null()) << k << "." << k2;
      }
    }
  }
  // Same values where they come from the evidence and the chain.
  for (const char* k : {"eat_nonce", "ueid", "hwmodel", "oemid", "measres", "secboot", "dbgstat",
                        "x-nvidia-gpu-driver-version", "x-nvidia-gpu-vbios-version",
                        "x-nvidia-gpu-attestation-report-nonce-match",
                        "x-nvidia-gpu-attestation-report-signature-verified",
                        "x-nvidia-gpu-attestation-report-cert-chain-fwid-match",
                        "x-nvidia-gpu-vbios-index-no-conflict"}) {
    EXPECT_EQ(mine[k], want[k]) << k;
  }
  EXPECT_EQ(mine["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-expiration-date"],
            "9999-12-31T23:59:59Z");
  EXPECT_EQ(mine["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-ocsp-status"], "unknown");
  // Extra keys are exactly NVAT's additions.
  for (const auto& [k, v] : mine.items()) {
    if (want.contains(k)) continue;
    EXPECT_TRUE(k == "x-nvidia-device-type" || k == "x-nvidia-gpu-mode" || k == "x-nvidia-gpu-switch-pdis") << k;
  }
  const json overall = json(r.overall_claims);
  EXPECT_EQ(overall["sub"], "NVIDIA-PLATFORM-ATTESTATION");
  EXPECT_EQ(overall["x-nvidia-overall-att-result"], true);
  EXPECT_EQ(overall["submods"]["GPU-0"][0], "DIGEST");
  EXPECT_EQ(overall["submods"]["GPU-0"][1][0], "SHA256");
}

TEST(VerifierTest, OcspUnknownIsRejectedUnlessAcceptedExplicitly) {
  const DeviceInput in = Input(kNvtrustSamples + "hopperAttestationReport.txt", kNvtrustSamples + "hopperCertChain.txt");
  const Evidence ev = ParseEvidence(in.evidence, DeviceKind::kGpu).value();
  MirrorRimSource rims(ev, {7}, {0});
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  cfg.rims = &rims;
  VerificationReport r = Verify(cfg, {in}, HexDecode(k931Nonce).value(), At("2026-11-25T00:00:00Z"), Policy::Default());
  EXPECT_FALSE(r.policy_passed);
  bool named = false;
  for (const auto& s : r.policy_reasons) named = named || s.find("OCSP status is \"unknown\"") != std::string::npos;
  EXPECT_TRUE(named) << FormatReport(r);
}

TEST(VerifierTest, MeasurementMismatchProducesRecordsAndFailsPolicy) {
  const DeviceInput in = Input(kNvtrustSamples + "hopperAttestationReport.txt", kNvtrustSamples + "hopperCertChain.txt");
  const Evidence ev = ParseEvidence(in.evidence, DeviceKind::kGpu).value();
  MirrorRimSource rims(ev, {7, 21}, {0, 1});
  rims.corrupt = 21;
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  cfg.rims = &rims;
  VerificationReport r = Verify(cfg, {in}, HexDecode(k931Nonce).value(), At("2026-11-25T00:00:00Z"),
                                Policy::Default({.accept_ocsp_unknown = true, .allow_emulated = false}));
  const auto& d = r.devices[0];
  EXPECT_EQ(*d.failed_step, Step::kMeasurements);
  EXPECT_FALSE(r.policy_passed);
  const json c = json(d.claims);
  EXPECT_EQ(c["measres"], "fail");
  EXPECT_TRUE(c["secboot"].is_null());
  EXPECT_TRUE(c["dbgstat"].is_null());
  ASSERT_EQ(c["x-nvidia-mismatch-measurement-records"].size(), 1u);
  const json& rec = c["x-nvidia-mismatch-measurement-records"][0];
  EXPECT_EQ(rec["index"], 21);
  EXPECT_EQ(rec["measurementSource"], "driver");
  EXPECT_EQ(rec["runtimeValue"], HexEncode(ev.response.Block(22)->value));
  EXPECT_EQ(rec["goldenSize"], 48);
  EXPECT_NE(d.why.find("index 21 (driver)"), std::string::npos) << d.why;
}

TEST(VerifierTest, EmulatedRootIsMarkedAndRefusedByDefault) {
  // The v2.1.3 chain's own root acts as an "emulated" root here: the chain
  // verifies, but not to the pinned NVIDIA root alone when that is absent.
  auto chain = ParseDeviceChain(testing::ReadNvidia(kV213Samples + "gpuAkCertChain.txt")).value();
  const DeviceInput in = V213Input();
  const Evidence ev = ParseEvidence(in.evidence, DeviceKind::kGpu).value();
  MirrorRimSource rims(ev, {7}, {0});
  VerifierConfig cfg;
  cfg.device_roots = {crypto::Certificate::FromPem(NvidiaRimRootPem()).value()};
  cfg.emulated_roots = {chain[4]};
  cfg.rims = &rims;
  const Bytes nonce = HexDecode(kV213Nonce).value();
  VerificationReport r = Verify(cfg, {in}, nonce, At("2024-06-01T00:00:00Z"),
                                Policy::Default({.accept_ocsp_unknown = true, .allow_emulated = false}));
  ASSERT_TRUE(r.devices[0].emulated);
  EXPECT_FALSE(r.policy_passed);
  EXPECT_EQ(json(r.devices[0].claims)[kEmulatedClaim], true);
  VerificationReport ok = Verify(cfg, {in}, nonce, At("2024-06-01T00:00:00Z"),
                                 Policy::Default({.accept_ocsp_unknown = true, .allow_emulated = true}));
  EXPECT_TRUE(ok.policy_passed) << FormatReport(ok);
}

}  // namespace
}  // namespace ccgpu::attest

namespace ccgpu::attest {
namespace {

// Scripted revocation answers, keyed by certificate CN.
class ScriptedRevocation : public RevocationChecker {
 public:
  std::map<std::string, RevocationOutcome> answers;
  int calls = 0;
  std::vector<std::string> asked;
  RevocationOutcome Check(const crypto::Certificate& cert, const crypto::Certificate& issuer, TimePoint) override {
    ++calls;
    asked.push_back(cert.CommonName() + " <- " + issuer.CommonName());
    auto it = answers.find(cert.CommonName());
    if (it != answers.end()) return it->second;
    return RevocationOutcome{.status = OcspStatus::kGood, .revocation_reason = std::nullopt,
                             .nonce_matches = true, .response_valid = true, .why = ""};
  }
};

TEST(RevocationTest, DeviceChainChecksCertificates1To3AgainstPinnedRoot) {
  const DeviceInput in = Input(kNvtrustSamples + "hopperAttestationReport.txt", kNvtrustSamples + "hopperCertChain.txt");
  const Evidence ev = ParseEvidence(in.evidence, DeviceKind::kGpu).value();
  MirrorRimSource rims(ev, {7}, {0});
  ScriptedRevocation ocsp;
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  cfg.rims = &rims;
  cfg.revocation = &ocsp;
  VerificationReport r = Verify(cfg, {in}, HexDecode(k931Nonce).value(), At("2026-11-25T00:00:00Z"), Policy::Default());
  ASSERT_EQ(ocsp.asked.size(), 3u);  // leaf not checked; the (mirror) RIMs carry no chain
  EXPECT_EQ(ocsp.asked[0], "GH100 A01 GSP BROM <- NVIDIA GH100 Provisioner ICA 1");
  EXPECT_EQ(ocsp.asked[2], "NVIDIA GH100 Identity <- NVIDIA Device Identity CA");
  const json c = json(r.devices[0].claims);
  EXPECT_EQ(c["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-ocsp-status"], "good");
  EXPECT_EQ(c["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-ocsp-nonce-matches"], true);
  // The mirror RIMs have no certificates: their OCSP stays "unknown", so the default policy refuses.
  EXPECT_FALSE(r.policy_passed);
}

TEST(RevocationTest, RevokedIntermediateFailsChainWithReason) {
  const DeviceInput in = Input(kNvtrustSamples + "hopperAttestationReport.txt", kNvtrustSamples + "hopperCertChain.txt");
  ScriptedRevocation ocsp;
  ocsp.answers["NVIDIA GH100 Provisioner ICA 1"] =
      RevocationOutcome{.status = OcspStatus::kRevoked, .revocation_reason = "certificateHold",
                        .nonce_matches = true, .response_valid = true, .why = ""};
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  cfg.revocation = &ocsp;
  DeviceReport d = VerifyDevice(cfg, in, HexDecode(k931Nonce).value(), At("2026-11-25T00:00:00Z"), 0);
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kCertChain);
  EXPECT_EQ(d.device_chain.status, CertStatus::kRevoked);
  EXPECT_EQ(d.device_chain.ocsp, OcspStatus::kRevoked);
  EXPECT_EQ(d.device_chain.revocation_reason, "certificateHold");
  d.claims = BuildDeviceClaims(d, HexDecode(k931Nonce).value(), At("2026-11-25T00:00:00Z"), "x");
  EXPECT_EQ(json(d.claims)["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-revocation-reason"],
            "certificateHold");
  EXPECT_EQ(json(d.claims)["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-status"], "revoked");
}

TEST(RevocationTest, AggregationWorstStatusWinsAndFlagsAreAnded) {
  ChainReport r;
  r.status = CertStatus::kValid;
  AggregateRevocation(r, {{OcspStatus::kGood, std::nullopt, true, true, ""},
                          {OcspStatus::kUnknown, std::nullopt, false, true, ""}});
  EXPECT_EQ(r.ocsp, OcspStatus::kUnknown);
  EXPECT_FALSE(r.ocsp_nonce_matches);
  EXPECT_TRUE(r.ocsp_response_valid);
  EXPECT_EQ(r.status, CertStatus::kValid);
  AggregateRevocation(r, {});
  EXPECT_EQ(r.ocsp, OcspStatus::kUnknown);  // no answers is never "good"
  EXPECT_FALSE(r.ocsp_response_valid);
}

TEST(PolicyTest, GoodOcspWithoutNonceNeedsExplicitAcceptance) {
  nlohmann::ordered_json c = {{"measres", "success"},
                              {"x-nvidia-gpu-attestation-report-cert-chain",
                               {{"x-nvidia-cert-status", "valid"},
                                {"x-nvidia-cert-ocsp-status", "good"},
                                {"x-nvidia-cert-ocsp-nonce-matches", false},
                                {"x-nvidia-cert-ocsp-response-valid", true}}}};
  EXPECT_FALSE(Policy::Default().Evaluate({}, {&c}).pass);
  EXPECT_TRUE(Policy::Default({.accept_ocsp_without_nonce = true}).Evaluate({}, {&c}).pass);
  c["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-ocsp-status"] = "revoked";
  EXPECT_FALSE(Policy::Default({.accept_ocsp_unknown = true, .accept_ocsp_without_nonce = true}).Evaluate({}, {&c}).pass);
  nlohmann::ordered_json empty = nlohmann::ordered_json::object();
  EXPECT_FALSE(Policy::Default().Evaluate({}, {&empty}).pass);
  EXPECT_FALSE(Policy::Default().Evaluate({}, {}).pass);
}

TEST(PolicyTest, JsonPolicyComparesNestedObjectsAndNamesTheClaim) {
  auto p = Policy::FromNvidiaJson(R"({"authorization-rules":{"detached-claims":{"a":{"b":1}},"overall-claims":{"o":true}}})");
  ASSERT_TRUE(p);
  nlohmann::ordered_json good = {{"a", {{"b", 1}, {"c", 2}}}};
  nlohmann::ordered_json bad = {{"a", {{"b", 2}}}};
  nlohmann::ordered_json overall = {{"o", true}};
  EXPECT_TRUE(p->Evaluate(overall, {&good}).pass);
  auto d = p->Evaluate(overall, {&bad}, {"GPU-0"});
  ASSERT_FALSE(d.pass);
  EXPECT_EQ(d.reasons[0], "GPU-0.a: claim \"b\" is 2, policy wants 1");
  EXPECT_FALSE(p->Evaluate({{"o", false}}, {&good}).pass);
}

}  // namespace
}  // namespace ccgpu::attest

namespace ccgpu::attest {
namespace {
TEST(VerifierTest, DeclaredArchMustMatchTheChain) {
  VerifierConfig cfg;
  cfg.device_roots = DeviceRoots();
  DeviceInput in = Input(kSdk + "switchAttestationReport.txt", kSdk + "switchCertChain.txt");
  in.arch = Arch::kHopper;
  DeviceReport d = VerifyDevice(cfg, in, HexDecode(k931Nonce).value(), At("2026-11-25T00:00:00Z"), 0);
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kParse);
  EXPECT_FALSE(d.arch_check);
  EXPECT_FALSE(d.input_unusable);
  EXPECT_NE(d.why.find("declared HOPPER but the certificate chain is LS10"), std::string::npos) << d.why;
}
}  // namespace
}  // namespace ccgpu::attest
