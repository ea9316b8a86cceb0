// CHALLENGE → CHALLENGE_AUTH (DSP0274 1.2 §10.9). The signature must verify
// over M1/M2 = Hash(A || B || C) as this requester recorded them; B starts
// over afterwards.
#include "base/ct.h"
#include "crypto/rng.h"
#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {

Result<Bytes> Requester::Challenge(uint8_t meas_summary_hash_type) {
  if (!connected_) return Fail(Errc::kStateError, "spdm requester: CHALLENGE before VCA");
  if (!leaf_key_) return Fail(Errc::kStateError, "spdm requester: CHALLENGE before the certificate chain");
  wire::Challenge ch;
  ch.version = conn_.version;
  ch.slot_id = 0;
  ch.meas_summary_hash_type = meas_summary_hash_type;
  CCGPU_TRY(crypto::RandomBytes(ch.nonce));
  if (conn_.version >= wire::kVersion13) CCGPU_TRY(crypto::RandomBytes(ch.requester_context));
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeChallenge(ch));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw, SendReceive(nullptr, req));
  wire::ParseParams p = Params();
  p.measurement_summary_hash = meas_summary_hash_type != wire::kMeasSummaryHashNone;
  CCGPU_ASSIGN_OR_RETURN(auto a, Expect<wire::ChallengeAuth>(raw, p));
  if ((a.message.response_attribute & 0x0F) != 0) return Fail(Errc::kUnexpectedMessage, "spdm requester: CHALLENGE_AUTH for another slot");
  if ((a.message.slot_mask & 0x01) == 0) return Fail(Errc::kUnexpectedMessage, "spdm requester: CHALLENGE_AUTH SlotMask lacks slot 0");
  if (!CtEqual(a.message.cert_chain_hash, cert_chain_hash_)) {
    return Fail(Errc::kChainInvalid, "spdm requester: CertChainHash differs from the retrieved chain");
  }
  if (conn_.version >= wire::kVersion13 && a.message.requester_context != ch.requester_context) {
    return Fail(Errc::kNonceMismatch, "spdm requester: RequesterContext not echoed");
  }
  const std::size_t signed_len = a.bytes.size() - a.message.signature.size();
  CCGPU_ASSIGN_OR_RETURN(auto m1, session::ChallengeTranscript::Create(hash_, message_a_.bytes()));
  CCGPU_TRY(m1.AppendB(message_b_));
  CCGPU_TRY(m1.AppendC(req, a.bytes.first(signed_len)));
  CCGPU_ASSIGN_OR_RETURN(Bytes digest, m1.Digest());
  message_b_.clear();
  CCGPU_TRY(VerifyTranscriptSignature(session::SigningContext::kResponderChallengeAuth, digest, a.message.signature));
  return Bytes(a.message.measurement_summary_hash.begin(), a.message.measurement_summary_hash.end());
}

}  // namespace ccgpu::spdm::requester
