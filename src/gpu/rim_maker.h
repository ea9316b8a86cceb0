// Reference values for the emulated GPU: TCG PC-Client RIM ("RIMIM" 1.01)
// in ISO/IEC 19770-2:2015 SWID XML, the shape NVIDIA publishes (a driver RIM
// and a VBIOS RIM, 64 Resource entries each, SHA-384 hashes in the
// xmlenc#sha384 namespace), signed with an enveloped XML-DSig by the RIM
// signer of the state directory's manufacturer PKI.
#ifndef CCGPU_GPU_RIM_MAKER_H_
#define CCGPU_GPU_RIM_MAKER_H_

#include <filesystem>
#include <string>

#include "base/result.h"
#include "gpu/config.h"
#include "gpu/measurements.h"

namespace ccgpu::gpu {

// NVIDIA's RIM ids for this configuration:
//   NV_GPU_DRIVER_GH100_<driver version>
//   NV_GPU_VBIOS_<PROJECT>_<PROJECT_SKU>_<CHIP_SKU>_<VBIOS without dots>
std::string DriverRimId(const DeviceConfig& config);
std::string VbiosRimId(const DeviceConfig& config);

// The unsigned RIM document for one part (kVbios or kDriver): entries for
// all 64 indices, active="True" for those the part covers, with the golden
// value from `set`.
std::string BuildRimXml(RimPart part, const MeasurementSet& set, const DeviceConfig& config);

struct RimFiles {
  std::filesystem::path driver;  // <out>/<DriverRimId>.xml
  std::filesystem::path vbios;   // <out>/<VbiosRimId>.xml
  std::string driver_id, vbios_id;
};

// Measures device `index` of `state` as it would boot now (firmware and
// config in effect; a pending mode is ignored), writes both RIMs into
// `out_dir` (created if needed) and signs them with the RIM signer key.
// kNotFound (no such device / no signer key), kIo, crypto errors.
Result<RimFiles> MakeRims(const std::filesystem::path& state, unsigned index,
                          const std::filesystem::path& out_dir);

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_RIM_MAKER_H_
