#include "runtime/attach.h"

#include <filesystem>
#include <utility>

#include "attest/rim/rim_verifier.h"
#include "attest/sources.h"
#include "base/encoding.h"
#include "crypto/rng.h"
#include "gpu/config.h"
#include "gpu/provision.h"
#include "spdm/wire/common.h"
#include "spdm/wire/measurements.h"

namespace ccgpu {

std::string_view AttachStepName(AttachStep step) {
  switch (step) {
    case AttachStep::kConnect: return "connect";
    case AttachStep::kNegotiate: return "negotiate";
    case AttachStep::kCertificate: return "certificate";
    case AttachStep::kEvidence: return "evidence";
    case AttachStep::kVerify: return "verify";
    case AttachStep::kSession: return "session";
    case AttachStep::kIdeStream: return "ide stream";
    case AttachStep::kTdispLock: return "tdisp lock";
    case AttachStep::kTdispReport: return "tdisp report";
    case AttachStep::kTdispStart: return "tdisp start";
    case AttachStep::kOpenChannel: return "open channel";
    case AttachStep::kSetReady: return "set ready";
    case AttachStep::kReady: return "ready";
  }
  return "unknown";
}

const nlohmann::ordered_json& Attestation::claims() const {
  static const nlohmann::ordered_json kEmpty = nlohmann::ordered_json::object();
  return report.devices.empty() ? kEmpty : report.devices.front().claims;
}

std::string CertificatesToPem(const std::vector<crypto::Certificate>& certs) {
  std::string out;
  for (const auto& c : certs) {
    const std::string b64 = Base64Encode(c.Der());
    out += "-----BEGIN CERTIFICATE-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) {
      out += b64.substr(i, 64);
      out += '\n';
    }
    out += "-----END CERTIFICATE-----\n";
  }
  return out;
}

Result<TrustConfig> EmulatedTrust(const std::string& state_dir, const std::string& rim_dir) {
  const std::filesystem::path m = gpu::ManufacturerDir(state_dir);
  CCGPU_ASSIGN_OR_RETURN(std::string root_pem, gpu::ReadFileText(m / "device_root.pem"));
  CCGPU_ASSIGN_OR_RETURN(std::string rim_root_pem, gpu::ReadFileText(m / "rim_root.pem"));
  CCGPU_ASSIGN_OR_RETURN(crypto::Certificate root, crypto::Certificate::FromPem(root_pem));
  CCGPU_ASSIGN_OR_RETURN(attest::RimVerifier rim_verifier, attest::RimVerifier::Create(rim_root_pem));
  auto rims = std::make_shared<attest::FileRimSource>(std::move(rim_verifier));
  CCGPU_TRY(rims->SetDirectory(rim_dir));
  TrustConfig t;
  t.device_roots = {root};
  t.emulated_roots = {root};
  t.rims = std::move(rims);
  attest::PolicyOptions po;
  po.allow_emulated = true;
  po.accept_ocsp_unknown = true;  // emulated manufacturers run no OCSP responder
  t.policy = attest::Policy::Default(po);
  return t;
}

Status VerdictOf(const attest::VerificationReport& report, const attest::Policy& policy) {
  if (report.devices.empty()) return Fail(Errc::kStateError, "attach verify: the verifier reported no device");
  const attest::DeviceReport& d = report.devices.front();
  if (d.failed_step) {
    switch (*d.failed_step) {
      case attest::Step::kParse:
        return Fail(Errc::kMalformed, "attach verify: the evidence does not parse as an NVIDIA evidence blob");
      case attest::Step::kNonce:
        return Fail(Errc::kNonceMismatch, "attach verify: the evidence is not bound to the nonce sent (stale)");
      case attest::Step::kCertChain:
        if (!d.fwid_match && d.device_chain.status == attest::CertStatus::kValid) {
          return Fail(Errc::kFwidMismatch, "attach verify: the evidence FWID differs from the certificate's");
        }
        return Fail(Errc::kChainInvalid, "attach verify: the device certificate chain does not verify");
      case attest::Step::kSignature:
        return Fail(Errc::kBadSignature,
                    "attach verify: the evidence signature is not by the certified attestation key");
      case attest::Step::kDriverRim:
        return Fail(Errc::kRimInvalid, "attach verify: the driver RIM is missing or invalid");
      case attest::Step::kVbiosRim:
        return Fail(Errc::kRimInvalid, "attach verify: the VBIOS RIM is missing or invalid");
      case attest::Step::kMeasurements:
        return Fail(Errc::kMeasurementMismatch, "attach verify: a measurement differs from its reference value");
      case attest::Step::kPolicy:
        break;
    }
  }
  if (d.measurements && !d.measurements->success) {
    return Fail(Errc::kMeasurementMismatch, "attach verify: a measurement differs from its reference value");
  }
  if (!report.policy_passed) {
    if (d.emulated && !policy.options().allow_emulated) {
      return Fail(Errc::kEmulatedNotAllowed, "attach verify: the policy refuses emulated devices");
    }
    return Fail(Errc::kPolicyFailed, "attach verify: the appraisal policy rejects the device");
  }
  return OkStatus();
}

namespace {

// Records the failure and returns the error with a step-naming context; the
// code stays the precise cause.
tl::unexpected<Error> StepFailed(AttachFailure* failure, AttachStep step, const Error& e, const char* context,
                                 std::string why = {}) {
  if (failure != nullptr) {
    failure->step = step;
    failure->error = e;
    failure->why = why.empty() ? e.ToString() : std::move(why);
  }
  return tl::unexpected<Error>(Error{e.code, context});
}

}  // namespace

Result<AttestedSession> AttestAndStartSession(spdm::requester::MessageExchange* exchange,
                                              const LinkOptions& link, const TrustConfig& trust,
                                              AttachFailure* failure, Attestation* attestation_out) {
  namespace wire = spdm::wire;
  if (exchange == nullptr) {
    return StepFailed(failure, AttachStep::kConnect, Error{Errc::kInvalidArgument, "no exchange"},
                      "attach connect: no SPDM connection");
  }
  const Clock& clock = trust.clock != nullptr ? *trust.clock : SystemClock::Get();

  spdm::requester::RequesterConfig qc;
  // NVIDIA's evidence is an SPDM 1.1 exchange: request || response, signed
  // without the 1.2 signing-context prefix.
  qc.versions = {wire::kVersion11};
  qc.roots = trust.device_roots;
  for (const auto& r : trust.emulated_roots) qc.roots.push_back(r);
  qc.clock = &clock;
  qc.binding = link.binding;
  qc.allow_dword_padding = link.allow_dword_padding;
  auto created = spdm::requester::Requester::Create(qc, exchange);
  if (!created) {
    return StepFailed(failure, AttachStep::kConnect, created.error(),
                      "attach connect: the SPDM requester cannot be configured");
  }
  AttestedSession out;
  out.requester = std::move(*created);
  spdm::requester::Requester& r = *out.requester;

  // ---- VCA (DSP0274 1.1 §10.2-10.4).
  if (auto st = r.InitConnection(); !st) {
    return StepFailed(failure, AttachStep::kNegotiate, st.error(),
                      "attach negotiate: GET_VERSION/GET_CAPABILITIES/NEGOTIATE_ALGORITHMS failed");
  }
  out.connection = r.connection();
  if ((out.connection.responder_capabilities & wire::cap::kMeasSig) == 0) {
    return StepFailed(failure, AttachStep::kNegotiate,
                      Error{Errc::kUnsupported, "responder lacks MEAS_CAP signed measurements"},
                      "attach negotiate: the device does not offer signed measurements");
  }

  // ---- Certificate chain (DSP0274 1.1 §10.5-10.6): checked against our roots.
  if (auto d = r.GetDigests(); !d) {
    return StepFailed(failure, AttachStep::kCertificate, d.error(), "attach certificate: GET_DIGESTS failed");
  }
  auto chain = r.GetCertificate();
  if (!chain) {
    return StepFailed(failure, AttachStep::kCertificate, chain.error(),
                      "attach certificate: GET_CERTIFICATE failed or the chain does not verify");
  }
  out.chain = std::move(*chain);

  // ---- Evidence: signed GET_MEASUREMENTS (1.1), all blocks, fresh nonce.
  Attestation& att = out.attestation;
  att.nonce.assign(wire::kNonceSize, 0);
  if (auto st = crypto::RandomBytes(att.nonce); !st) {
    return StepFailed(failure, AttachStep::kEvidence, st.error(), "attach evidence: no fresh nonce (RNG failed)");
  }
  // The requester checks the signature over L1 = request || response (1.1)
  // with the chain's leaf key; the verifier checks it again, with the rest.
  auto meas = r.GetMeasurements(wire::meas::kOpAll, /*signed_request=*/true, std::nullopt,
                                /*raw_bit_stream=*/false, att.nonce);
  if (!meas) {
    return StepFailed(failure, AttachStep::kEvidence, meas.error(),
                      meas.error().code == Errc::kBadSignature
                          ? "attach evidence: MEASUREMENTS is not signed by the certified key over our request"
                          : "attach evidence: signed GET_MEASUREMENTS failed");
  }
  if (meas->request.size() != 37 || meas->response.empty()) {
    return StepFailed(failure, AttachStep::kEvidence,
                      Error{Errc::kUnexpectedMessage, "not an SPDM 1.1 signed GET_MEASUREMENTS exchange"},
                      "attach evidence: the exchange is not NVIDIA's SPDM 1.1 evidence form");
  }
  att.evidence = meas->request;
  att.evidence.insert(att.evidence.end(), meas->response.begin(), meas->response.end());
  // The verifier sees the chain GET_CERTIFICATE returned (leaf first).
  std::vector<crypto::Certificate> leaf_first(out.chain.certs.rbegin(), out.chain.certs.rend());
  att.cert_chain_pem = CertificatesToPem(leaf_first);

  // ---- Verification and policy.
  attest::VerifierConfig vc;
  vc.device_roots = trust.device_roots;
  vc.emulated_roots = trust.emulated_roots;
  vc.rims = trust.rims.get();
  vc.revocation = trust.revocation.get();
  attest::DeviceInput in;
  in.arch = trust.arch;
  in.evidence = att.evidence;
  in.cert_chain_pem = att.cert_chain_pem;
  att.verified_at = clock.Now();
  att.report = attest::Verify(vc, {in}, att.nonce, att.verified_at, trust.policy);
  if (attestation_out != nullptr) *attestation_out = att;
  if (auto st = VerdictOf(att.report, trust.policy); !st) {
    std::string why = st.error().context;
    const auto& d = att.report.devices.empty() ? attest::DeviceReport{} : att.report.devices.front();
    if (!d.why.empty()) why += ": " + d.why;
    for (const auto& reason : att.report.policy_reasons) why += "; " + reason;
    return StepFailed(failure, AttachStep::kVerify, st.error(), st.error().context, std::move(why));
  }

  // ---- Session (DSP0274 1.1 §10.12-10.13): the requester verifies the
  // KEY_EXCHANGE_RSP signature with the leaf key of the chain verified above.
  auto session = r.StartSession();
  if (!session) {
    return StepFailed(failure, AttachStep::kSession, session.error(),
                      session.error().code == Errc::kBadSignature
                          ? "attach session: KEY_EXCHANGE is not signed by the verified device's key"
                          : "attach session: KEY_EXCHANGE/FINISH failed");
  }
  out.session_id = session->session_id;
  return out;
}

}  // namespace ccgpu
