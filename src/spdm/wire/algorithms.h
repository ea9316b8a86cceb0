// NEGOTIATE_ALGORITHMS / ALGORITHMS codecs (DSP0274 1.2 §10.5, 1.3 MEL spec).
// Borrowed: the ExtAsym/ExtHash/AlgExternal spans point into the input.
//
// NEGOTIATE_ALGORITHMS: header(Param1 = number of AlgStructs) | Length u16 |
//   MeasurementSpecification | OtherParamsSupport (1.2+) | BaseAsymAlgo u32 |
//   BaseHashAlgo u32 | Reserved(12) | ExtAsymCount | ExtHashCount | Reserved |
//   MELspecification (1.3) | ExtAsym[4*A] | ExtHash[4*E] | ReqAlgStruct[n]
// ALGORITHMS: header(Param1 = n) | Length u16 | MeasurementSpecificationSel |
//   OtherParamsSelection (1.2+) | MeasurementHashAlgo u32 | BaseAsymSel u32 |
//   BaseHashSel u32 | Reserved(11) | MELspecificationSel (1.3) |
//   ExtAsymSelCount | ExtHashSelCount | Reserved(2) | ExtAsymSel[4*A] |
//   ExtHashSel[4*E] | RespAlgStruct[n]
// AlgStruct: AlgType | AlgCount (bits 7:4 FixedAlgCount = 2, bits 3:0
//   ExtAlgCount) | AlgSupported u16 | AlgExternal[4*ExtAlgCount]
#ifndef CCGPU_SPDM_WIRE_ALGORITHMS_H_
#define CCGPU_SPDM_WIRE_ALGORITHMS_H_

#include <vector>

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.5: NEGOTIATE_ALGORITHMS Length shall not exceed 128.
inline constexpr std::size_t kMaxNegotiateAlgorithmsLength = 128;

struct AlgStruct {
  uint8_t alg_type = 0;        // alg::kAlgType*
  uint16_t alg_supported = 0;  // bit field of that type
  ByteSpan alg_external;       // 4 * ExtAlgCount bytes (ExtAlgCount <= 15)
};

struct NegotiateAlgorithms {
  uint8_t version = kVersion12;
  uint8_t measurement_specification = 0;
  uint8_t other_params_support = 0;  // 1.2+, else 0
  uint32_t base_asym_algo = 0;
  uint32_t base_hash_algo = 0;
  uint8_t mel_specification = 0;  // 1.3, else 0
  ByteSpan ext_asym;              // 4 * ExtAsymCount bytes
  ByteSpan ext_hash;              // 4 * ExtHashCount bytes
  std::vector<AlgStruct> alg_structs;
};

struct Algorithms {
  uint8_t version = kVersion12;
  uint8_t measurement_specification_sel = 0;
  uint8_t other_params_selection = 0;  // 1.2+, else 0
  uint32_t measurement_hash_algo = 0;
  uint32_t base_asym_sel = 0;
  uint32_t base_hash_sel = 0;
  uint8_t mel_specification_sel = 0;  // 1.3, else 0
  ByteSpan ext_asym_sel;
  ByteSpan ext_hash_sel;
  std::vector<AlgStruct> alg_structs;

  // The AlgSupported of the struct of `alg_type`, or 0 if absent.
  uint16_t Selected(uint8_t alg_type) const;
};

// kTruncated if the input ends early; kMalformed if Length differs from the
// parsed size, Length > 128, an AlgStruct's FixedAlgCount is not 2, or AlgTypes
// are not strictly increasing; kTrailingData after the last AlgStruct.
Result<NegotiateAlgorithms> ParseNegotiateAlgorithms(ByteSpan msg,
                                                     const ParseParams& p);
// kInvalidArgument if a span is not a multiple of 4 or a count overflows.
Result<Bytes> SerializeNegotiateAlgorithms(const NegotiateAlgorithms& m);

// As for the request (no 128-byte limit).
Result<Algorithms> ParseAlgorithms(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeAlgorithms(const Algorithms& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_ALGORITHMS_H_
