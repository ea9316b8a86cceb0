// The guest's attach flow for one device, up to an attested SPDM session
// (plan steps 2–3; the Context adds TDISP and the channel on top):
//
//   VCA (SPDM 1.1) -> GET_DIGESTS -> GET_CERTIFICATE (chain checked against
//   the caller's roots) -> signed GET_MEASUREMENTS with a fresh 32-byte nonce
//   (the NVIDIA evidence blob = that 37-byte request || the MEASUREMENTS
//   response) -> attest::Verify (chain, signature, RIMs, measurements,
//   policy) -> KEY_EXCHANGE + FINISH.
//
// Evidence is bound to the session: the verifier checks the evidence against
// the very chain GET_CERTIFICATE returned, and the requester checks the
// KEY_EXCHANGE_RSP signature with that chain's leaf key, so the session can
// only be with the attestation key whose evidence was verified. A host that
// relays KEY_EXCHANGE to another device gets kBadSignature at kSession.
//
// Trusts: nothing the device or the transport says; the roots, RIM source
// and policy come from the caller.
#ifndef CCGPU_RUNTIME_ATTACH_H_
#define CCGPU_RUNTIME_ATTACH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "attest/device_chain.h"
#include "attest/evidence.h"
#include "attest/policy.h"
#include "attest/verifier.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "crypto/x509.h"
#include "spdm/requester/exchange.h"
#include "spdm/requester/requester.h"
#include "spdm/session/secured_message.h"

namespace ccgpu {

// The steps of attaching a device, in order. An attach that fails names the
// step (AttachReport::failed_step and the Error's context).
enum class AttachStep : uint8_t {
  kConnect = 0,      // open the SPDM transport (in-process service or gpud TCP)
  kNegotiate,        // GET_VERSION / GET_CAPABILITIES / NEGOTIATE_ALGORITHMS
  kCertificate,      // GET_DIGESTS + GET_CERTIFICATE, chain to a trusted root
  kEvidence,         // signed GET_MEASUREMENTS with a fresh nonce
  kVerify,           // attest::Verify + policy
  kSession,          // KEY_EXCHANGE + FINISH, signed by the verified chain
  kIdeStream,        // IDE_KM: the selective IDE stream's keys programmed and in use
  kTdispLock,        // TDISP LOCK_INTERFACE_REQUEST
  kTdispReport,      // TDISP GET_DEVICE_INTERFACE_REPORT checked
  kTdispStart,       // TDISP START_INTERFACE_REQUEST
  kOpenChannel,      // ccgpu control OPEN_CHANNEL
  kSetReady,         // ccgpu control SET_READY
  kReady,            // attached (not a failure step)
};
// "connect", "negotiate", "certificate", "evidence", "verify", "session",
// "ide stream", "tdisp lock", "tdisp report", "tdisp start", "open channel", "set ready",
// "ready".
std::string_view AttachStepName(AttachStep step);

// What the guest trusts when it appraises a device.
struct TrustConfig {
  // Pinned device identity roots (NVIDIA's, or an emulated manufacturer's
  // root: emulated chains are recognised by their self-labelled
  // certificates, so pinning one here does not bypass allow_emulated).
  std::vector<crypto::Certificate> device_roots;
  // Roots marked emulated by the verifier (attest::VerifierConfig).
  std::vector<crypto::Certificate> emulated_roots;
  // Where RIMs come from (e.g. attest::FileRimSource over a RIM store).
  std::shared_ptr<attest::RimSource> rims;
  // OCSP; null = off (the policy must then accept "unknown").
  std::shared_ptr<attest::RevocationChecker> revocation;
  attest::Policy policy = attest::Policy::Default();
  attest::Arch arch = attest::Arch::kHopper;
  const Clock* clock = nullptr;  // null: SystemClock
};

// Loads the trust for emulated devices of a state directory: its
// manufacturer/device_root.pem (pinned), manufacturer/rim_root.pem (the RIM
// signing root) and a RIM store directory `rim_dir` (as `ccgpu rim make`
// writes it), with Policy::Default(allow_emulated, accept_ocsp_unknown).
// kNotFound / kIo for missing files, kInvalidPem / kBadCertificate.
Result<TrustConfig> EmulatedTrust(const std::string& state_dir, const std::string& rim_dir);

// The result of appraising one device, kept for the caller (claims for a
// display, the report for an attestation token / key broker).
struct Attestation {
  Bytes nonce;                 // the fresh 32-byte nonce sent
  Bytes evidence;              // NVIDIA blob: GET_MEASUREMENTS (1.1) || MEASUREMENTS
  std::string cert_chain_pem;  // the chain GET_CERTIFICATE returned, leaf first
  TimePoint verified_at;
  // The verifier's full result: devices[0] (steps, claims, measurements),
  // overall_claims, policy_passed / policy_reasons.
  attest::VerificationReport report;

  // NVIDIA v3 detached claims of the device (report.devices[0].claims).
  const nlohmann::ordered_json& claims() const;
  const nlohmann::ordered_json& overall_claims() const { return report.overall_claims; }
  bool passed() const { return report.policy_passed; }
};

// How the SPDM connection carries secured records.
struct LinkOptions {
  spdm::session::TransportBinding binding = spdm::session::TransportBinding::Mctp();
  bool allow_dword_padding = false;
};

// An attested, established SPDM session with one device.
struct AttestedSession {
  std::unique_ptr<spdm::requester::Requester> requester;  // uses the caller's exchange
  uint32_t session_id = 0;
  spdm::requester::ConnectionInfo connection;
  spdm::requester::CertificateChainInfo chain;
  Attestation attestation;
};

// Why an attach failed: the step and the underlying error.
struct AttachFailure {
  AttachStep step = AttachStep::kConnect;
  Error error{Errc::kStateError, ""};
  std::string why;  // one line, with the verifier's reason where there is one
};

// Runs the flow above over `exchange` (which must outlive the returned
// requester). On failure returns the Error of the failed step — its code is
// the precise cause (kVersionMismatch, kChainInvalid, kPeerError,
// kBadSignature (evidence or session not signed by the certified key), kNonceMismatch, kRimInvalid, kMeasurementMismatch,
// kFwidMismatch, kEmulatedNotAllowed, kPolicyFailed, kRngFailure, …) and
// its context names the step — and fills `failure` (may be null). When
// verification ran, `attestation_out` (may be null) receives it even on
// failure, so the caller can show why.
Result<AttestedSession> AttestAndStartSession(spdm::requester::MessageExchange* exchange,
                                              const LinkOptions& link, const TrustConfig& trust,
                                              AttachFailure* failure,
                                              Attestation* attestation_out = nullptr);

// The Errc for a verification report that did not pass (first failed
// step, then measurement mismatch, emulated refusal, other policy failure),
// with a static context naming it. For a passing report: OK.
Status VerdictOf(const attest::VerificationReport& report, const attest::Policy& policy);

// PEM text of `certs` in the given order.
std::string CertificatesToPem(const std::vector<crypto::Certificate>& certs);

}  // namespace ccgpu

#endif  // CCGPU_RUNTIME_ATTACH_H_
