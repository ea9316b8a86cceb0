// NVIDIA-format attestation evidence from the emulated GPU: the 37-byte
// SPDM 1.1 GET_MEASUREMENTS request followed by the MEASUREMENTS response
// (64 DMTF measurement blocks, responder nonce, NVIDIA opaque TLVs) and a
// 96-byte raw r||s ECDSA-P384/SHA-384 signature by the per-boot attestation
// key over request || response-without-signature. The parts are exposed
// separately for the SPDM responder (which builds its own transcript).
#ifndef CCGPU_GPU_EVIDENCE_BUILDER_H_
#define CCGPU_GPU_EVIDENCE_BUILDER_H_

#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/ec.h"
#include "gpu/config.h"
#include "gpu/measurements.h"

namespace ccgpu::gpu {

inline constexpr std::size_t kNonceSize = 32;
inline constexpr uint8_t kNvdecEnabled = 0xAA;
inline constexpr uint8_t kNvdecDisabled = 0x55;

// NVIDIA opaque-data TLV types the emulator emits (u16 type | u16 len | value).
enum OpaqueType : uint16_t {
  kOpDriverVersion = 3, kOpGpuInfo = 4, kOpVbiosVersion = 6, kOpNvdec0Status = 11,
  kOpMsrscnt = 12, kOpCprinfo = 13, kOpBoardId = 14, kOpChipSku = 15, kOpChipSkuMod = 16,
  kOpProject = 17, kOpProjectSku = 18, kOpProjectSkuMod = 19, kOpFwid = 20,
  kOpProtectedPcieStatus = 21, kOpOpaqueDataVersion = 34, kOpFeatureFlag = 36,
};

// The 37-byte request: 0x11 0xE0 Param1=0x01 (signature) Param2 nonce SlotID=0.
Bytes BuildMeasurementsRequest(ByteSpan nonce /*32*/, uint8_t param2 = 0xFF);

// DSP0274 measurement record: for param2 0xFF all 64 blocks
// (Index 1..64, spec 0x01, size 51, DMTF type 0x01, size 48, SHA-384); for
// 1..64 that one block. kOutOfRange for another param2.
Result<Bytes> BuildMeasurementRecord(const MeasurementSet& set, uint8_t param2 = 0xFF);

// NVIDIA opaque data for this device (VBIOS/driver versions, board/chip
// SKUs, project, MSRSCNT, NVDEC0 status, FWID, PPCIe off, opaque version 1,
// feature flag SPT). kInvalidArgument for a bad VBIOS version text.
Result<Bytes> BuildOpaqueData(const MeasurementSet& set, const DeviceConfig& config);

// The MEASUREMENTS response up to (not including) the signature.
Result<Bytes> BuildMeasurementsResponseUnsigned(const MeasurementSet& set, ByteSpan responder_nonce,
                                                ByteSpan opaque, uint8_t param2 = 0xFF);

// The whole evidence blob: request || response || signature, signed by `ak`
// (P-384). `responder_nonce` is fresh random bytes when empty. kInvalidArgument
// if the nonce is not 32 bytes or the key is not P-384; kCryptoFailure.
Result<Bytes> BuildEvidence(ByteSpan nonce, const MeasurementSet& set, const DeviceConfig& config,
                            const crypto::EcPrivateKey& ak, ByteSpan responder_nonce = {});

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_EVIDENCE_BUILDER_H_
