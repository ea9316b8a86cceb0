// VCA: GET_VERSION → VERSION (§10.3), GET_CAPABILITIES → CAPABILITIES
// (§10.4), NEGOTIATE_ALGORITHMS → ALGORITHMS (§10.5) of DSP0274 1.2.
// Message A = the six messages in order. Downgrade rule: every selection must
// be exactly one bit of what we offered.
#include <algorithm>

#include "spdm/requester/requester_internal.h"

namespace ccgpu::spdm::requester {
namespace {

// A selection is acceptable if it is zero (nothing common) or exactly one
// offered bit.
bool InsideOffer(uint32_t selected, uint32_t offered) {
  return selected == 0 || (SingleBit(selected) && (selected & offered) == selected);
}

}  // namespace

Status Requester::InitConnection() {
  // A new VCA resets everything, sessions included.
  for (auto& [id, s] : sessions_) {
    if (s->secure) s->secure->End();
  }
  sessions_.clear();
  connected_ = false;
  conn_ = ConnectionInfo{};
  np_ = wire::NegotiatedParams{};
  message_a_.Reset();
  message_b_.clear();
  l_.reset();
  digest_slot0_.clear();
  cert_chain_.clear();
  cert_chain_hash_.clear();
  leaf_key_.reset();

  // --- GET_VERSION / VERSION ---
  CCGPU_ASSIGN_OR_RETURN(Bytes gv, wire::SerializeGetVersion(wire::GetVersion{}));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw_v, SendReceive(nullptr, gv));
  CCGPU_ASSIGN_OR_RETURN(auto ver, Expect<wire::Version>(raw_v, Params()));
  uint8_t chosen = 0;
  for (const auto& e : ver.message.entries) {
    const uint8_t v = e.version_byte();
    if (std::find(config_.versions.begin(), config_.versions.end(), v) != config_.versions.end()) {
      chosen = std::max(chosen, v);
    }
  }
  if (chosen == 0) return Fail(Errc::kVersionMismatch, "spdm requester: no SPDM version in common");
  message_a_.Append(gv);
  message_a_.Append(ver.bytes);

  // --- GET_CAPABILITIES / CAPABILITIES ---
  wire::GetCapabilities gc;
  gc.version = chosen;
  gc.ct_exponent = config_.ct_exponent;
  gc.flags = config_.capabilities;
  if (chosen >= wire::kVersion12) {
    gc.data_transfer_size = config_.data_transfer_size;
    gc.max_spdm_msg_size = config_.max_spdm_msg_size;
  } else {
    gc.flags &= 0xFFFFu;
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes gc_bytes, wire::SerializeGetCapabilities(gc));
  np_.version = chosen;
  CCGPU_ASSIGN_OR_RETURN(Bytes raw_c, SendReceive(nullptr, gc_bytes));
  CCGPU_ASSIGN_OR_RETURN(auto caps, Expect<wire::Capabilities>(raw_c, Params()));
  conn_.version = chosen;
  conn_.responder_capabilities = caps.message.flags;
  conn_.responder_data_transfer_size = caps.message.data_transfer_size;
  conn_.responder_max_spdm_msg_size = caps.message.max_spdm_msg_size;
  conn_.chunking = chosen >= wire::kVersion12 && (gc.flags & wire::cap::kChunk) != 0 &&
                   (caps.message.flags & wire::cap::kChunk) != 0;
  message_a_.Append(gc_bytes);
  message_a_.Append(caps.bytes);

  // --- NEGOTIATE_ALGORITHMS / ALGORITHMS ---
  wire::NegotiateAlgorithms na;
  na.version = chosen;
  na.measurement_specification = wire::alg::kMeasSpecDmtf;
  na.other_params_support = chosen >= wire::kVersion12 ? wire::alg::kOpaqueDataFmt1 : 0;
  na.base_asym_algo = config_.base_asym;
  na.base_hash_algo = config_.base_hash;
  const bool key_ex = (config_.capabilities & wire::cap::kKeyEx) != 0;
  if (key_ex) {
    na.alg_structs.push_back(wire::AlgStruct{wire::alg::kAlgTypeDhe, config_.dhe, {}});
    na.alg_structs.push_back(wire::AlgStruct{wire::alg::kAlgTypeAead, config_.aead, {}});
    na.alg_structs.push_back(wire::AlgStruct{wire::alg::kAlgTypeKeySchedule, wire::alg::kKeyScheduleSpdm, {}});
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes na_bytes, wire::SerializeNegotiateAlgorithms(na));
  CCGPU_ASSIGN_OR_RETURN(Bytes raw_a, SendReceive(nullptr, na_bytes));
  CCGPU_ASSIGN_OR_RETURN(auto alg, Expect<wire::Algorithms>(raw_a, Params()));
  const wire::Algorithms& a = alg.message;
  if (!InsideOffer(a.base_asym_sel, na.base_asym_algo)) return Fail(Errc::kDowngrade, "spdm requester: BaseAsymSel outside the offer");
  if (!InsideOffer(a.base_hash_sel, na.base_hash_algo)) return Fail(Errc::kDowngrade, "spdm requester: BaseHashSel outside the offer");
  if (!InsideOffer(a.measurement_specification_sel, na.measurement_specification)) {
    return Fail(Errc::kDowngrade, "spdm requester: MeasurementSpecificationSel outside the offer");
  }
  if ((a.other_params_selection & ~na.other_params_support) != 0) {
    return Fail(Errc::kDowngrade, "spdm requester: OtherParamsSelection outside the offer");
  }
  if (!a.ext_asym_sel.empty() || !a.ext_hash_sel.empty()) {
    return Fail(Errc::kDowngrade, "spdm requester: extended algorithm selected though none offered");
  }
  uint16_t dhe = 0, aead = 0;
  for (const wire::AlgStruct& s : a.alg_structs) {
    uint32_t offered = 0;
    bool known = false;
    for (const wire::AlgStruct& o : na.alg_structs) {
      if (o.alg_type == s.alg_type) {
        offered = o.alg_supported;
        known = true;
      }
    }
    if (!known) return Fail(Errc::kDowngrade, "spdm requester: ALGORITHMS answers an AlgType not offered");
    if (!InsideOffer(s.alg_supported, offered) || !s.alg_external.empty()) {
      return Fail(Errc::kDowngrade, "spdm requester: AlgStruct selection outside the offer");
    }
    if (s.alg_type == wire::alg::kAlgTypeDhe) dhe = s.alg_supported;
    if (s.alg_type == wire::alg::kAlgTypeAead) aead = s.alg_supported;
  }
  // MeasurementHashAlgo is the responder's own choice (the request offers
  // only the measurement specification), and the requester computes nothing
  // with it: blocks carry their sizes. Any one defined bit is taken (DMTF's
  // emulator answers SHA-512 by default); zero means no measurements.
  if (a.measurement_hash_algo != 0 &&
      (!SingleBit(a.measurement_hash_algo) || a.measurement_hash_algo > wire::alg::kMeasSm3_256)) {
    return Fail(Errc::kUnsupportedAlgorithm, "spdm requester: MeasurementHashAlgo is not one defined bit");
  }
  auto h = HashFromBit(a.base_hash_sel);
  if (!h) return Fail(Errc::kUnsupportedAlgorithm, "spdm requester: no common base hash");
  message_a_.Append(na_bytes);
  message_a_.Append(alg.bytes);

  hash_ = *h;
  conn_.base_asym = a.base_asym_sel;
  conn_.base_hash = a.base_hash_sel;
  conn_.measurement_hash = a.measurement_hash_algo;
  conn_.dhe = dhe;
  conn_.aead = aead;
  conn_.other_params = a.other_params_selection;
  conn_.handshake_in_the_clear = (config_.capabilities & wire::cap::kHandshakeInTheClear) != 0 &&
                                 (caps.message.flags & wire::cap::kHandshakeInTheClear) != 0;
  np_.hash_size = wire::HashSize(a.base_hash_sel);
  np_.signature_size = wire::SignatureSize(a.base_asym_sel);
  np_.dhe_size = wire::DheExchangeSize(dhe);
  np_.handshake_in_the_clear = conn_.handshake_in_the_clear;
  CCGPU_ASSIGN_OR_RETURN(session::SpdmVersion v, session::SpdmVersionFromByte(chosen));
  CCGPU_ASSIGN_OR_RETURN(auto l, session::MeasurementTranscript::Create(hash_, v, message_a_.bytes()));
  l_.emplace(std::move(l));
  connected_ = true;
  return OkStatus();
}

}  // namespace ccgpu::spdm::requester
