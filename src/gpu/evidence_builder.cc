#include "gpu/evidence_builder.h"

#include "crypto/rng.h"

namespace ccgpu::gpu {
namespace {

// Text padded with NULs to `width` (NVIDIA's fixed-size ASCII fields), or
// NUL-terminated when width is 0.
Bytes PaddedText(const std::string& text, std::size_t width) {
  Bytes out(text.begin(), text.end());
  out.resize(width == 0 ? text.size() + 1 : std::max(width, text.size() + 1), 0);
  return out;
}

void Tlv(ByteWriter& w, uint16_t type, ByteSpan value) {
  w.U16(type, "opaque.type").U16(value.size(), "opaque.length").Append(value, "opaque.value");
}

}  // namespace

Bytes BuildMeasurementsRequest(ByteSpan nonce, uint8_t param2) {
  ByteWriter w;
  w.U8(0x11).U8(0xE0).U8(0x01).U8(param2).Append(nonce).U8(0x00);
  auto r = std::move(w).Finish();
  CCGPU_CHECK(r.has_value());
  return *r;
}

Result<Bytes> BuildMeasurementRecord(const MeasurementSet& set, uint8_t param2) {
  if (param2 != 0xFF && (param2 == 0 || param2 > kNumMeasurements)) {
    return Fail(Errc::kOutOfRange, "measurements: no such measurement index");
  }
  ByteWriter w;
  for (std::size_t i = 0; i < kNumMeasurements; ++i) {
    if (param2 != 0xFF && i + 1 != param2) continue;
    w.U8(i + 1, "block.index").U8(0x01, "block.spec").U16(3 + kMeasurementSize, "block.size");
    w.U8(0x01, "dmtf.type").U16(kMeasurementSize, "dmtf.size").Append(set.value[i], "dmtf.value");
  }
  return std::move(w).Finish();
}

Result<Bytes> BuildOpaqueData(const MeasurementSet& set, const DeviceConfig& config) {
  CCGPU_ASSIGN_OR_RETURN(Bytes vbios, EncodeVbiosVersion(config.vbios_version));
  ByteWriter w;
  Tlv(w, kOpVbiosVersion, vbios);
  const uint8_t board_id[4] = {0xE1, 0xC0, 0x00, 0x00};
  Tlv(w, kOpBoardId, board_id);
  Tlv(w, kOpChipSku, PaddedText(config.chip_sku, 9));
  Tlv(w, kOpChipSkuMod, PaddedText("0", 5));
  Tlv(w, kOpProject, PaddedText(config.project, 5));
  Tlv(w, kOpProjectSku, PaddedText(config.project_sku, 5));
  const uint8_t sku_mod[2] = {0, 0};
  Tlv(w, kOpProjectSkuMod, sku_mod);
  Tlv(w, kOpDriverVersion, PaddedText(config.driver_version, 0));
  const uint8_t gpu_info[8] = {0x80, 0x01, 0, 0, 0, 0, 0, 0};
  Tlv(w, kOpGpuInfo, gpu_info);
  {
    ByteWriter counts;
    for (uint32_t c : set.count) counts.U32(c);
    CCGPU_ASSIGN_OR_RETURN(Bytes cb, std::move(counts).Finish());
    Tlv(w, kOpMsrscnt, cb);
  }
  const uint8_t cprinfo[4] = {0x00, 0xC0, 0x01, 0x00};
  Tlv(w, kOpCprinfo, cprinfo);
  const uint8_t nvdec[1] = {config.nvdec_enabled ? kNvdecEnabled : kNvdecDisabled};
  Tlv(w, kOpNvdec0Status, nvdec);
  Tlv(w, kOpFwid, set.fwid);
  const uint8_t ppcie[1] = {0x55};
  Tlv(w, kOpProtectedPcieStatus, ppcie);
  const uint8_t version[2] = {0x01, 0x00};
  Tlv(w, kOpOpaqueDataVersion, version);
  const uint8_t feature[2] = {0x01, 0x00};  // NVAT: 1 = SPT (single GPU passthrough)
  Tlv(w, kOpFeatureFlag, feature);
  return std::move(w).Finish();
}

Result<Bytes> BuildMeasurementsResponseUnsigned(const MeasurementSet& set, ByteSpan responder_nonce,
                                                ByteSpan opaque, uint8_t param2) {
  if (responder_nonce.size() != kNonceSize) {
    return Fail(Errc::kInvalidArgument, "measurements: responder nonce must be 32 bytes");
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes record, BuildMeasurementRecord(set, param2));
  const std::size_t blocks = param2 == 0xFF ? kNumMeasurements : 1;
  ByteWriter w;
  w.U8(0x11).U8(0x60).U8(0x00).U8(0x00);
  w.U8(blocks, "NumberOfBlocks").Prefixed24(record, "MeasurementRecord");
  w.Append(responder_nonce, "Nonce").Prefixed16(opaque, "OpaqueData");
  return std::move(w).Finish();
}

Result<Bytes> BuildEvidence(ByteSpan nonce, const MeasurementSet& set, const DeviceConfig& config,
                            const crypto::EcPrivateKey& ak, ByteSpan responder_nonce) {
  if (nonce.size() != kNonceSize) return Fail(Errc::kInvalidArgument, "evidence: nonce must be 32 bytes");
  if (ak.curve() != crypto::Curve::kP384) return Fail(Errc::kInvalidArgument, "evidence: key must be P-384");
  Bytes rn;
  if (responder_nonce.empty()) {
    CCGPU_ASSIGN_OR_RETURN(rn, crypto::RandomBytes(kNonceSize));
  } else {
    rn.assign(responder_nonce.begin(), responder_nonce.end());
  }
  CCGPU_ASSIGN_OR_RETURN(Bytes opaque, BuildOpaqueData(set, config));
  CCGPU_ASSIGN_OR_RETURN(Bytes response, BuildMeasurementsResponseUnsigned(set, rn, opaque));
  Bytes blob = BuildMeasurementsRequest(nonce);
  blob.insert(blob.end(), response.begin(), response.end());
  CCGPU_ASSIGN_OR_RETURN(Bytes sig, ak.SignRaw(crypto::HashAlg::kSha384, blob));
  blob.insert(blob.end(), sig.begin(), sig.end());
  return blob;
}

}  // namespace ccgpu::gpu
