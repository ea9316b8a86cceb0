// GET_CAPABILITIES / CAPABILITIES codecs (DSP0274 1.2 §10.4). Plain values,
// nothing borrowed.
//
// Layout (both directions): header | Reserved(1) | CTExponent(1) | Reserved(2)
// | Flags u32 | [1.2+: DataTransferSize u32 | MaxSPDMmsgSize u32]. 1.1 is 12
// bytes, 1.2/1.3 are 20. Flags are the cap:: constants in common.h.
#ifndef CCGPU_SPDM_WIRE_CAPABILITIES_H_
#define CCGPU_SPDM_WIRE_CAPABILITIES_H_

#include "spdm/wire/common.h"

namespace ccgpu::spdm::wire {

// DSP0274 1.2 §10.4: MinDataTransferSize (the smallest DataTransferSize).
inline constexpr uint32_t kMinDataTransferSize = 42;

struct CapabilitiesFields {
  uint8_t version = kVersion12;
  uint8_t ct_exponent = 0;
  uint32_t flags = 0;
  uint32_t data_transfer_size = 0;  // 1.2+, else 0
  uint32_t max_spdm_msg_size = 0;   // 1.2+, else 0
};

struct GetCapabilities : CapabilitiesFields {
  // 1.3 Param1 bit 0 (SupportedAlgorithms): asks for the Supported Algorithms
  // block in CAPABILITIES. Parsed; our CAPABILITIES never carries the block.
  bool supported_algorithms = false;
};

struct Capabilities : CapabilitiesFields {};

// kTruncated if short; kUnsupported for SPDMVersion 1.0 or > 1.3;
// kMalformed (1.2+) if DataTransferSize < 42 or MaxSPDMmsgSize <
// DataTransferSize; kTrailingData after the fixed size.
Result<GetCapabilities> ParseGetCapabilities(ByteSpan msg,
                                             const ParseParams& p);
Result<Bytes> SerializeGetCapabilities(const GetCapabilities& m);

// As above; also kUnsupported if a 1.3 response sets Param1 bit 0 (a Supported
// Algorithms block we never ask for).
Result<Capabilities> ParseCapabilities(ByteSpan msg, const ParseParams& p);
Result<Bytes> SerializeCapabilities(const Capabilities& m);

}  // namespace ccgpu::spdm::wire

#endif  // CCGPU_SPDM_WIRE_CAPABILITIES_H_
