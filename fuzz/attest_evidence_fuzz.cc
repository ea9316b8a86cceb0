// Fuzzes the NVIDIA evidence parser (SPDM GET_MEASUREMENTS request +
// MEASUREMENTS response + opaque TLVs) for both device kinds. Oracle: a
// successful parse is consistent with its input (sizes add up, the dump
// renders).
#include <cstdint>
#include <vector>

#include "attest/evidence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> copy(data, data + size);  // exact-size input
  for (auto kind : {ccgpu::attest::DeviceKind::kGpu, ccgpu::attest::DeviceKind::kSwitch}) {
    auto ev = ccgpu::attest::ParseEvidence(copy, kind);
    if (!ev) continue;
    CCGPU_CHECK(ev->raw == copy);
    CCGPU_CHECK(ev->response.blocks.size() == ev->response.number_of_blocks);
    CCGPU_CHECK(ev->SignedBytes().size() + ccgpu::attest::kEvidenceSignatureSize == copy.size());
    CCGPU_CHECK(!ccgpu::attest::ResponseToNvidiaJson(ev->response, kind).empty());
  }
  return 0;
}
