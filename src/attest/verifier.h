// The NVIDIA attestation verifier: NVIDIA's order of checks for each device
//   parse -> nonce -> certificate chain (+FWID, OCSP) -> signature ->
//   driver RIM -> VBIOS RIM (NVSwitch: BIOS RIM) -> measurements -> claims
// and then the appraisal policy over the claims (policy.h).
//
// Verification is apart from policy: the verifier records every fact (as a
// step record with a one-line why, and as NVIDIA v3 claims); the policy
// decides. A hard failure (nonce, chain, signature, FWID, RIM version) stops
// the device's pipeline at that step; later steps are reported "not run".
#ifndef CCGPU_ATTEST_VERIFIER_H_
#define CCGPU_ATTEST_VERIFIER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "attest/device_chain.h"
#include "attest/evidence.h"
#include "attest/measurements.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/x509.h"

namespace ccgpu::attest {

// Outcome of fetching and verifying one RIM (schema, XML-DSig against the
// pinned RIM root, RIM chain validity). Produced by a RimSource.
struct RimOutcome {
  RimRole role = RimRole::kDriver;
  std::string rim_id;
  bool fetched = false;
  bool schema_validated = false;
  bool signature_verified = false;
  ChainReport chain;
  std::vector<crypto::Certificate> chain_certs;  // signer first, root excluded (for OCSP)
  std::string version;          // Meta colloquialVersion
  std::string manufacturer_id;  // FirmwareManufacturerId
  GoldenValues golden;
  std::string why;  // first failure, empty when all checks passed
  bool unusable = false;                 // unreadable, empty, not XML / not a RIM
  bool signature_check_skipped = false;  // caller disabled XML-DSig (NVAT option)
  bool from_cache = false;               // verified earlier (same document digest)
  std::string source;                    // file it came from
  // Filled by the verifier:
  bool version_match = false;
};

// Where RIMs come from: a directory / files (rim library) or a test double.
class RimSource {
 public:
  virtual ~RimSource() = default;
  // Loads the RIM with NVIDIA's id (e.g. NV_GPU_DRIVER_GH100_550.90.07) and
  // verifies it at `at`. Never fails: a missing RIM has fetched=false; every
  // failed check has its flag false and `why` set.
  virtual RimOutcome Load(RimRole role, const std::string& rim_id, TimePoint at) = 0;
};

// NVIDIA's RIM ids for a device's evidence.
std::string EvidenceDriverRimId(Arch arch, const OpaqueData& opaque);
Result<std::string> EvidenceVbiosRimId(Arch arch, const OpaqueData& opaque);

// The verification steps, in order.
enum class Step { kParse, kNonce, kCertChain, kSignature, kDriverRim, kVbiosRim, kMeasurements, kPolicy };
std::string_view StepName(Step step, DeviceKind kind);  // "certificate chain", "BIOS RIM", …

struct StepRecord {
  Step step = Step::kParse;
  bool passed = false;
  std::string why;  // one line; for a pass what was checked
};

// Everything learnt about one device.
struct DeviceReport {
  std::string name;  // "GPU-0", "SWITCH-0"
  Arch arch = Arch::kHopper;
  DeviceKind kind = DeviceKind::kGpu;
  std::vector<StepRecord> steps;
  std::optional<Step> failed_step;  // first failing step
  std::string why;                  // its reason
  bool input_unusable = false;      // the inputs could not be parsed at all
  bool emulated = false;            // chain ends in an emulated-GPU root

  std::optional<Evidence> evidence;
  bool parsed = false;
  bool arch_check = false;
  bool nonce_match = false;
  bool signature_verified = false;
  bool fwid_match = false;
  ChainReport device_chain;
  std::optional<RimOutcome> driver_rim;  // GPU only
  std::optional<RimOutcome> vbios_rim;   // GPU: VBIOS; NVSwitch: BIOS
  std::optional<MeasurementComparison> measurements;
  std::string ueid, hwmodel;
  std::vector<std::string> warnings;
  int signatures_checked = 0;  // ECDSA verifications done (report + chain)

  nlohmann::ordered_json claims;  // NVIDIA v3 detached claims (claims.h)
};

struct VerificationReport {
  std::vector<DeviceReport> devices;
  nlohmann::ordered_json overall_claims;  // sub, x-nvidia-overall-att-result, submods
  bool policy_passed = false;
  std::vector<std::string> policy_reasons;  // why the policy rejected
  bool input_unusable() const;
};

// One device's inputs.
struct DeviceInput {
  std::optional<Arch> arch;   // from the JSON list; else guessed from the chain
  Bytes evidence;             // the raw blob
  std::string cert_chain_pem;
  std::optional<std::string> driver_version;  // as NVML reports it (optional)
  std::optional<std::string> vbios_version;
};

struct VerifierConfig {
  std::vector<crypto::Certificate> device_roots;    // pinned NVIDIA Device Identity CA
  std::vector<crypto::Certificate> emulated_roots;  // ccgpu emulated-GPU CAs (marked emulated)
  RimSource* rims = nullptr;                        // null: RIM steps fail "no RIM source"
  RevocationChecker* revocation = nullptr;          // null: OCSP off, status "unknown"
  ChainCache* chain_cache = nullptr;                // optional reuse of verified chains
  std::string issuer_gpu = "LOCAL_GPU_VERIFIER";    // "iss" (NVIDIA local verifier names)
  std::string issuer_switch = "LOCAL_SWITCH_VERIFIER";
};

class Policy;

// Runs the pipeline for every device (with the caller's nonce and time),
// builds the claims and applies `policy`. Never fails: every problem is in
// the report.
VerificationReport Verify(const VerifierConfig& config, const std::vector<DeviceInput>& devices,
                          ByteSpan nonce, TimePoint at, const Policy& policy);

// Verifies one device (no policy). `index` names it ("GPU-<index>").
DeviceReport VerifyDevice(const VerifierConfig& config, const DeviceInput& input, ByteSpan nonce,
                          TimePoint at, std::size_t index);

// Human-readable report: one line per step with pass/fail and why, then
// the policy result.
std::string FormatReport(const VerificationReport& report);

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_VERIFIER_H_
