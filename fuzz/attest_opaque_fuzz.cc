// Fuzzes NVIDIA's opaque-data TLV parser for both device kinds. Oracle: the
// TLVs found re-encode to exactly the input.
#include <cstdint>
#include <vector>

#include "attest/evidence.h"
#include "base/bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> copy(data, data + size);
  for (auto kind : {ccgpu::attest::DeviceKind::kGpu, ccgpu::attest::DeviceKind::kSwitch}) {
    auto op = ccgpu::attest::ParseOpaqueData(copy, kind);
    if (!op) continue;
    ccgpu::ByteWriter w;
    for (const auto& f : op->fields) w.U16(f.type).Prefixed16(f.value);
    auto again = std::move(w).Finish();
    CCGPU_CHECK(again && *again == copy);
  }
  return 0;
}
