// GET_MEASUREMENTS → MEASUREMENTS (DSP0274 1.2 §10.11). A signed response
// covers L1/L2 = [A ||] every GET_MEASUREMENTS/MEASUREMENTS since the last
// signed one (the last without its Signature); L restarts after a signed
// response and after an ERROR (handled in Responder::Handle).
#include "crypto/rng.h"
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {

Result<Bytes> Responder::OnGetMeasurements(const wire::GetMeasurements& m, const Ctx& ctx) {
  const uint32_t meas_cap = neg_.rsp_caps & wire::cap::kMeasMask;
  if (meas_cap == 0 || !config_.measurements) return Unsupported("spdm responder: MEAS_CAP not set");
  if (ctx.session != nullptr && !ctx.session->established) {
    return Unexpected("spdm responder: GET_MEASUREMENTS during the session handshake");
  }
  if (neg_.meas_hash == 0) return Unexpected("spdm responder: no measurement hash negotiated");
  const bool sign = m.signature_requested();
  if (sign && meas_cap != wire::cap::kMeasSig) return Invalid("spdm responder: signed measurements not supported");
  if (sign && (m.slot_id_param & 0x0F) != 0) return Invalid("spdm responder: measurement signing slot not provisioned");
  if (sign && (cert_chain_.empty() || neg_.base_asym == 0)) return Unexpected("spdm responder: no common asym algorithm");
  auto mh = MeasHashFromBit(neg_.meas_hash);
  if (!mh) return Fail(Errc::kUnsupportedAlgorithm, "spdm responder: measurement hash");
  CCGPU_ASSIGN_OR_RETURN(auto entries, config_.measurements->Collect());

  wire::Measurements r;
  r.version = neg_.version;
  std::vector<Bytes> keep;  // owns the bytes the blocks borrow
  keep.reserve(entries.size() * 2);
  const bool raw = (m.attributes & wire::meas::kRawBitStreamRequested) != 0;
  auto add_block = [&](const MeasurementEntry& e) -> Status {
    wire::DmtfMeasurement dm;
    if (raw && !e.is_digest) {
      dm.value_type = static_cast<uint8_t>(e.value_type | wire::meas::kRawBitStream);
      keep.push_back(e.value);
    } else if (e.is_digest) {
      dm.value_type = e.value_type;
      keep.push_back(e.value);
    } else {
      dm.value_type = e.value_type;
      CCGPU_ASSIGN_OR_RETURN(Bytes d, crypto::Hash(*mh, e.value));
      keep.push_back(std::move(d));
    }
    dm.value = keep.back();
    CCGPU_ASSIGN_OR_RETURN(Bytes enc, wire::SerializeDmtfMeasurement(dm));
    keep.push_back(std::move(enc));
    r.blocks.push_back(wire::MeasurementBlock{e.index, wire::alg::kMeasSpecDmtf, keep.back()});
    return OkStatus();
  };
  if (m.operation == wire::meas::kOpTotalCount) {
    r.param1 = static_cast<uint8_t>(entries.size());
  } else if (m.operation == wire::meas::kOpAll) {
    for (const auto& e : entries) CCGPU_TRY(add_block(e));
  } else {
    bool found = false;
    for (const auto& e : entries) {
      if (e.index == m.operation) {
        CCGPU_TRY(add_block(e));
        found = true;
      }
    }
    // DSP0274 1.2 §10.11: an absent index is InvalidRequest (DMTF's requester
    // walks 1..0xFE and expects exactly that).
    if (!found) return Invalid("spdm responder: no measurement at that index");
  }
  if (sign) r.param2 = 0;  // SlotID 0
  CCGPU_TRY(crypto::RandomBytes(r.nonce));
  r.requester_context = m.requester_context;
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque, config_.measurements->OpaqueData());
  r.opaque_data = opaque;
  const Bytes zero_sig(sign ? neg_.wire.signature_size : 0, 0);
  r.signature = zero_sig;
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializeMeasurements(r));

  auto& l = ctx.session != nullptr ? ctx.session->l : l_;
  if (!l) {
    CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(neg_.version));
    CCGPU_ASSIGN_OR_RETURN(auto t, session::MeasurementTranscript::Create(neg_.hash, v, message_a_.bytes()));
    l.emplace(std::move(t));
  }
  const std::size_t signed_len = rsp.size() - zero_sig.size();
  CCGPU_TRY(l->Append(ctx.request, ByteSpan(rsp).first(signed_len), sign));
  if (sign) {
    CCGPU_ASSIGN_OR_RETURN(Bytes digest, l->Digest());
    CCGPU_TRY(l->Reset());
    CCGPU_ASSIGN_OR_RETURN(Bytes sig, SignTranscript(session::SigningContext::kResponderMeasurements, digest));
    if (config_.fault == Fault::kBadMeasurementSignature) FlipBit(sig, 11);
    std::copy(sig.begin(), sig.end(), rsp.begin() + static_cast<std::ptrdiff_t>(signed_len));
    if (config_.fault == Fault::kStaleMeasurement) {
      if (cached_signed_measurements_.empty()) {
        cached_signed_measurements_ = rsp;
      } else {
        return cached_signed_measurements_;  // a replay of the first signed answer
      }
    }
    if (config_.fault == Fault::kResponseNotReadyOnce && !fault_fired_) {
      fault_fired_ = true;
      deferred_ = Deferred{static_cast<uint8_t>(wire::Code::kGetMeasurements), next_token_++, rsp};
      wire::ErrorResponse e;
      e.version = neg_.version;
      e.error_code = wire::ErrorCode::kResponseNotReady;
      e.response_not_ready = wire::ResponseNotReadyData{1, deferred_->request_code, deferred_->token, 2};
      return wire::SerializeError(e);
    }
  }
  return rsp;
}

Result<Bytes> Responder::OnRespondIfReady(const wire::RespondIfReady& m, const Ctx&) {
  // DSP0274 1.2 §10.13: only after ResponseNotReady, with its code and token.
  if (!deferred_ || deferred_->request_code != m.request_code || deferred_->token != m.token) {
    return Unexpected("spdm responder: RESPOND_IF_READY without a matching ResponseNotReady");
  }
  Bytes rsp = std::move(deferred_->response);
  deferred_.reset();
  return rsp;
}

}  // namespace ccgpu::spdm::responder
