// End-to-end verification of NVIDIA's real vectors with real RIMs (rim
// library: schema, XML-DSig with the pinned RIM root at a pinned time).
// OCSP is off in these tests: status "unknown", accepted only where a test
// says so explicitly. Every MANIFEST row with an offline outcome is here.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attest/claims.h"
#include "attest/policy.h"
#include "attest/roots.h"
#include "attest/sources.h"
#include "attest/test_data.h"
#include "attest/verifier.h"
#include "base/encoding.h"

namespace ccgpu::attest {
namespace {

using nlohmann::json;

TimePoint At(const char* t) { return ParseRfc3339(t).value(); }
Bytes HexFile(const std::string& rel) { return HexDecode(TrimAsciiWhitespace(testing::ReadNvidia(rel))).value(); }
Bytes HexOf(const std::string& s) { return HexDecode(s).value(); }

const std::string kV213Nonce = "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e";
const std::string k931Nonce = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
const std::string kGpuSamples = kSdk + "sample_attestation_data/gpu/";

DeviceInput Input(const std::string& report, const std::string& chain) {
  return DeviceInput{.arch = std::nullopt,
                     .evidence = HexFile(report),
                     .cert_chain_pem = testing::ReadNvidia(chain),
                     .driver_version = std::nullopt,
                     .vbios_version = std::nullopt};
}
DeviceInput V213() { return Input(kV213Samples + "attestationReport.txt", kV213Samples + "gpuAkCertChain.txt"); }
DeviceInput Switch() { return Input(kSdk + "switchAttestationReport.txt", kSdk + "switchCertChain.txt"); }

struct Fixture {
  explicit Fixture(std::string_view rim_root = NvidiaRimRootPem(), RimSourceOptions opts = {})
      : rims(RimVerifier::Create(rim_root).value(), opts) {
    cfg.device_roots = {crypto::Certificate::FromPem(NvidiaDeviceRootPem()).value()};
    cfg.rims = &rims;
  }
  VerificationReport Run(const DeviceInput& in, const std::string& nonce, const char* at,
                         PolicyOptions p = {.accept_ocsp_unknown = true}) {
    return Verify(cfg, {in}, HexOf(nonce), At(at), Policy::Default(p));
  }
  FileRimSource rims;
  VerifierConfig cfg;
};

void UseFiles(Fixture& f, const std::string& driver, const std::string& vbios) {
  if (!driver.empty()) f.rims.SetFile(RimRole::kDriver, testing::NvidiaPath(driver));
  if (!vbios.empty()) f.rims.SetFile(RimRole::kVbios, testing::NvidiaPath(vbios));
}

const std::string kTestNoGpuDriver = kNvtrustSamples + "Driver_RIM_test_no_gpu.swidtag";
const std::string kTestNoGpuVbios = kNvtrustSamples + "1010_0200_882_96005E0001_test_no_gpu.swidtag";

std::vector<uint32_t> MismatchIndices(const DeviceReport& d) {
  std::vector<uint32_t> v;
  if (d.measurements) {
    for (const auto& m : d.measurements->mismatches) v.push_back(m.index);
  }
  return v;
}

TEST(EndToEndTest, V213OfflineVectorPasses) {
  Fixture f;
  UseFiles(f, kTestNoGpuDriver, kTestNoGpuVbios);
  VerificationReport r = f.Run(V213(), kV213Nonce, "2024-06-01T00:00:00Z");
  ASSERT_EQ(r.devices.size(), 1u);
  const DeviceReport& d = r.devices[0];
  EXPECT_FALSE(d.failed_step) << FormatReport(r);
  EXPECT_TRUE(r.policy_passed) << FormatReport(r);
  ASSERT_TRUE(d.measurements);
  EXPECT_TRUE(d.measurements->success);
  EXPECT_EQ(d.measurements->compared, 32u);  // 21 driver + 12 VBIOS, index 35 skipped
  EXPECT_EQ(d.measurements->skipped_indices, std::vector<uint32_t>{35});
  const json c = json(d.claims);
  EXPECT_EQ(c["measres"], "success");
  EXPECT_EQ(c["secboot"], true);
  EXPECT_EQ(c["dbgstat"], "disabled");
  EXPECT_EQ(c["oemid"], "5703");
  EXPECT_EQ(c["x-nvidia-gpu-driver-version"], "545.00");
  EXPECT_EQ(c["x-nvidia-gpu-vbios-version"], "96.00.5E.00.01");
  EXPECT_EQ(c["x-nvidia-gpu-driver-rim-signature-verified"], true);
  EXPECT_EQ(c["x-nvidia-gpu-vbios-rim-version-match"], true);
  EXPECT_EQ(c["x-nvidia-gpu-driver-rim-cert-chain"]["x-nvidia-cert-status"], "valid");
  EXPECT_EQ(c["x-nvidia-gpu-driver-rim-cert-chain"]["x-nvidia-cert-ocsp-status"], "unknown");
  EXPECT_EQ(json(r.overall_claims)["x-nvidia-overall-att-result"], true);
  EXPECT_GE(d.signatures_checked, 5);
}

TEST(EndToEndTest, V213OcspUnknownNotAcceptedByDefaultPolicy) {
  Fixture f;
  UseFiles(f, kTestNoGpuDriver, kTestNoGpuVbios);
  VerificationReport r = f.Run(V213(), kV213Nonce, "2024-06-01T00:00:00Z", {});
  EXPECT_FALSE(r.devices[0].failed_step);
  EXPECT_FALSE(r.policy_passed);
  EXPECT_EQ(json(r.overall_claims)["x-nvidia-overall-att-result"], false);
}

TEST(EndToEndTest, V213RimsExpiredToday) {
  Fixture f;
  UseFiles(f, kTestNoGpuDriver, kTestNoGpuVbios);
  VerificationReport r = f.Run(V213(), kV213Nonce, "2026-11-25T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kDriverRim);
  EXPECT_NE(d.why.find("expired"), std::string::npos) << d.why;
  EXPECT_EQ(d.driver_rim->chain.status, CertStatus::kExpired);
  EXPECT_EQ(json(d.claims)["x-nvidia-gpu-driver-rim-cert-chain"]["x-nvidia-cert-status"], "expired");
  EXPECT_FALSE(r.policy_passed);
}

TEST(EndToEndTest, V213VersusProdVbiosRimMismatchesAt1239) {
  Fixture f;
  UseFiles(f, kTestNoGpuDriver, kNvtrustSamples + "1010_0200_882_96005E0001_PROD.swidtag");
  VerificationReport r = f.Run(V213(), kV213Nonce, "2024-06-01T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kMeasurements) << d.why;
  EXPECT_EQ(MismatchIndices(d), (std::vector<uint32_t>{1, 2, 3, 9}));
  const json c = json(d.claims);
  EXPECT_EQ(c["measres"], "fail");
  ASSERT_EQ(c["x-nvidia-mismatch-measurement-records"].size(), 4u);
  EXPECT_EQ(c["x-nvidia-mismatch-measurement-records"][0]["measurementSource"], "firmware");
  EXPECT_FALSE(r.policy_passed);
}

TEST(EndToEndTest, SwitchOfflineVectorPassesFromRimDirectory) {
  Fixture f;
  ASSERT_TRUE(f.rims.SetDirectory(testing::NvidiaPath(kSdk)));
  VerificationReport r = f.Run(Switch(), k931Nonce, "2026-06-01T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  EXPECT_EQ(d.name, "SWITCH-0");
  EXPECT_FALSE(d.failed_step) << FormatReport(r);
  EXPECT_TRUE(r.policy_passed) << FormatReport(r);
  EXPECT_EQ(d.measurements->compared, 31u);
  const json c = json(d.claims);
  EXPECT_EQ(c["x-nvidia-switch-bios-version"], "96.10.55.00.01");
  EXPECT_EQ(c["x-nvidia-switch-bios-rim-fetched"], true);
  // Shape of NRAS's switch claims.
  const json sample = json::parse(testing::ReadNvidia(kSdk + "sample_attestation_data/switch_decoded.json"));
  for (const auto& [k, v] : sample["SWITCH-0"].items()) {
    ASSERT_TRUE(c.contains(k)) << k;
    if (!v.is_number() && !v.is_null()) {
      EXPECT_EQ(c[k].type(), v.type()) << k;
    }
  }
  EXPECT_TRUE(c["oemid"].is_null());
  EXPECT_EQ(c["ueid"], sample["SWITCH-0"]["ueid"]);
  EXPECT_EQ(c["hwmodel"], sample["SWITCH-0"]["hwmodel"]);
}

TEST(EndToEndTest, SwitchBiosRimNotYetValidBeforeMay2026) {
  Fixture f;
  ASSERT_TRUE(f.rims.SetDirectory(testing::NvidiaPath(kSdk)));
  VerificationReport r = f.Run(Switch(), k931Nonce, "2026-01-01T00:00:00Z");
  ASSERT_TRUE(r.devices[0].failed_step);
  EXPECT_EQ(*r.devices[0].failed_step, Step::kVbiosRim);
  EXPECT_NE(r.devices[0].why.find("BIOS RIM"), std::string::npos) << r.devices[0].why;
}

TEST(EndToEndTest, SwitchEvidenceListPasses) {
  Fixture f;
  ASSERT_TRUE(f.rims.SetDirectory(testing::NvidiaPath(kSdk)));
  auto list = ParseEvidenceList(
      testing::ReadNvidia("attestation-sdk/common-test-data/serialized_test_evidence/switch_evidence_ls10.json"));
  ASSERT_TRUE(list);
  DeviceInput in{.arch = (*list)[0].arch, .evidence = (*list)[0].evidence, .cert_chain_pem = (*list)[0].certificate,
                 .driver_version = std::nullopt, .vbios_version = std::nullopt};
  VerificationReport r = f.Run(in, k931Nonce, "2026-06-01T00:00:00Z");
  EXPECT_TRUE(r.policy_passed) << FormatReport(r);
}

TEST(EndToEndTest, TamperedSwitchBiosRimFailsSignature) {
  Fixture f;
  f.rims.SetFile(RimRole::kSwitchBios,
                 testing::NvidiaPath(kSdk + "sample_rims/NV_SWITCH_BIOS_5612_0002_890_9610550001_invalid_signature.xml"));
  VerificationReport r = f.Run(Switch(), k931Nonce, "2025-06-01T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kVbiosRim);
  EXPECT_FALSE(d.vbios_rim->signature_verified);
  EXPECT_NE(d.why.find("mismatch"), std::string::npos) << d.why;
  EXPECT_EQ(json(d.claims)["x-nvidia-switch-bios-rim-signature-verified"], false);
}

TEST(EndToEndTest, SwitchMeasurementMismatchRimWithSignatureCheckOff) {
  Fixture f(NvidiaRimRootPem(), {.verify_signature = false});
  f.rims.SetFile(RimRole::kSwitchBios, testing::NvidiaPath(
      kSdk + "sample_rims/NV_SWITCH_BIOS_5612_0002_890_9610550001_measurement_mismatch.xml"));
  VerificationReport r = f.Run(Switch(), k931Nonce, "2026-06-01T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kMeasurements) << d.why;
  EXPECT_EQ(MismatchIndices(d), (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11}));
  EXPECT_FALSE(r.policy_passed);
}

TEST(EndToEndTest, Driver535MismatchRimsGiveNvatsMismatchIndices) {
  Fixture f(NvidiaRimRootPem(), {.verify_signature = false});
  UseFiles(f, kSdk + "sample_rims/NV_GPU_DRIVER_GH100_535.86.09_measurement_mismatch.xml",
           kSdk + "sample_rims/NV_GPU_VBIOS_1010_0200_882_96005E0001_measurement_mismatch.xml");
  const DeviceInput in = Input(kGpuSamples + "hopperAttestationReport.txt", kGpuSamples + "hopperCertChain.txt");
  const std::string nonce = HexEncode(ParseEvidence(in.evidence, DeviceKind::kGpu)->request.nonce);
  VerificationReport r = f.Run(in, nonce, "2024-06-01T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kMeasurements) << FormatReport(r);
  EXPECT_EQ(MismatchIndices(d),
            (std::vector<uint32_t>{7, 9, 21, 22, 25, 26, 27, 29, 30, 31, 32, 34, 37, 39, 40, 41}));
  const json c = json(d.claims);
  EXPECT_EQ(c["measres"], "fail");
  EXPECT_TRUE(c["secboot"].is_null());
  EXPECT_TRUE(c["dbgstat"].is_null());
}

TEST(EndToEndTest, Report535MatchesProdVbiosRim) {
  Fixture f;
  UseFiles(f, "", kNvtrustSamples + "1010_0200_882_96005E0001_PROD.swidtag");
  const DeviceInput in = Input(kGpuSamples + "hopperAttestationReport.txt", kGpuSamples + "hopperCertChain.txt");
  const Evidence ev = ParseEvidence(in.evidence, DeviceKind::kGpu).value();
  RimOutcome vb = f.rims.Load(RimRole::kVbios, "NV_GPU_VBIOS_1010_0200_882_96005E0001", At("2024-06-01T00:00:00Z"));
  ASSERT_TRUE(vb.signature_verified) << vb.why;
  auto cmp = CompareMeasurements(ev, {&vb.golden});
  ASSERT_TRUE(cmp);
  EXPECT_TRUE(cmp->success);
  EXPECT_EQ(cmp->compared, 12u);
}

TEST(EndToEndTest, TamperedDriverRimFailsAtDriverRimSignature) {
  Fixture f;
  UseFiles(f, kSdk + "incorrect_signature_driver_rim.xml", kTestNoGpuVbios);
  VerificationReport r = f.Run(V213(), kV213Nonce, "2025-06-01T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kDriverRim);
  EXPECT_FALSE(d.driver_rim->signature_verified);
  EXPECT_FALSE(d.input_unusable);
}

TEST(EndToEndTest, DriverRimVersionMismatchIsAnError) {
  Fixture f;
  UseFiles(f, kSdk + "NV_GPU_DRIVER_GH100_550.144.03.xml", kTestNoGpuVbios);
  VerificationReport r = f.Run(V213(), kV213Nonce, "2025-06-01T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kDriverRim);
  EXPECT_NE(d.why.find("RIM version 550.144.03 differs from the report's 545.00"), std::string::npos) << d.why;
  EXPECT_TRUE(d.driver_rim->signature_verified);
  EXPECT_FALSE(d.driver_rim->version_match);
}

TEST(EndToEndTest, ForeignRimChainFails) {
  Fixture f;
  UseFiles(f, kSdk + "incorrect_cert_chain_driver_rim.xml", kTestNoGpuVbios);
  VerificationReport r = f.Run(V213(), kV213Nonce, "2025-06-01T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kDriverRim);
  EXPECT_EQ(d.driver_rim->chain.status, CertStatus::kInvalid);
  EXPECT_NE(d.why.find("issuer"), std::string::npos) << d.why;
}

TEST(EndToEndTest, WrongRimRootFails) {
  Fixture f(testing::ReadNvidia(kSdk + "incorrect_rim_root.crt"));
  UseFiles(f, kTestNoGpuDriver, kTestNoGpuVbios);
  VerificationReport r = f.Run(V213(), kV213Nonce, "2024-06-01T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kDriverRim);
  EXPECT_EQ(d.driver_rim->chain.status, CertStatus::kInvalid);
}

TEST(EndToEndTest, ExpiredDriverRimReportsExpired) {
  Fixture f;
  UseFiles(f, kSdk + "sample_rims/NV_GPU_DRIVER_GH100_570.124.03_expired.xml", "");
  const DeviceInput in =
      Input(kGpuSamples + "hopperAttestationReportExpired.txt", kGpuSamples + "hopperCertChainExpired.txt");
  VerificationReport r = f.Run(in, k931Nonce, "2026-11-25T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kDriverRim);
  EXPECT_EQ(json(d.claims)["x-nvidia-gpu-driver-rim-cert-chain"]["x-nvidia-cert-status"], "expired");
  // Within the signer's day of validity the altered content fails its digest.
  VerificationReport early = f.Run(in, k931Nonce, "2025-01-01T12:00:00Z");
  EXPECT_FALSE(early.devices[0].driver_rim->signature_verified);
  EXPECT_EQ(early.devices[0].driver_rim->chain.status, CertStatus::kValid);
}

TEST(EndToEndTest, NonRimXmlIsUnusableInput) {
  Fixture f;
  UseFiles(f, kNvtrustVerifier + "rim/xml.xsd", kTestNoGpuVbios);
  VerificationReport r = f.Run(V213(), kV213Nonce, "2024-06-01T00:00:00Z");
  EXPECT_TRUE(r.input_unusable());
  EXPECT_EQ(*r.devices[0].failed_step, Step::kDriverRim);
}

TEST(EndToEndTest, RepeatedVerificationReusesRimsAndChains) {
  Fixture f;
  ChainCache cache;
  f.cfg.chain_cache = &cache;
  UseFiles(f, kTestNoGpuDriver, kTestNoGpuVbios);
  VerificationReport a = f.Run(V213(), kV213Nonce, "2024-06-01T00:00:00Z");
  VerificationReport b = f.Run(V213(), kV213Nonce, "2024-06-01T00:00:00Z");
  EXPECT_TRUE(a.policy_passed);
  EXPECT_TRUE(b.policy_passed);
  EXPECT_FALSE(a.devices[0].driver_rim->from_cache);
  EXPECT_TRUE(b.devices[0].driver_rim->from_cache);
  EXPECT_TRUE(b.devices[0].vbios_rim->from_cache);
  EXPECT_EQ(b.devices[0].signatures_checked, 2);  // leaf link + report
  EXPECT_EQ(f.rims.verifier().cache_stats().hits, 2u);
}

TEST(EndToEndTest, ClearedCachesMakeTheNextVerificationFullyColdAgain) {
  // What the benchmark's cold case does each iteration: the RIM verifier
  // (pinned root, compiled schema) is kept, its caches are cleared, and a new
  // chain cache is used. Every check then runs again: 4 device chain links +
  // the report signature + per RIM its signature and 3 signer-chain links.
  Fixture f;
  UseFiles(f, kTestNoGpuDriver, kTestNoGpuVbios);
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    f.rims.verifier().ClearCache();
    ChainCache cache;
    f.cfg.chain_cache = &cache;
    const uint64_t decoded = f.rims.verifier().certificates_decoded();
    VerificationReport r = f.Run(V213(), kV213Nonce, "2024-06-01T00:00:00Z");
    ASSERT_TRUE(r.policy_passed) << FormatReport(r);
    const DeviceReport& d = r.devices[0];
    EXPECT_EQ(d.signatures_checked, 5);
    for (const auto* rim : {&d.driver_rim, &d.vbios_rim}) {
      ASSERT_TRUE(rim->has_value());
      EXPECT_FALSE((*rim)->from_cache);
      EXPECT_TRUE((*rim)->schema_validated);
      EXPECT_TRUE((*rim)->signature_verified);
      ASSERT_EQ((*rim)->chain_certs.size(), 4u);  // L4, L3, CA, pinned root
      EXPECT_EQ((*rim)->chain_certs.back().Der(),
                crypto::Certificate::FromPem(NvidiaRimRootPem())->Der());
    }
    EXPECT_NE(d.driver_rim->chain_certs[0].Der(), d.vbios_rim->chain_certs[0].Der());
    // Both signers, the shared L3 and CA: decoded once each in this verification.
    EXPECT_EQ(f.rims.verifier().certificates_decoded() - decoded, 4u);
    EXPECT_EQ(cache.size(), 1u);
  }
  EXPECT_EQ(f.rims.verifier().cache_stats().hits, 0u);
}

TEST(EndToEndTest, NvidiaJsonPolicyFiles) {
  Fixture f;
  UseFiles(f, kTestNoGpuDriver, kTestNoGpuVbios);
  const std::string dir = "nvtrust/guest_tools/attestation_sdk/tests/policies/";
  auto run = [&](const std::string& text) {
    auto p = Policy::FromNvidiaJson(text, {.accept_ocsp_unknown = true});
    EXPECT_TRUE(p) << text;
    return Verify(f.cfg, {V213()}, HexOf(kV213Nonce), At("2024-06-01T00:00:00Z"), *p);
  };
  // v4 (claims 3.0) as shipped: requires OCSP "good", so with OCSP off it fails, naming why.
  VerificationReport v4 = run(testing::ReadNvidia(dir + "local/NVGPULocalv4PolicyExample.json"));
  EXPECT_FALSE(v4.policy_passed);
  bool ocsp_named = false;
  for (const auto& s : v4.policy_reasons) {
    ocsp_named = ocsp_named || s.find("x-nvidia-cert-ocsp-status\" is \"unknown\", policy wants \"good\"") != std::string::npos;
  }
  EXPECT_TRUE(ocsp_named) << FormatReport(v4);
  // The same policy with OCSP "unknown" accepted explicitly passes.
  json edited = json::parse(testing::ReadNvidia(dir + "local/NVGPULocalv4PolicyExample.json"));
  for (const char* k : {"x-nvidia-gpu-attestation-report-cert-chain", "x-nvidia-gpu-driver-rim-cert-chain",
                        "x-nvidia-gpu-vbios-rim-cert-chain"}) {
    edited["authorization-rules"]["detached-claims"][k]["x-nvidia-cert-ocsp-status"] = "unknown";
  }
  VerificationReport ok = run(edited.dump());
  EXPECT_TRUE(ok.policy_passed) << FormatReport(ok);
  // Claims-2.0 policies (v3 files) name claims v3 no longer has.
  VerificationReport v3 = run(testing::ReadNvidia(dir + "remote/v3/NVGPURemotePolicyExample.json"));
  EXPECT_FALSE(v3.policy_passed);
  // A switch policy does not accept GPU claims.
  VerificationReport sw = run(testing::ReadNvidia(dir + "local/NVSwitchLocalv4PolicyExample.json"));
  EXPECT_FALSE(sw.policy_passed);
  EXPECT_FALSE(Policy::FromNvidiaJson("{}"));
  EXPECT_FALSE(Policy::FromNvidiaJson("not json"));
}

TEST(EndToEndTest, MultiDeviceListNamesEachDevice) {
  Fixture f;
  UseFiles(f, kTestNoGpuDriver, kTestNoGpuVbios);
  VerificationReport r = Verify(f.cfg, {V213(), V213()}, HexOf(kV213Nonce), At("2024-06-01T00:00:00Z"),
                                Policy::Default({.accept_ocsp_unknown = true}));
  ASSERT_EQ(r.devices.size(), 2u);
  EXPECT_EQ(r.devices[1].name, "GPU-1");
  EXPECT_TRUE(r.policy_passed);
  EXPECT_TRUE(json(r.overall_claims)["submods"].contains("GPU-1"));
}

}  // namespace
}  // namespace ccgpu::attest

namespace ccgpu::attest {
namespace {

// VBIOS RIM vs report comparisons the MANIFEST states (VBIOS RIMs checked
// at 2024-06-01, when their signers were valid).
std::vector<uint32_t> VbiosMismatches(const std::string& report, const std::string& rim, const std::string& id) {
  Fixture f;
  f.rims.SetFile(RimRole::kVbios, testing::NvidiaPath(kNvtrustSamples + rim));
  const Evidence ev = ParseEvidence(HexFile(report), DeviceKind::kGpu).value();
  RimOutcome vb = f.rims.Load(RimRole::kVbios, id, At("2024-06-01T00:00:00Z"));
  EXPECT_TRUE(vb.signature_verified) << vb.why;
  EXPECT_EQ(vb.version, *ev.response.opaque.vbios_version);
  auto cmp = CompareMeasurements(ev, {&vb.golden});
  EXPECT_TRUE(cmp);
  std::vector<uint32_t> out;
  for (const auto& m : cmp->mismatches) out.push_back(m.index);
  return out;
}

TEST(ManifestTest, Report580VersusVbiosRim9600740020MismatchesOnlyAt9) {
  EXPECT_EQ(VbiosMismatches(kSdk + "hopperAttestationReport.txt", "1010_0205_862_9600740020_PROD.swidtag",
                            "NV_GPU_VBIOS_1010_0205_862_9600740020"),
            std::vector<uint32_t>{9});
}

TEST(ManifestTest, ExpiredScenarioReportVersusVbiosRim96005E0004MismatchesOnlyAt9) {
  EXPECT_EQ(VbiosMismatches(kGpuSamples + "hopperAttestationReportExpired.txt", "1010_0205_862_96005E0004_PROD.swidtag",
                            "NV_GPU_VBIOS_1010_0205_862_96005E0004"),
            std::vector<uint32_t>{9});
}

TEST(ManifestTest, Report580SignatureAndClaimsFromChain) {
  Fixture f;
  ASSERT_TRUE(f.rims.SetDirectory(testing::NvidiaPath(kNvtrustSamples)));
  const DeviceInput in = Input(kSdk + "hopperAttestationReport.txt", kSdk + "hopperCertChain.txt");
  const std::string nonce = "5bb22e377702d4e1e8215a903ba094826b9ac7f731dee1fe8102958bf2840aca";
  VerificationReport r = f.Run(in, nonce, "2026-11-25T00:00:00Z");
  const DeviceReport& d = r.devices[0];
  EXPECT_TRUE(d.signature_verified);
  EXPECT_TRUE(d.fwid_match);
  EXPECT_EQ(d.ueid, "509096176156678437554566035365892618958504054724");
  EXPECT_EQ(d.hwmodel, "GH100 A01 GSP BROM");
  // Its driver RIM (580.159.03) is not in the test data: offline it fails there.
  ASSERT_TRUE(d.failed_step);
  EXPECT_EQ(*d.failed_step, Step::kDriverRim);
  EXPECT_NE(d.why.find("NV_GPU_DRIVER_GH100_580.159.03: not found"), std::string::npos) << d.why;
  EXPECT_FALSE(r.input_unusable());
}

// The serialized evidence lists: signature valid; success needs live RIMs.
TEST(ManifestTest, SerializedEvidenceListsVerifyUpToTheRims) {
  for (const std::string& rel : {std::string("attestation-sdk/common-test-data/serialized_test_evidence/hopper_evidence.json"),
                                std::string("attestation-sdk/common-test-data/serialized_test_evidence/hopper_evidence_cert_hold.json"),
                                kSdk + "evidence_hopper_590_12.json"}) {
    Fixture f;
    auto list = ParseEvidenceList(testing::ReadNvidia(rel));
    ASSERT_TRUE(list) << rel;
    const auto& e = (*list)[0];
    ASSERT_TRUE(e.nonce.has_value());
    DeviceInput in{.arch = e.arch, .evidence = e.evidence, .cert_chain_pem = e.certificate,
                   .driver_version = e.driver_version, .vbios_version = e.vbios_version};
    VerificationReport r = f.Run(in, HexEncode(*e.nonce), "2026-11-25T00:00:00Z");
    const DeviceReport& d = r.devices[0];
    EXPECT_TRUE(d.signature_verified) << rel << ": " << d.why;
    EXPECT_TRUE(d.fwid_match) << rel;
    ASSERT_TRUE(d.failed_step) << rel;
    EXPECT_EQ(*d.failed_step, Step::kDriverRim) << rel << ": " << d.why;
  }
}

}  // namespace
}  // namespace ccgpu::attest
