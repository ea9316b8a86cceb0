// Emulated GPU configuration and firmware: the settings a device keeps in
// its state directory (like fuses, straps and flash), the firmware images it
// boots, and small file helpers for the state directory.
#ifndef CCGPU_GPU_CONFIG_H_
#define CCGPU_GPU_CONFIG_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::gpu {

// Confidential-computing mode (NVIDIA: CC off / on / devtools).
enum class CcMode { kOff, kOn, kDevtools };
std::string_view CcModeName(CcMode mode);            // "off", "on", "devtools"
Result<CcMode> ParseCcMode(std::string_view text);   // kInvalidArgument otherwise

// Persistent settings of one device (config.json in its state directory).
struct DeviceConfig {
  CcMode cc_mode = CcMode::kOn;               // the mode in effect
  std::optional<CcMode> pending_cc_mode;      // staged; applied by the next reset
  bool nvdec_enabled = true;                  // NVDEC0 engine present/enabled
  std::string driver_version = "550.90.07";   // reported (opaque DRIVER_VERSION), measured at 7
  std::string vbios_version = "96.00.9F.00.01";
  std::string project = "EMU1";               // opaque PROJECT (NVIDIA: "1010", "G520")
  std::string project_sku = "0001";
  std::string chip_sku = "E01";
  std::uint64_t protected_memory_bytes = 1ull << 30;
  std::uint64_t boot_count = 0;               // bumped on every boot
  std::uint16_t spdm_port = 0;                // 0 = not served (SPDM responder seam)

  // JSON text of the config / parsed back. kInvalidJson (missing or
  // mistyped member), kInvalidArgument (bad mode / version text).
  std::string ToJson() const;
  static Result<DeviceConfig> FromJson(std::string_view text);
};

// The 8-byte VBIOS_VERSION opaque value for "AA.BB.CC.DD.EE" (hex octets):
// bytes DD CC BB AA EE 00 00 00 (NVIDIA's layout; the inverse of
// attest::DecodeGpuVbiosVersion). kInvalidArgument for other text.
Result<Bytes> EncodeVbiosVersion(std::string_view text);

// Firmware images every emulated device boots (file names under
// <device>/firmware/). Generated deterministically from the name and the
// VBIOS/driver version at provisioning, so every device with the same
// versions carries the same images (as real boards do) and one pair of RIMs
// covers them.
struct FirmwareImage {
  const char* file;       // "vbios.bin"
  bool driver;            // true: part of the driver package, else VBIOS/ROM
  std::size_t size;       // generated size in bytes
};
const std::vector<FirmwareImage>& FirmwareImages();
// Generated content of one image for these versions.
Bytes GenerateFirmwareImage(const FirmwareImage& image, const DeviceConfig& config);

// State-directory file helpers. WriteFileAtomic writes to a temporary file
// in the same directory with `mode` permissions (0600 for secrets) and
// renames it over `path` (atomic against crashes); `sync` also fsyncs the
// data first (durable across power loss). kIo on any failure.
Status WriteFileAtomic(const std::filesystem::path& path, ByteSpan data, unsigned mode = 0644,
                       bool sync = false);
Status WriteTextAtomic(const std::filesystem::path& path, std::string_view text, unsigned mode = 0644,
                       bool sync = false);
// Whole file (at most `max_size`). kNotFound if absent, kIo, kOutOfRange.
Result<Bytes> ReadFileBytes(const std::filesystem::path& path, std::size_t max_size = 64u << 20);
Result<std::string> ReadFileText(const std::filesystem::path& path, std::size_t max_size = 64u << 20);

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_CONFIG_H_
