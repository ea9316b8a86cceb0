// NEGOTIATE_ALGORITHMS → ALGORITHMS (DSP0274 1.2 §10.5): one bit per field,
// always a subset of what the requester offered, chosen by the configured
// preference order.
#include "spdm/responder/responder_internal.h"

namespace ccgpu::spdm::responder {
namespace {

template <typename T>
uint32_t PickByPreference(const std::vector<T>& pref, uint32_t offered) {
  for (T b : pref) {
    if ((offered & b) != 0) return b;
  }
  return 0;
}

}  // namespace

Result<Bytes> Responder::OnNegotiateAlgorithms(const wire::NegotiateAlgorithms& m, const Ctx& ctx) {
  if (ctx.session != nullptr) return Unexpected("spdm responder: NEGOTIATE_ALGORITHMS inside a session");
  if (state_ != ConnState::kAfterCapabilities) return Unexpected("spdm responder: NEGOTIATE_ALGORITHMS out of order");
  if ((m.measurement_specification & ~wire::alg::kMeasSpecDmtf) != 0 && m.measurement_specification != 0 &&
      (m.measurement_specification & wire::alg::kMeasSpecDmtf) == 0) {
    return Invalid("spdm responder: only the DMTF measurement specification exists");
  }
  const uint32_t caps = neg_.rsp_caps;
  const bool meas = (caps & wire::cap::kMeasMask) != 0;
  const bool key_ex = (caps & wire::cap::kKeyEx) != 0 && (neg_.req_caps & wire::cap::kKeyEx) != 0;

  wire::Algorithms a;
  a.version = neg_.version;
  a.measurement_specification_sel = meas ? (m.measurement_specification & wire::alg::kMeasSpecDmtf) : 0;
  const uint32_t our_asym = AsymBitFromCurve(config_.signer->curve());
  a.base_asym_sel = (m.base_asym_algo & our_asym) != 0 ? our_asym : 0;
  a.base_hash_sel = PickByPreference(config_.base_hash, m.base_hash_algo);
  if (config_.fault == Fault::kAlgorithmOutsideOffer) {
    // Selects a hash the requester never offered (fault injection).
    a.base_hash_sel = (m.base_hash_algo & wire::alg::kSha512) == 0 ? wire::alg::kSha512 : wire::alg::kSha3_384;
  }
  if (a.measurement_specification_sel != 0) {
    // The responder's own choice (the request offers no measurement hash):
    // the configured one, else the digest that matches the base hash.
    a.measurement_hash_algo = config_.measurement_hash != 0 ? config_.measurement_hash
                              : a.base_hash_sel == wire::alg::kSha256 ? wire::alg::kMeasSha256
                                                                      : wire::alg::kMeasSha384;
  }
  if (neg_.version >= wire::kVersion12 && (m.other_params_support & wire::alg::kOpaqueDataFmt1) != 0) {
    a.other_params_selection = wire::alg::kOpaqueDataFmt1;
  }
  uint16_t dhe = 0, aead = 0;
  for (const wire::AlgStruct& s : m.alg_structs) {
    wire::AlgStruct r;
    r.alg_type = s.alg_type;
    switch (s.alg_type) {
      case wire::alg::kAlgTypeDhe:
        dhe = key_ex ? static_cast<uint16_t>(PickByPreference(config_.dhe, s.alg_supported)) : 0;
        r.alg_supported = dhe;
        break;
      case wire::alg::kAlgTypeAead:
        aead = key_ex ? static_cast<uint16_t>(PickByPreference(config_.aead, s.alg_supported)) : 0;
        r.alg_supported = aead;
        break;
      case wire::alg::kAlgTypeReqBaseAsym:
        r.alg_supported = 0;  // no mutual authentication
        break;
      case wire::alg::kAlgTypeKeySchedule:
        r.alg_supported = key_ex ? (s.alg_supported & wire::alg::kKeyScheduleSpdm) : 0;
        break;
      default:
        return Invalid("spdm responder: unknown AlgType");
    }
    a.alg_structs.push_back(r);
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes rsp, wire::SerializeAlgorithms(a));

  neg_.base_asym = a.base_asym_sel;
  neg_.base_hash = a.base_hash_sel;
  neg_.meas_hash = a.measurement_hash_algo;
  neg_.meas_spec = a.measurement_specification_sel;
  neg_.dhe = dhe;
  neg_.aead = aead;
  neg_.other_params = a.other_params_selection;
  neg_.wire.hash_size = wire::HashSize(a.base_hash_sel);
  neg_.wire.signature_size = wire::SignatureSize(a.base_asym_sel);
  neg_.wire.dhe_size = wire::DheExchangeSize(dhe);
  neg_.wire.handshake_in_the_clear = (neg_.req_caps & wire::cap::kHandshakeInTheClear) != 0 &&
                                     (neg_.rsp_caps & wire::cap::kHandshakeInTheClear) != 0;
  message_a_.Append(ctx.request);
  message_a_.Append(rsp);
  state_ = ConnState::kNegotiated;
  if (auto h = HashFromBit(a.base_hash_sel)) {
    neg_.hash = *h;
    const EncodedChain* encoded = nullptr;
    for (const EncodedChain& e : encoded_chains_) {
      if (e.hash == *h) encoded = &e;
    }
    if (encoded == nullptr) {
      CCGPU_ASSIGN_OR_RETURN(Bytes chain, BuildCertChain(*h, config_.cert_chain_der));
      CCGPU_ASSIGN_OR_RETURN(Bytes digest, crypto::Hash(*h, chain));
      encoded_chains_.push_back({*h, std::move(chain), std::move(digest)});
      encoded = &encoded_chains_.back();
    }
    cert_chain_ = encoded->chain;
    cert_chain_hash_ = encoded->digest;
    CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(neg_.version));
    CCGPU_ASSIGN_OR_RETURN(auto l, session::MeasurementTranscript::Create(*h, v, message_a_.bytes()));
    l_.emplace(std::move(l));
  }
  return rsp;
}

}  // namespace ccgpu::spdm::responder
