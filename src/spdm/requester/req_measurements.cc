// GET_MEASUREMENTS → MEASUREMENTS (DSP0274 1.2 §10.11). A signed response is
// verified over L1/L2 = [A ||] every exchange since the last signed one; L
// restarts after a signed response and after an ERROR.
#include "crypto/rng.h"
#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {

Result<MeasurementsInfo> Requester::GetMeasurements(uint8_t operation, bool signed_request,
                                                    std::optional<uint32_t> session_id, bool raw_bit_stream,
                                                    ByteSpan nonce) {
  if (!nonce.empty() && (!signed_request || nonce.size() != wire::kNonceSize)) {
    return Fail(Errc::kInvalidArgument, "spdm requester: a given nonce must be 32 bytes, on a signed request");
  }
  if (!connected_) return Fail(Errc::kStateError, "spdm requester: GET_MEASUREMENTS before VCA");
  SessionState* s = nullptr;
  if (session_id) {
    s = FindSession(*session_id);
    if (s == nullptr || !s->established) return Fail(Errc::kSessionClosed, "spdm requester: no established session with that ID");
  }
  if (signed_request && !leaf_key_) return Fail(Errc::kStateError, "spdm requester: signed measurements before the certificate chain");
  wire::GetMeasurements gm;
  gm.version = conn_.version;
  gm.operation = operation;
  if (signed_request) gm.attributes |= wire::meas::kSignatureRequested;
  if (raw_bit_stream) gm.attributes |= wire::meas::kRawBitStreamRequested;
  if (!nonce.empty()) {
    std::copy(nonce.begin(), nonce.end(), gm.nonce.begin());
  } else if (signed_request) {
    CCGPU_TRY(crypto::RandomBytes(gm.nonce));
  }
  if (conn_.version >= wire::kVersion13) CCGPU_TRY(crypto::RandomBytes(gm.requester_context));
  CCGPU_ASSIGN_OR_RETURN(Bytes req, wire::SerializeGetMeasurements(gm));

  auto& l = s != nullptr ? s->l : l_;
  if (!l) {
    CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(conn_.version));
    CCGPU_ASSIGN_OR_RETURN(auto t, session::MeasurementTranscript::Create(hash_, v, message_a_.bytes()));
    l.emplace(std::move(t));
  }
  auto raw = SendReceive(s, req);
  if (!raw) {
    if (raw.error().code == Errc::kPeerError) (void)l->Reset();  // ERROR restarts L
    return tl::unexpected(raw.error());
  }
  wire::ParseParams p = Params();
  p.measurement_signature = signed_request;
  CCGPU_ASSIGN_OR_RETURN(auto m, Expect<wire::Measurements>(*raw, p));
  if (conn_.version >= wire::kVersion13 && m.message.requester_context != gm.requester_context) {
    return Fail(Errc::kNonceMismatch, "spdm requester: RequesterContext not echoed");
  }
  MeasurementsInfo info;
  if (operation == wire::meas::kOpTotalCount) {
    if (!m.message.blocks.empty()) return Fail(Errc::kMalformed, "spdm requester: blocks in a count-only MEASUREMENTS");
    info.total_count = m.message.param1;
  } else if (operation != wire::meas::kOpAll) {
    if (m.message.blocks.size() != 1 || m.message.blocks[0].index != operation) {
      return Fail(Errc::kMalformed, "spdm requester: MEASUREMENTS does not hold exactly the requested index");
    }
  }
  for (const auto& b : m.message.blocks) {
    if (b.measurement_specification != wire::alg::kMeasSpecDmtf) {
      return Fail(Errc::kUnsupported, "spdm requester: measurement block not in DMTF format");
    }
    CCGPU_ASSIGN_OR_RETURN(wire::DmtfMeasurement dm, wire::ParseDmtfMeasurement(b.measurement));
    info.blocks.push_back(MeasurementInfo{b.index, dm.value_type, Bytes(dm.value.begin(), dm.value.end())});
  }
  const std::size_t signed_len = m.bytes.size() - m.message.signature.size();
  CCGPU_TRY(l->Append(req, m.bytes.first(signed_len), signed_request));
  if (signed_request) {
    if ((m.message.param2 & 0x0F) != 0) return Fail(Errc::kUnexpectedMessage, "spdm requester: MEASUREMENTS signed with another slot");
    CCGPU_ASSIGN_OR_RETURN(Bytes digest, l->Digest());
    CCGPU_TRY(l->Reset());
    CCGPU_TRY(VerifyTranscriptSignature(session::SigningContext::kResponderMeasurements, digest, m.message.signature));
    info.signature_verified = true;
  }
  info.opaque_data.assign(m.message.opaque_data.begin(), m.message.opaque_data.end());
  info.request = std::move(req);
  info.response.assign(m.bytes.begin(), m.bytes.end());
  return info;
}

}  // namespace ccgpu::spdm::requester
