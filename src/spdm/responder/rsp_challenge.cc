// CHALLENGE → CHALLENGE_AUTH (DSP0274 1.2 §10.9). The signature covers
//   M1/M2 = Hash(A || B || C), C = CHALLENGE || CHALLENGE_AUTH (no Signature)
// with B every GET_DIGESTS/DIGESTS/GET_CERTIFICATE/CERTIFICATE since VCA or
// the previous CHALLENGE; B starts over afterwards.
#include "crypto/rng.h"
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {

Result<Bytes> Responder::MeasurementSummaryHash(uint8_t type) {
  // DSP0274 1.2 §10.9: hash (BaseHashAlgo) of the concatenated measurement
  // blocks: all of them (0xFF) or those in the TCB (0x01).
  if (!config_.measurements || neg_.meas_hash == 0) return Invalid("spdm responder: no measurements to summarise");
  CCGPU_ASSIGN_OR_RETURN(auto entries, config_.measurements->Collect());
  auto mh = MeasHashFromBit(neg_.meas_hash);
  if (!mh) return Fail(Errc::kUnsupportedAlgorithm, "spdm responder: measurement hash");
  ByteWriter w;
  std::vector<Bytes> keep;
  for (const MeasurementEntry& e : entries) {
    if (type == wire::kMeasSummaryHashTcb && !e.tcb) continue;
    Bytes digest;
    if (e.is_digest) {
      digest = e.value;
    } else {
      CCGPU_ASSIGN_OR_RETURN(digest, crypto::Hash(*mh, e.value));
    }
    keep.push_back(std::move(digest));
    CCGPU_ASSIGN_OR_RETURN(Bytes dm, wire::SerializeDmtfMeasurement(wire::DmtfMeasurement{e.value_type, keep.back()}));
    keep.push_back(std::move(dm));
    CCGPU_TRY(wire::WriteMeasurementBlock(w, wire::MeasurementBlock{e.index, wire::alg::kMeasSpecDmtf, keep.back()}));
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes all, std::move(w).Finish());
  return crypto::Hash(neg_.hash, all);
}

Result<Bytes> Responder::OnChallenge(const wire::Challenge& m, const Ctx& ctx) {
  if ((neg_.rsp_caps & wire::cap::kChal) == 0) return Unsupported("spdm responder: CHAL_CAP not set");
  if (ctx.session != nullptr) return Unexpected("spdm responder: CHALLENGE inside a session");
  if (cert_chain_.empty() || neg_.base_asym == 0) return Unexpected("spdm responder: no common hash/asym algorithm");
  if (m.slot_id != 0) return Invalid("spdm responder: CHALLENGE slot not provisioned");
  if (m.meas_summary_hash_type != wire::kMeasSummaryHashNone && m.meas_summary_hash_type != wire::kMeasSummaryHashTcb &&
      m.meas_summary_hash_type != wire::kMeasSummaryHashAll) {
    return Invalid("spdm responder: MeasurementSummaryHashType reserved value");
  }
  if (m.meas_summary_hash_type != wire::kMeasSummaryHashNone && (neg_.rsp_caps & wire::cap::kMeasMask) == 0) {
    return Invalid("spdm responder: measurement summary without MEAS_CAP");
  }
  wire::ChallengeAuth a;
  a.version = neg_.version;
  a.response_attribute = 0;  // SlotID 0
  a.slot_mask = 0x01;
  a.cert_chain_hash = cert_chain_hash_;
  CCGPU_TRY(crypto::RandomBytes(a.nonce));
  Bytes summary;
  if (m.meas_summary_hash_type != wire::kMeasSummaryHashNone) {
    CCGPU_ASSIGN_OR_RETURN(summary, MeasurementSummaryHash(m.meas_summary_hash_type));
    a.measurement_summary_hash = summary;
  }
  a.requester_context = m.requester_context;
  const Bytes zero_sig(neg_.wire.signature_size, 0);
  a.signature = zero_sig;
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializeChallengeAuth(a));
  const std::size_t signed_len = rsp.size() - zero_sig.size();
  CCGPU_ASSIGN_OR_RETURN(auto m1, session::ChallengeTranscript::Create(neg_.hash, message_a_.bytes()));
  CCGPU_TRY(m1.AppendB(message_b_));
  CCGPU_TRY(m1.AppendC(ctx.request, ByteSpan(rsp).first(signed_len)));
  CCGPU_ASSIGN_OR_RETURN(Bytes digest, m1.Digest());
  CCGPU_ASSIGN_OR_RETURN(Bytes sig, SignTranscript(session::SigningContext::kResponderChallengeAuth, digest));
  if (config_.fault == Fault::kBadChallengeSignature) FlipBit(sig, 7);
  std::copy(sig.begin(), sig.end(), rsp.begin() + static_cast<std::ptrdiff_t>(signed_len));
  message_b_.clear();
  return rsp;
}

}  // namespace ccgpu::spdm::responder
