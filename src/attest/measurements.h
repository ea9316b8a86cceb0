// Comparison of runtime measurements (SPDM blocks) with golden values from
// the driver and VBIOS RIMs (NVSwitch: the BIOS RIM), NVIDIA's rules:
//  - only active RIM entries count;
//  - RIM index i is compared with SPDM block i+1;
//  - a runtime value matches if it equals any listed alternative (same size);
//  - GPU index 35 is skipped when NVDEC0 is disabled (0x55);
//  - an index active in both the driver and the VBIOS RIM is a conflict.
#ifndef CCGPU_ATTEST_MEASUREMENTS_H_
#define CCGPU_ATTEST_MEASUREMENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/evidence.h"
#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::attest {

// Where a golden value comes from.
enum class RimRole { kDriver, kVbios, kSwitchBios };
// NVIDIA's measurementSource text: "driver", "firmware" (VBIOS / BIOS).
std::string_view MeasurementSourceName(RimRole role);

// One RIM Payload/Resource entry.
struct GoldenMeasurement {
  uint32_t index = 0;              // RIM index (SPDM block index - 1)
  bool active = false;
  std::string name;
  std::size_t size = 0;            // declared size in bytes
  std::vector<Bytes> alternatives; // Hash0 .. HashN-1
};

// The golden values of one RIM (the plain-data interface between the RIM
// reader and the comparison).
struct GoldenValues {
  RimRole role = RimRole::kDriver;
  std::string rim_id;
  std::vector<GoldenMeasurement> measurements;
};

// One runtime measurement that matched none of its alternatives.
struct MeasurementMismatch {
  uint32_t index = 0;          // RIM index
  RimRole source = RimRole::kDriver;
  std::vector<Bytes> golden;   // the alternatives
  std::size_t golden_size = 0;
  Bytes runtime;               // empty when the block is missing
  std::size_t runtime_size = 0;
};

struct MeasurementComparison {
  bool success = false;
  bool index_conflict = false;
  std::vector<uint32_t> conflicting_indices;
  std::vector<MeasurementMismatch> mismatches;
  std::vector<uint32_t> skipped_indices;  // e.g. 35 with NVDEC0 disabled
  std::size_t compared = 0;               // active entries compared
};

// Compares `evidence` with the golden sets (one for a switch, driver+VBIOS
// for a GPU). kMalformed if NVDEC0_STATUS has a value other than 0xAA/0x55.
// Mismatches and conflicts are results, not errors.
Result<MeasurementComparison> CompareMeasurements(const Evidence& evidence,
                                                  const std::vector<const GoldenValues*>& golden);

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_MEASUREMENTS_H_
