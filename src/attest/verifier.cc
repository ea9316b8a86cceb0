#include "attest/verifier.h"

#include <algorithm>
#include <sstream>

#include "attest/claims.h"
#include "attest/policy.h"
#include "base/ct.h"
#include "base/encoding.h"
#include "crypto/hash.h"

namespace ccgpu::attest {
namespace {

// True for names the emulated GPU's PKI uses (src/gpu/provision.h).
bool IsEmulatedCertificateName(const std::string& name) {
  return name.find("NOT FOR PRODUCTION") != std::string::npos ||
         name.find("ccgpu emulated") != std::string::npos ||
         name.find("ccgpu Emulated") != std::string::npos ||
         name.find("ccgpu EMULATED") != std::string::npos;
}


std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string WithoutDots(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != '.') out.push_back(c);
  }
  return out;
}

// Records a step; on failure also the device's first failure.
void Record(DeviceReport& d, Step step, bool passed, std::string why) {
  if (!passed && !d.failed_step) {
    d.failed_step = step;
    d.why = why;
  }
  d.steps.push_back(StepRecord{step, passed, std::move(why)});
}

std::string ChainWhy(const ChainReport& c) {
  return std::string(CertStatusName(c.status)) + (c.why.empty() ? "" : ": " + c.why);
}

void CheckRevocation(const VerifierConfig& config, const std::vector<crypto::Certificate>& certs,
                     std::size_t first, const std::vector<crypto::Certificate>& issuers_tail,
                     TimePoint at, ChainReport& report) {
  if (!config.revocation) {
    report.ocsp = OcspStatus::kUnknown;
    report.ocsp_nonce_matches = false;
    report.ocsp_response_valid = false;
    return;
  }
  std::vector<RevocationOutcome> outcomes;
  for (std::size_t i = first; i < certs.size(); ++i) {
    const crypto::Certificate* issuer = nullptr;
    if (i + 1 < certs.size()) {
      issuer = &certs[i + 1];
    } else if (!issuers_tail.empty()) {
      issuer = &issuers_tail.front();
    }
    if (!issuer) break;
    outcomes.push_back(config.revocation->Check(certs[i], *issuer, at));
  }
  AggregateRevocation(report, outcomes);
}

// RIM step: load, verify, check version against the report, OCSP.
void RimStep(const VerifierConfig& config, DeviceReport& d, Step step, RimRole role,
             const std::string& rim_id, const std::optional<std::string>& report_version, TimePoint at,
             std::optional<RimOutcome>& slot, const std::vector<crypto::Certificate>& rim_roots) {
  const std::string what(StepName(step, d.kind));
  if (!config.rims) {
    RimOutcome none;
    none.role = role;
    none.rim_id = rim_id;
    slot = std::move(none);
    Record(d, step, false, what + " " + rim_id + ": no RIM source configured");
    return;
  }
  RimOutcome rim = config.rims->Load(role, rim_id, at);
  rim.role = role;
  if (rim.rim_id.empty()) rim.rim_id = rim_id;
  if (rim.unusable) {
    d.input_unusable = true;
    Record(d, step, false, what + " " + rim_id + " unusable: " + rim.why);
    slot = std::move(rim);
    return;
  }
  if (!rim.fetched) {
    Record(d, step, false, what + " " + rim_id + ": not found" + (rim.why.empty() ? "" : " (" + rim.why + ")"));
    slot = std::move(rim);
    return;
  }
  if (rim.signature_verified && rim.chain.status == CertStatus::kValid) {
    CheckRevocation(config, rim.chain_certs, 0, rim_roots, at, rim.chain);
  }
  rim.version_match = report_version && Upper(rim.version) == Upper(*report_version);
  const std::string version_why =
      "RIM version " + rim.version + " differs from the report's " + report_version.value_or("(none)");
  std::string why;
  if (!rim.schema_validated) {
    why = "schema validation failed: " + rim.why;
  } else if (rim.signature_check_skipped) {
    d.warnings.push_back(what + " " + rim_id + ": signature and chain NOT verified (check disabled)");
    if (!rim.version_match) why = version_why;
  } else if (rim.chain.status != CertStatus::kValid) {
    why = "RIM signer certificate chain " + ChainWhy(rim.chain);
  } else if (!rim.signature_verified) {
    why = rim.why.empty() ? std::string("XML signature does not verify") : rim.why;
  } else if (!rim.version_match) {
    why = version_why;
  }
  const bool ok = why.empty();
  Record(d, step, ok,
         ok ? what + " " + rim_id + " version " + rim.version + ": schema, signature, chain (" +
                  std::string(CertStatusName(rim.chain.status)) + ", OCSP " +
                  std::string(OcspStatusName(rim.chain.ocsp)) + ") ok"
            : what + " " + rim_id + ": " + why);
  slot = std::move(rim);
}

}  // namespace

bool VerificationReport::input_unusable() const {
  return std::any_of(devices.begin(), devices.end(), [](const DeviceReport& d) { return d.input_unusable; });
}

std::string EvidenceDriverRimId(Arch arch, const OpaqueData& opaque) {
  const std::string ver = opaque.driver_version.value_or("");
  if (arch == Arch::kBlackwell) {
    const std::string chip = opaque.chip_info && !opaque.chip_info->empty() ? *opaque.chip_info : "GB100";
    return "NV_GPU_CC_DRIVER_" + chip + "_" + ver;
  }
  return "NV_GPU_DRIVER_GH100_" + ver;
}

Result<std::string> EvidenceVbiosRimId(Arch arch, const OpaqueData& o) {
  if (!o.vbios_version) return Fail(Errc::kNotFound, "opaque: no VBIOS_VERSION for the RIM id");
  const std::string v = Upper(WithoutDots(*o.vbios_version));
  if (arch == Arch::kLs10) {
    // NVSwitch BIOS RIMs are named by board (5612), SKU (0002) and chip SKU
    // (890) of the LS10 module, which the evidence does not carry.
    return "NV_SWITCH_BIOS_5612_0002_890_" + v;
  }
  if (!o.project || !o.project_sku || !o.chip_sku) {
    return Fail(Errc::kNotFound, "opaque: PROJECT / PROJECT_SKU / CHIP_SKU missing for the VBIOS RIM id");
  }
  return "NV_GPU_VBIOS_" + Upper(*o.project) + "_" + Upper(*o.project_sku) + "_" + Upper(*o.chip_sku) + "_" + v;
}

std::string_view StepName(Step step, DeviceKind kind) {
  switch (step) {
    case Step::kParse: return "parse";
    case Step::kNonce: return "nonce";
    case Step::kCertChain: return "certificate chain";
    case Step::kSignature: return "signature";
    case Step::kDriverRim: return "driver RIM";
    case Step::kVbiosRim: return kind == DeviceKind::kSwitch ? "BIOS RIM" : "VBIOS RIM";
    case Step::kMeasurements: return "measurements";
    case Step::kPolicy: return "policy";
  }
  return "?";
}

DeviceReport VerifyDevice(const VerifierConfig& config, const DeviceInput& input, ByteSpan nonce,
                          TimePoint at, std::size_t index) {
  DeviceReport d;
  // --- 1. parse: certificate chain text and evidence blob.
  std::vector<crypto::Certificate> chain;
  {
    // The chain's own copy of a pinned root is the pinned (already parsed)
    // certificate: same bytes, so no second decode. Nothing else is kept.
    crypto::CertificatePool roots_pool(/*capacity=*/0);
    for (const auto& r : config.device_roots) roots_pool.Pin(r);
    for (const auto& r : config.emulated_roots) roots_pool.Pin(r);
    auto c = ParseDeviceChain(input.cert_chain_pem, &roots_pool);
    if (!c) {
      d.input_unusable = true;
      d.name = "GPU-" + std::to_string(index);
      Record(d, Step::kParse, false, std::string("certificate chain unusable: ") + c.error().context);
      return d;
    }
    chain = std::move(*c);
  }
  if (input.arch) {
    d.arch = *input.arch;
  } else {
    auto a = ArchFromChain(chain);
    if (!a) {
      d.input_unusable = true;
      d.name = "GPU-" + std::to_string(index);
      Record(d, Step::kParse, false, a.error().context);
      return d;
    }
    d.arch = *a;
  }
  d.kind = KindOf(d.arch);
  d.name = std::string(d.kind == DeviceKind::kSwitch ? "SWITCH-" : "GPU-") + std::to_string(index);
  // Architecture check: the declared architecture must be the chain's.
  if (auto from_chain = ArchFromChain(chain); input.arch && from_chain && *from_chain != *input.arch) {
    Record(d, Step::kParse, false,
           "evidence declared " + std::string(ArchName(*input.arch)) + " but the certificate chain is " +
               std::string(ArchName(*from_chain)));
    return d;
  }
  d.arch_check = true;
  {
    auto ev = ParseEvidence(input.evidence, d.kind);
    if (!ev) {
      d.input_unusable = true;
      Record(d, Step::kParse, false, std::string("evidence unusable: ") + ev.error().ToString());
      return d;
    }
    d.evidence = std::move(*ev);
  }
  d.parsed = true;
  const OpaqueData& opaque = d.evidence->response.opaque;
  {
    std::string what = std::string(ArchName(d.arch)) + " evidence, " +
                       std::to_string(d.evidence->response.blocks.size()) + " measurement blocks";
    if (opaque.driver_version) what += ", driver " + *opaque.driver_version;
    if (opaque.vbios_version) what += ", VBIOS " + *opaque.vbios_version;
    Record(d, Step::kParse, true, what);
  }
  d.ueid = chain[0].SerialDecimal();
  d.hwmodel = chain[1].CommonName();

  // --- 2. nonce.
  d.nonce_match = nonce.size() == kSpdmNonceSize && CtEqual(nonce, d.evidence->request.nonce);
  Record(d, Step::kNonce, d.nonce_match,
         d.nonce_match ? "request nonce equals the caller's nonce"
                       : "request nonce " + HexEncode(d.evidence->request.nonce) +
                             " is not the caller's nonce " + HexEncode(nonce));
  if (!d.nonce_match) return d;

  // --- 3. certificate chain (pinned root, validity at `at`, FWID, OCSP).
  std::vector<crypto::Certificate> roots = config.device_roots;
  roots.insert(roots.end(), config.emulated_roots.begin(), config.emulated_roots.end());
  auto sigs = VerifyDeviceChain(chain, roots, at, config.chain_cache, d.device_chain);
  if (sigs) d.signatures_checked += *sigs;
  bool chain_ok = sigs && d.device_chain.status == CertStatus::kValid;
  if (chain_ok && !config.emulated_roots.empty()) {
    // Emulated if it does not verify to the NVIDIA roots alone.
    ChainReport nv;
    auto s = VerifyDeviceChain(chain, config.device_roots, at, nullptr, nv);
    d.emulated = !(s && nv.status == CertStatus::kValid);
  }
  // Emulated GPUs label themselves in every certificate name (DESIGN §2:
  // "NOT FOR PRODUCTION"). Such a chain is emulated whatever root the caller
  // pinned, so overriding the device root can never let emulated evidence
  // past a policy that does not allow it.
  for (const crypto::Certificate& c : chain) {
    if (IsEmulatedCertificateName(c.Subject()) || IsEmulatedCertificateName(c.Issuer())) {
      d.emulated = true;
    }
  }
  if (chain_ok) {
    // OCSP for certificates 1..3 (the per-boot leaf is not checked, as
    // NVIDIA does); certificate 3's issuer is the pinned root.
    const std::vector<crypto::Certificate> sub(chain.begin(), chain.begin() + 4);
    CheckRevocation(config, sub, 1, config.device_roots, at, d.device_chain);
    chain_ok = d.device_chain.status == CertStatus::kValid;  // revoked -> not ok
    if (!chain_ok) {
      d.device_chain.why = "revoked (OCSP" +
                           (d.device_chain.revocation_reason ? ", " + *d.device_chain.revocation_reason : "") + ")";
    }
  }
  if (!sigs) {
    Record(d, Step::kCertChain, false, std::string("certificate chain: ") + sigs.error().context);
    return d;
  }
  if (!chain_ok) {
    Record(d, Step::kCertChain, false, "certificate chain " + ChainWhy(d.device_chain));
    return d;
  }
  Record(d, Step::kCertChain, true,
         "5 certificates to the pinned " + roots.front().CommonName() + ", valid at " + FormatRfc3339(at) +
             ", OCSP " + std::string(OcspStatusName(d.device_chain.ocsp)) +
             (d.emulated ? " (EMULATED device)" : ""));

  // --- 4. signature over request || response-without-signature.
  {
    auto key = chain[0].PublicKey();
    Status st = key ? key->VerifyRaw(crypto::HashAlg::kSha384, d.evidence->SignedBytes(),
                                     d.evidence->response.signature)
                    : Status(tl::unexpected(key.error()));
    d.signatures_checked += 1;
    d.signature_verified = st.has_value();
    Record(d, Step::kSignature, d.signature_verified,
           d.signature_verified ? "ECDSA P-384/SHA-384 signature by the leaf key verifies"
                                : std::string("evidence signature does not verify with the leaf key (") +
                                      (st ? "" : st.error().ToString()) + ")");
    if (!d.signature_verified) return d;
  }
  // FWID (signed report) == FWID in the leaf's DICE extension: part of the
  // certificate-chain step, checked once the report is known to be signed.
  if (opaque.fwid) {
    auto leaf_fwid = LeafFwid(chain[0], d.arch);
    d.fwid_match = leaf_fwid && CtEqual(*leaf_fwid, *opaque.fwid);
    Record(d, Step::kCertChain, d.fwid_match,
           d.fwid_match ? std::string("FWID in the report equals the leaf certificate's DICE FWID")
           : leaf_fwid  ? "FWID in the report " + HexEncode(*opaque.fwid) +
                             " differs from the leaf certificate's DICE FWID " + HexEncode(*leaf_fwid)
                        : std::string("leaf certificate FWID: ") + leaf_fwid.error().context);
    if (!d.fwid_match) return d;
  } else {
    d.fwid_match = true;
    d.warnings.push_back("the report carries no FWID; FWID check skipped");
  }
  // NVML-reported versions (JSON list) must equal the signed ones.
  if (input.driver_version && opaque.driver_version && *input.driver_version != *opaque.driver_version) {
    d.warnings.push_back("driver version reported outside the evidence (" + *input.driver_version +
                         ") differs from the signed one (" + *opaque.driver_version + ")");
  }
  if (input.vbios_version && opaque.vbios_version && Upper(*input.vbios_version) != Upper(*opaque.vbios_version)) {
    d.warnings.push_back("VBIOS version reported outside the evidence (" + *input.vbios_version +
                         ") differs from the signed one (" + *opaque.vbios_version + ")");
  }

  // --- 5. RIMs.
  if (d.kind == DeviceKind::kGpu) {
    RimStep(config, d, Step::kDriverRim, RimRole::kDriver, EvidenceDriverRimId(d.arch, opaque),
            opaque.driver_version, at, d.driver_rim, {});
  }
  {
    auto id = EvidenceVbiosRimId(d.arch, opaque);
    if (!id) {
      Record(d, Step::kVbiosRim, false, id.error().context);
    } else {
      RimStep(config, d, Step::kVbiosRim, d.kind == DeviceKind::kSwitch ? RimRole::kSwitchBios : RimRole::kVbios,
              *id, opaque.vbios_version, at, d.vbios_rim, {});
    }
  }
  // A RIM version mismatch is a hard error (NVAT); so is a RIM that could not
  // be fetched or whose signature fails (no trustworthy golden values).
  for (const auto* rim : {&d.driver_rim, &d.vbios_rim}) {
    if (rim->has_value() && (!(*rim)->fetched || !(*rim)->schema_validated || !(*rim)->version_match ||
                             (!(*rim)->signature_verified && !(*rim)->signature_check_skipped) ||
                             (!(*rim)->signature_check_skipped && (*rim)->chain.status != CertStatus::kValid))) {
      return d;
    }
  }
  if (d.kind == DeviceKind::kGpu && !d.driver_rim) return d;
  if (!d.vbios_rim) return d;

  // --- 6. measurements.
  std::vector<const GoldenValues*> golden;
  if (d.driver_rim) golden.push_back(&d.driver_rim->golden);
  golden.push_back(&d.vbios_rim->golden);
  auto cmp = CompareMeasurements(*d.evidence, golden);
  if (!cmp) {
    Record(d, Step::kMeasurements, false, std::string("measurements: ") + cmp.error().ToString());
    return d;
  }
  d.measurements = std::move(*cmp);
  const auto& m = *d.measurements;
  if (m.success) {
    std::string why = std::to_string(m.compared) + " active golden measurements match";
    if (!m.skipped_indices.empty()) why += " (index 35 skipped: NVDEC0 disabled)";
    Record(d, Step::kMeasurements, true, why);
  } else {
    std::ostringstream why;
    if (m.index_conflict) {
      why << "driver and VBIOS RIMs both define index";
      for (auto i : m.conflicting_indices) why << " " << i;
      why << "; ";
    }
    if (!m.mismatches.empty()) {
      why << m.mismatches.size() << " measurement(s) differ from the RIMs at index";
      for (const auto& mm : m.mismatches) why << " " << mm.index << " (" << MeasurementSourceName(mm.source) << ")";
    }
    Record(d, Step::kMeasurements, false, why.str());
  }
  return d;
}

VerificationReport Verify(const VerifierConfig& config, const std::vector<DeviceInput>& devices, ByteSpan nonce,
                          TimePoint at, const Policy& policy) {
  VerificationReport r;
  std::size_t gpus = 0, switches = 0;
  for (const auto& in : devices) {
    // Index per kind: GPU-0.., SWITCH-0..
    DeviceReport d = VerifyDevice(config, in, nonce, at, 0);
    const std::size_t idx = d.kind == DeviceKind::kSwitch ? switches++ : gpus++;
    d.name = std::string(d.kind == DeviceKind::kSwitch ? "SWITCH-" : "GPU-") + std::to_string(idx);
    r.devices.push_back(std::move(d));
  }
  bool any_switch = switches > 0 && gpus == 0;
  for (auto& d : r.devices) {
    d.claims = BuildDeviceClaims(d, nonce, at, d.kind == DeviceKind::kSwitch ? config.issuer_switch : config.issuer_gpu);
  }
  // Overall result: every device passed every step and NVIDIA's built-in
  // rules (with the caller's OCSP-unknown / emulated options).
  std::vector<const nlohmann::ordered_json*> claims;
  std::vector<std::string> names;
  for (const auto& d : r.devices) {
    claims.push_back(&d.claims);
    names.push_back(d.name);
  }
  PolicyDecision builtin = Policy::Default(policy.options()).Evaluate({}, claims, names);
  bool all_steps = !r.devices.empty();
  for (const auto& d : r.devices) all_steps = all_steps && !d.failed_step;
  const bool overall = all_steps && builtin.pass;
  r.overall_claims = BuildOverallClaims(r.devices, overall, nonce, at,
                                        any_switch ? config.issuer_switch : config.issuer_gpu);
  PolicyDecision decision = policy.is_default() ? builtin : policy.Evaluate(r.overall_claims, claims, names);
  r.policy_passed = all_steps && decision.pass;
  for (const auto& d : r.devices) {
    if (d.failed_step) r.policy_reasons.push_back(d.name + ": " + std::string(StepName(*d.failed_step, d.kind)) + " failed");
  }
  for (auto& s : decision.reasons) r.policy_reasons.push_back(std::move(s));
  return r;
}

std::string FormatReport(const VerificationReport& r) {
  std::ostringstream out;
  for (const auto& d : r.devices) {
    out << d.name << " (" << ArchName(d.arch) << ")" << (d.emulated ? " [EMULATED]" : "") << "\n";
    for (const auto& s : d.steps) {
      out << "  [" << (s.passed ? "PASS" : "FAIL") << "] " << StepName(s.step, d.kind) << ": " << s.why << "\n";
    }
    if (d.failed_step) {
      out << "  -> " << d.name << " FAILED at step \"" << StepName(*d.failed_step, d.kind) << "\": " << d.why << "\n";
    }
    if (d.measurements) {
      for (const auto& mm : d.measurements->mismatches) {
        out << "     index " << mm.index << " (" << MeasurementSourceName(mm.source) << " RIM"
            << (mm.source == RimRole::kDriver && d.driver_rim ? " " + d.driver_rim->rim_id
                : d.vbios_rim                                 ? " " + d.vbios_rim->rim_id
                                                              : std::string())
            << "):\n       runtime " << (mm.runtime.empty() ? std::string("(no such block)") : HexEncode(mm.runtime))
            << "\n";
        for (const auto& g : mm.golden) out << "       golden  " << HexEncode(g) << "\n";
      }
    }
    for (const auto& w : d.warnings) out << "  warning: " << w << "\n";
  }
  out << "policy: " << (r.policy_passed ? "PASS" : "FAIL") << "\n";
  for (const auto& reason : r.policy_reasons) out << "  - " << reason << "\n";
  return out.str();
}

}  // namespace ccgpu::attest
