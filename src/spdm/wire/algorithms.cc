#include "spdm/wire/algorithms.h"

namespace ccgpu::spdm::wire {
namespace {

// DSP0274 1.2 §10.5 AlgStruct tables (Tables "DHE", "AEAD", "ReqBaseAsymAlg",
// "KeySchedule" structure).
Result<std::vector<AlgStruct>> ParseAlgStructs(ByteReader& r, uint8_t n) {
  std::vector<AlgStruct> out;
  out.reserve(n);
  int last_type = -1;
  for (uint8_t i = 0; i < n; ++i) {
    ByteReader probe = r;
    AlgStruct a;
    CCGPU_ASSIGN_OR_RETURN(a.alg_type,
                           probe.U8("spdm.algorithms: AlgStruct.AlgType"));
    CCGPU_ASSIGN_OR_RETURN(uint8_t count,
                           probe.U8("spdm.algorithms: AlgStruct.AlgCount"));
    if ((count >> 4) != 2) {
      return Fail(Errc::kMalformed,
                  "spdm.algorithms: AlgStruct FixedAlgCount is not 2");
    }
    CCGPU_ASSIGN_OR_RETURN(
        a.alg_supported, probe.U16("spdm.algorithms: AlgStruct.AlgSupported"));
    CCGPU_ASSIGN_OR_RETURN(
        a.alg_external,
        probe.TakeArray(count & 0x0F, 4,
                        "spdm.algorithms: AlgStruct.AlgExternal"));
    if (static_cast<int>(a.alg_type) <= last_type) {
      return Fail(Errc::kMalformed,
                  "spdm.algorithms: AlgStruct AlgType not strictly increasing");
    }
    last_type = a.alg_type;
    r = probe;
    out.push_back(a);
  }
  return out;
}

Status WriteAlgStructs(ByteWriter& w, const std::vector<AlgStruct>& v) {
  if (v.size() > 255)
    return Fail(Errc::kInvalidArgument,
                "spdm.algorithms: more than 255 AlgStructs");
  for (const auto& a : v) {
    if (a.alg_external.size() % 4 != 0 || a.alg_external.size() / 4 > 15) {
      return Fail(
          Errc::kInvalidArgument,
          "spdm.algorithms: AlgExternal must be 0..15 entries of 4 bytes");
    }
    w.U8(a.alg_type)
        .U8(0x20 | (a.alg_external.size() / 4))
        .U16(a.alg_supported)
        .Append(a.alg_external);
  }
  return OkStatus();
}

Status CheckExt(ByteSpan s) {
  if (s.size() % 4 != 0 || s.size() / 4 > 255) {
    return Fail(Errc::kInvalidArgument,
                "spdm.algorithms: extended algorithm list must be 0..255 "
                "entries of 4 bytes");
  }
  return OkStatus();
}

}  // namespace

uint16_t Algorithms::Selected(uint8_t alg_type) const {
  for (const auto& a : alg_structs) {
    if (a.alg_type == alg_type) return a.alg_supported;
  }
  return 0;
}

// DSP0274 1.2 §10.5 NEGOTIATE_ALGORITHMS request. Trailing rule: the message
// ends after the n-th ReqAlgStruct, and Length must equal that size.
Result<NegotiateAlgorithms> ParseNegotiateAlgorithms(ByteSpan msg,
                                                     const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(Header h, ReadHeader(r, Code::kNegotiateAlgorithms,
                                              kVersion11, p.negotiated));
  NegotiateAlgorithms m;
  m.version = h.version;
  CCGPU_ASSIGN_OR_RETURN(uint16_t length,
                         r.U16("spdm.negotiate_algorithms: Length"));
  CCGPU_ASSIGN_OR_RETURN(
      m.measurement_specification,
      r.U8("spdm.negotiate_algorithms: MeasurementSpecification"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t other,
                         r.U8("spdm.negotiate_algorithms: OtherParamsSupport"));
  if (h.version >= kVersion12) m.other_params_support = other;
  CCGPU_ASSIGN_OR_RETURN(m.base_asym_algo,
                         r.U32("spdm.negotiate_algorithms: BaseAsymAlgo"));
  CCGPU_ASSIGN_OR_RETURN(m.base_hash_algo,
                         r.U32("spdm.negotiate_algorithms: BaseHashAlgo"));
  CCGPU_TRY(r.Skip(12, "spdm.negotiate_algorithms: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t ext_asym_count,
                         r.U8("spdm.negotiate_algorithms: ExtAsymCount"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t ext_hash_count,
                         r.U8("spdm.negotiate_algorithms: ExtHashCount"));
  CCGPU_TRY(r.Skip(1, "spdm.negotiate_algorithms: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t mel,
                         r.U8("spdm.negotiate_algorithms: MELspecification"));
  if (h.version >= kVersion13) m.mel_specification = mel;
  CCGPU_ASSIGN_OR_RETURN(
      m.ext_asym,
      r.TakeArray(ext_asym_count, 4, "spdm.negotiate_algorithms: ExtAsym"));
  CCGPU_ASSIGN_OR_RETURN(
      m.ext_hash,
      r.TakeArray(ext_hash_count, 4, "spdm.negotiate_algorithms: ExtHash"));
  CCGPU_ASSIGN_OR_RETURN(m.alg_structs, ParseAlgStructs(r, h.param1));
  CCGPU_TRY(ExpectEnd(
      r, p, "spdm.negotiate_algorithms: bytes after the last ReqAlgStruct"));
  if (length != r.offset()) {
    return Fail(
        Errc::kMalformed,
        "spdm.negotiate_algorithms: Length differs from the message size");
  }
  if (length > kMaxNegotiateAlgorithmsLength) {
    return Fail(Errc::kMalformed,
                "spdm.negotiate_algorithms: Length exceeds 128");
  }
  return m;
}

Result<Bytes> SerializeNegotiateAlgorithms(const NegotiateAlgorithms& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  CCGPU_TRY(CheckExt(m.ext_asym));
  CCGPU_TRY(CheckExt(m.ext_hash));
  if (m.alg_structs.size() > 255)
    return Fail(Errc::kInvalidArgument,
                "spdm.negotiate_algorithms: too many AlgStructs");
  ByteWriter w;
  WriteHeader(w, m.version, Code::kNegotiateAlgorithms,
              static_cast<uint8_t>(m.alg_structs.size()), 0);
  const std::size_t length_pos = w.Reserve(2);
  w.U8(m.measurement_specification)
      .U8(m.version >= kVersion12 ? m.other_params_support : 0)
      .U32(m.base_asym_algo)
      .U32(m.base_hash_algo)
      .Zeros(12)
      .U8(m.ext_asym.size() / 4)
      .U8(m.ext_hash.size() / 4)
      .U8(0)
      .U8(m.version >= kVersion13 ? m.mel_specification : 0)
      .Append(m.ext_asym)
      .Append(m.ext_hash);
  CCGPU_TRY(WriteAlgStructs(w, m.alg_structs));
  w.Patch(length_pos, 2, w.size());
  return std::move(w).Finish();
}

// DSP0274 1.2 §10.5 ALGORITHMS response. Trailing rule as for the request.
Result<Algorithms> ParseAlgorithms(ByteSpan msg, const ParseParams& p) {
  ByteReader r(msg);
  CCGPU_ASSIGN_OR_RETURN(
      Header h, ReadHeader(r, Code::kAlgorithms, kVersion11, p.negotiated));
  Algorithms m;
  m.version = h.version;
  CCGPU_ASSIGN_OR_RETURN(uint16_t length, r.U16("spdm.algorithms: Length"));
  CCGPU_ASSIGN_OR_RETURN(m.measurement_specification_sel,
                         r.U8("spdm.algorithms: MeasurementSpecificationSel"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t other,
                         r.U8("spdm.algorithms: OtherParamsSelection"));
  if (h.version >= kVersion12) m.other_params_selection = other;
  CCGPU_ASSIGN_OR_RETURN(m.measurement_hash_algo,
                         r.U32("spdm.algorithms: MeasurementHashAlgo"));
  CCGPU_ASSIGN_OR_RETURN(m.base_asym_sel,
                         r.U32("spdm.algorithms: BaseAsymSel"));
  CCGPU_ASSIGN_OR_RETURN(m.base_hash_sel,
                         r.U32("spdm.algorithms: BaseHashSel"));
  CCGPU_TRY(r.Skip(11, "spdm.algorithms: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t mel,
                         r.U8("spdm.algorithms: MELspecificationSel"));
  if (h.version >= kVersion13) m.mel_specification_sel = mel;
  CCGPU_ASSIGN_OR_RETURN(uint8_t ext_asym_count,
                         r.U8("spdm.algorithms: ExtAsymSelCount"));
  CCGPU_ASSIGN_OR_RETURN(uint8_t ext_hash_count,
                         r.U8("spdm.algorithms: ExtHashSelCount"));
  CCGPU_TRY(r.Skip(2, "spdm.algorithms: Reserved"));
  CCGPU_ASSIGN_OR_RETURN(
      m.ext_asym_sel,
      r.TakeArray(ext_asym_count, 4, "spdm.algorithms: ExtAsymSel"));
  CCGPU_ASSIGN_OR_RETURN(
      m.ext_hash_sel,
      r.TakeArray(ext_hash_count, 4, "spdm.algorithms: ExtHashSel"));
  CCGPU_ASSIGN_OR_RETURN(m.alg_structs, ParseAlgStructs(r, h.param1));
  CCGPU_TRY(
      ExpectEnd(r, p, "spdm.algorithms: bytes after the last RespAlgStruct"));
  if (length != r.offset()) {
    return Fail(Errc::kMalformed,
                "spdm.algorithms: Length differs from the message size");
  }
  return m;
}

Result<Bytes> SerializeAlgorithms(const Algorithms& m) {
  CCGPU_TRY(CheckVersion(m.version, kVersion11));
  CCGPU_TRY(CheckExt(m.ext_asym_sel));
  CCGPU_TRY(CheckExt(m.ext_hash_sel));
  if (m.alg_structs.size() > 255)
    return Fail(Errc::kInvalidArgument, "spdm.algorithms: too many AlgStructs");
  ByteWriter w;
  WriteHeader(w, m.version, Code::kAlgorithms,
              static_cast<uint8_t>(m.alg_structs.size()), 0);
  const std::size_t length_pos = w.Reserve(2);
  w.U8(m.measurement_specification_sel)
      .U8(m.version >= kVersion12 ? m.other_params_selection : 0)
      .U32(m.measurement_hash_algo)
      .U32(m.base_asym_sel)
      .U32(m.base_hash_sel)
      .Zeros(11)
      .U8(m.version >= kVersion13 ? m.mel_specification_sel : 0)
      .U8(m.ext_asym_sel.size() / 4)
      .U8(m.ext_hash_sel.size() / 4)
      .Zeros(2)
      .Append(m.ext_asym_sel)
      .Append(m.ext_hash_sel);
  CCGPU_TRY(WriteAlgStructs(w, m.alg_structs));
  w.Patch(length_pos, 2, w.size());
  return std::move(w).Finish();
}

}  // namespace ccgpu::spdm::wire
