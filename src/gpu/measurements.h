// The emulated GPU's measurement map and boot-time measurement: 64 SHA-384
// measurement blocks, indexed like NVIDIA Hopper's (RIM index i is SPDM
// measurement block i+1). The VBIOS RIM covers RIM indices 0–6 and 8–12,
// the driver RIM covers 7 and 21–40; the rest are inactive and zero.
// README.md has the table.
#ifndef CCGPU_GPU_MEASUREMENTS_H_
#define CCGPU_GPU_MEASUREMENTS_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "gpu/config.h"

namespace ccgpu::gpu {

inline constexpr std::size_t kNumMeasurements = 64;
inline constexpr std::size_t kMeasurementSize = 48;  // SHA-384
using Digest384 = std::array<uint8_t, kMeasurementSize>;

// Which RIM carries a measurement's golden value.
enum class RimPart { kNone, kVbios, kDriver };

// One entry of the map: RIM index, owner, what is measured and the RIM
// Resource name.
struct MeasurementSlot {
  uint8_t rim_index = 0;
  RimPart part = RimPart::kNone;
  std::string name;    // RIM Resource name, e.g. "Measurement_0_vbios.bin"
  std::string source;  // "image:vbios.bin", "config:cc_mode", "image:driver-rm.bin#3", ...
};
// All 64 slots, by RIM index.
const std::vector<MeasurementSlot>& MeasurementMap();

// The index (RIM numbering) of notable measurements.
inline constexpr uint8_t kIndexCcMode = 4;
inline constexpr uint8_t kIndexDevtools = 5;
inline constexpr uint8_t kIndexDriverVersion = 7;
inline constexpr uint8_t kIndexNvdec = 35;  // zero when NVDEC0 is disabled (NVIDIA skips it)
inline constexpr std::size_t kDriverRmSections = 15;

// What boot measured: value[i] for RIM index i, and how many times each
// index was extended (opaque MSRSCNT; 1 for measured indices, 0 otherwise).
struct MeasurementSet {
  std::array<Digest384, kNumMeasurements> value{};
  std::array<uint32_t, kNumMeasurements> count{};
  Digest384 fwid{};  // SHA-384 of sp-firmware.bin (the leaf certificate's FWID)
};

// Measures the images in `firmware_dir` with `config` (the mode in effect,
// not a pending one). kNotFound / kIo if an image is missing or unreadable.
Result<MeasurementSet> MeasureDevice(const std::filesystem::path& firmware_dir, const DeviceConfig& config);

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_MEASUREMENTS_H_
