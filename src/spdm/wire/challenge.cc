#include "spdm/wire/challenge.h"

#include "spdm/wire/opaque.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.9 CHALLENGE request (1.3 adds RequesterContext). Trailing
// rule: fixed size.
Result<Challenge> ParseChallenge(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kChallenge, kVersion11, p.negotiated));
  Challenge m;
  m.version = h.version;
  m.slot_id = h.param1;
  m.meas_summary_hash_type = h.param2;
  CCGPU_ASSIGN_OR_RETURN(m.nonce, r.Array<kNonceSize>("spdm.challenge: Nonce"));
  if (h.version >= kVersion13) {
    CCGPU_ASSIGN_OR_RETURN(
        m.requester_context,
        r.Array<kRequesterContextSize>("spdm.challenge: RequesterContext"));
  }
  CCGPU_TRY(ExpectEnd(r, p, "spdm.challenge: bytes after the request"));
  return m;
}

Result<Bytes> SerializeChallenge(const Challenge& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kChallenge, m.slot_id,
              m.meas_summary_hash_type);
  w.Append(m.nonce);
  if (m.version >= kVersion13) w.Append(m.requester_context);
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.9 CHALLENGE_AUTH response. Trailing rule: the message ends
// after the S-byte Signature.
Result<ChallengeAuth> ParseChallengeAuth(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kChallengeAuth, kVersion11, p.negotiated));
  const NegotiatedParams& np = p.negotiated;
  CCGPU_TRY(RequireSize(np.hash_size,
                        "spdm.challenge_auth: hash size not negotiated"));
  CCGPU_TRY(RequireSize(np.signature_size,
                        "spdm.challenge_auth: signature size not negotiated"));
  ChallengeAuth m;
  m.version = h.version;
  m.response_attribute = h.param1;
  m.slot_mask = h.param2;
  CCGPU_ASSIGN_OR_RETURN(
      m.cert_chain_hash,
      r.Take(np.hash_size, "spdm.challenge_auth: CertChainHash"));
  CCGPU_ASSIGN_OR_RETURN(m.nonce,
                         r.Array<kNonceSize>("spdm.challenge_auth: Nonce"));
  if (p.measurement_summary_hash) {
    CCGPU_ASSIGN_OR_RETURN(
        m.measurement_summary_hash,
        r.Take(np.hash_size, "spdm.challenge_auth: MeasurementSummaryHash"));
  }
  CCGPU_ASSIGN_OR_RETURN(m.opaque_data,
                         ReadOpaqueField(r, "spdm.challenge_auth: OpaqueData"));
  if (h.version >= kVersion13) {
    CCGPU_ASSIGN_OR_RETURN(m.requester_context,
                           r.Array<kRequesterContextSize>(
                               "spdm.challenge_auth: RequesterContext"));
  }
  CCGPU_ASSIGN_OR_RETURN(
      m.signature, r.Take(np.signature_size, "spdm.challenge_auth: Signature"));
  CCGPU_TRY(ExpectEnd(r, p, "spdm.challenge_auth: bytes after the Signature"));
  return m;
}

Result<Bytes> SerializeChallengeAuth(const ChallengeAuth& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  ByteWriter w;
  WriteHeader(w, m.version, Code::kChallengeAuth, m.response_attribute,
              m.slot_mask);
  w.Append(m.cert_chain_hash)
      .Append(m.nonce)
      .Append(m.measurement_summary_hash);
  CCGPU_TRY(WriteOpaqueField(w, m.opaque_data));
  if (m.version >= kVersion13) w.Append(m.requester_context);
  w.Append(m.signature);
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
