#include "attest/claims.h"

#include <cstdio>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/rng.h"

namespace ccgpu::attest {
namespace {

using ojson = nlohmann::ordered_json;

std::string RandomUuid() {
  auto b = crypto::RandomBytes(16);
  if (!b) return "00000000-0000-4000-8000-000000000000";
  Bytes& u = *b;
  u[6] = static_cast<uint8_t>((u[6] & 0x0F) | 0x40);
  u[8] = static_cast<uint8_t>((u[8] & 0x3F) | 0x80);
  const std::string h = HexEncode(u);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

// Emulated evidence in devtools mode (see kEmulatedDevtoolsBlock).
bool EmulatedDevtoolsEnabled(const DeviceReport& d) {
  if (!d.emulated || !d.evidence) return false;
  const MeasurementBlock* b = d.evidence->response.Block(kEmulatedDevtoolsBlock);
  if (b == nullptr) return false;
  const std::string_view text = kEmulatedDevtoolsEnabledText;
  auto want = crypto::Hash(crypto::HashAlg::kSha384, AsBytes(text));
  return want && *want == b->value;
}

ojson OrNull(const std::optional<std::string>& s) { return s ? ojson(*s) : ojson(nullptr); }

ojson ChainClaims(const ChainReport& c) {
  ojson j;
  j["x-nvidia-cert-status"] = std::string(CertStatusName(c.status));
  j["x-nvidia-cert-ocsp-status"] = std::string(OcspStatusName(c.ocsp));
  j["x-nvidia-cert-expiration-date"] = c.expiration ? ojson(FormatRfc3339(*c.expiration)) : ojson(nullptr);
  j["x-nvidia-cert-revocation-reason"] = OrNull(c.revocation_reason);
  j["x-nvidia-cert-ocsp-nonce-matches"] = c.ocsp_nonce_matches;
  j["x-nvidia-cert-ocsp-response-valid"] = c.ocsp_response_valid;
  return j;
}

// The claims of one RIM: x-nvidia-<prefix>-rim-{fetched,schema-validated,
// signature-verified,version-match,measurements-available,cert-chain}.
void RimClaims(ojson& j, const std::string& prefix, const std::optional<RimOutcome>& rim,
               bool measurements_available) {
  const bool have = rim.has_value();
  j[prefix + "-rim-fetched"] = have && rim->fetched;
  j[prefix + "-rim-schema-validated"] = have && rim->schema_validated;
  j[prefix + "-rim-signature-verified"] = have && rim->signature_verified;
  j[prefix + "-rim-version-match"] = have && rim->version_match;
  j[prefix + "-rim-measurements-available"] = measurements_available;
  j[prefix + "-rim-cert-chain"] = ChainClaims(have ? rim->chain : ChainReport{});
}

ojson MismatchRecords(const MeasurementComparison& m) {
  ojson arr = ojson::array();
  for (const auto& mm : m.mismatches) {
    ojson r;
    r["index"] = mm.index;
    r["goldenSize"] = mm.golden_size;
    std::string golden;
    for (std::size_t i = 0; i < mm.golden.size(); ++i) {
      if (i) golden += ",";
      golden += HexEncode(mm.golden[i]);
    }
    r["goldenValue"] = golden;
    r["runtimeSize"] = mm.runtime_size;
    r["runtimeValue"] = HexEncode(mm.runtime);
    r["measurementSource"] = std::string(MeasurementSourceName(mm.source));
    arr.push_back(std::move(r));
  }
  return arr;
}

}  // namespace

ojson BuildDeviceClaims(const DeviceReport& d, ByteSpan nonce, TimePoint at, const std::string& issuer) {
  const bool sw = d.kind == DeviceKind::kSwitch;
  const std::string p = sw ? "x-nvidia-switch" : "x-nvidia-gpu";
  const int64_t now = ToUnixSeconds(at);
  ojson j;
  j["iss"] = issuer;
  j["iat"] = now;
  j["nbf"] = now;
  j["exp"] = now + kClaimsLifetimeSeconds;
  j["jti"] = RandomUuid();
  j["eat_nonce"] = HexEncode(nonce);
  j["x-nvidia-device-type"] = sw ? "nvswitch" : "gpu";
  const bool meas_ok = d.measurements && d.measurements->success;
  if (d.measurements) {
    j["measres"] = meas_ok ? "success" : "fail";
  } else {
    j["measres"] = nullptr;
  }
  j["secboot"] = meas_ok ? ojson(true) : ojson(nullptr);
  j["dbgstat"] = meas_ok ? ojson(EmulatedDevtoolsEnabled(d) ? "enabled" : "disabled") : ojson(nullptr);
  j["hwmodel"] = d.hwmodel.empty() ? ojson(nullptr) : ojson(d.hwmodel);
  j["ueid"] = d.ueid.empty() ? ojson(nullptr) : ojson(d.ueid);
  // oemid: the RIM's FirmwareManufacturerId (NRAS gives null for NVSwitch).
  std::optional<std::string> oemid;
  if (!sw && d.driver_rim && !d.driver_rim->manufacturer_id.empty()) oemid = d.driver_rim->manufacturer_id;
  j["oemid"] = OrNull(oemid);
  j[p + "-arch-check"] = d.arch_check;
  j[p + "-attestation-report-parsed"] = d.parsed;
  j[p + "-attestation-report-nonce-match"] = d.nonce_match;
  j[p + "-attestation-report-signature-verified"] = d.signature_verified;
  j[p + "-attestation-report-cert-chain"] = ChainClaims(d.device_chain);
  j[p + "-attestation-report-cert-chain-fwid-match"] = d.fwid_match;
  const OpaqueData* o = d.evidence ? &d.evidence->response.opaque : nullptr;
  if (sw) {
    j["x-nvidia-switch-bios-version"] = o ? OrNull(o->vbios_version) : ojson(nullptr);
    RimClaims(j, "x-nvidia-switch-bios", d.vbios_rim, d.vbios_rim && !d.vbios_rim->golden.measurements.empty());
  } else {
    j["x-nvidia-gpu-driver-version"] = o ? OrNull(o->driver_version) : ojson(nullptr);
    j["x-nvidia-gpu-vbios-version"] = o ? OrNull(o->vbios_version) : ojson(nullptr);
    RimClaims(j, "x-nvidia-gpu-driver", d.driver_rim, d.driver_rim && !d.driver_rim->golden.measurements.empty());
    RimClaims(j, "x-nvidia-gpu-vbios", d.vbios_rim, d.vbios_rim && !d.vbios_rim->golden.measurements.empty());
    j["x-nvidia-gpu-vbios-index-no-conflict"] = !(d.measurements && d.measurements->index_conflict);
    if (o) {
      auto mode = o->Mode();
      j["x-nvidia-gpu-mode"] = mode ? ojson(std::string(GpuModeName(*mode))) : ojson(nullptr);
      ojson pdis = ojson::array();
      for (const auto& pdi : o->switch_pdis) pdis.push_back(HexEncode(pdi));
      j["x-nvidia-gpu-switch-pdis"] = std::move(pdis);
    }
  }
  if (d.measurements && !d.measurements->success) {
    j["x-nvidia-mismatch-measurement-records"] = MismatchRecords(*d.measurements);
  }
  if (d.emulated) j[kEmulatedClaim] = true;
  if (d.warnings.empty()) {
    j["x-nvidia-attestation-warning"] = nullptr;
  } else {
    std::string w;
    for (const auto& s : d.warnings) w += (w.empty() ? "" : "; ") + s;
    j["x-nvidia-attestation-warning"] = w;
  }
  if (d.failed_step) {
    j["x-ccgpu-failed-step"] = std::string(StepName(*d.failed_step, d.kind));
    j["x-ccgpu-failure-reason"] = d.why;
  }
  return j;
}

ojson BuildOverallClaims(const std::vector<DeviceReport>& devices, bool result, ByteSpan nonce,
                         TimePoint at, const std::string& issuer) {
  const int64_t now = ToUnixSeconds(at);
  ojson j;
  j["sub"] = kOverallSubject;
  j["iss"] = issuer;
  j["iat"] = now;
  j["nbf"] = now;
  j["exp"] = now + kClaimsLifetimeSeconds;
  j["jti"] = RandomUuid();
  j["x-nvidia-ver"] = kClaimsVersion;
  j["x-nvidia-overall-att-result"] = result;
  j["eat_nonce"] = HexEncode(nonce);
  ojson sub = ojson::object();
  for (const auto& d : devices) {
    const std::string text = d.claims.dump();
    auto digest = crypto::Hash(crypto::HashAlg::kSha256, AsBytes(text));
    sub[d.name] = ojson::array({"DIGEST", ojson::array({"SHA256", digest ? HexEncode(*digest) : ""})});
  }
  j["submods"] = std::move(sub);
  return j;
}

}  // namespace ccgpu::attest
