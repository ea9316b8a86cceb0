// Where the responder's measurements come from (DSP0274 1.2 §10.11
// measurement blocks). The emulated GPU implements MeasurementProvider;
// StaticMeasurementProvider serves a fixed list (tests, CLI).
#ifndef CCGPU_SPDM_RESPONDER_MEASUREMENT_PROVIDER_H_
#define CCGPU_SPDM_RESPONDER_MEASUREMENT_PROVIDER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::spdm::responder {

// One measurement: a DMTF measurement block's content.
struct MeasurementEntry {
  uint8_t index = 1;        // 1..0xFE, unique
  uint8_t value_type = 0;   // DMTFSpecMeasurementValueType bits 6:0 (wire::meas::kType*)
  Bytes value;              // raw bit stream, or a digest when `is_digest`
  bool is_digest = false;   // `value` is already a digest (of the negotiated measurement hash)
  bool tcb = true;          // counts for MeasurementSummaryHashType TCB
};

class MeasurementProvider {
 public:
  virtual ~MeasurementProvider() = default;
  // The current measurements, ascending by index. Called for every
  // GET_MEASUREMENTS / summary hash (so values may change between calls).
  // An error makes the responder answer ERROR(Unspecified).
  virtual Result<std::vector<MeasurementEntry>> Collect() = 0;
  // OpaqueData of every MEASUREMENTS response (DSP0274 1.2 §10.11, at most
  // 1024 bytes), e.g. NVIDIA's opaque TLVs. Called once per response, after
  // Collect. Default: none (OpaqueLength 0). An error makes the responder
  // answer ERROR(Unspecified).
  virtual Result<Bytes> OpaqueData() { return Bytes{}; }
};

class StaticMeasurementProvider final : public MeasurementProvider {
 public:
  explicit StaticMeasurementProvider(std::vector<MeasurementEntry> entries)
      : entries_(std::move(entries)) {}
  Result<std::vector<MeasurementEntry>> Collect() override { return entries_; }
  // A small fixed set (indices 1..4: ROM, firmware, hardware config, version).
  static std::shared_ptr<StaticMeasurementProvider> Sample();

 private:
  std::vector<MeasurementEntry> entries_;
};

}  // namespace ccgpu::spdm::responder

#endif  // CCGPU_SPDM_RESPONDER_MEASUREMENT_PROVIDER_H_
