#include "gpu/measurements.h"

#include <algorithm>
#include <map>

#include "base/encoding.h"
#include "crypto/hash.h"

namespace ccgpu::gpu {
namespace {

void Add(std::vector<MeasurementSlot>& map, uint8_t idx, RimPart part, const std::string& what,
         const std::string& source) {
  map[idx] = MeasurementSlot{idx, part, "Measurement_" + std::to_string(idx) + "_" + what, source};
}

Result<Digest384> Sha384(ByteSpan data) {
  CCGPU_ASSIGN_OR_RETURN(Bytes h, crypto::Hash(crypto::HashAlg::kSha384, data));
  Digest384 d{};
  std::copy(h.begin(), h.end(), d.begin());
  return d;
}

}  // namespace

const std::vector<MeasurementSlot>& MeasurementMap() {
  static const std::vector<MeasurementSlot> kMap = [] {
    std::vector<MeasurementSlot> m(kNumMeasurements);
    for (std::size_t i = 0; i < kNumMeasurements; ++i) {
      m[i] = MeasurementSlot{static_cast<uint8_t>(i), RimPart::kNone, "Measurement_" + std::to_string(i), "unused"};
    }
    // VBIOS RIM: 0-6, 8-12.
    Add(m, 0, RimPart::kVbios, "vbios", "image:vbios.bin");
    Add(m, 1, RimPart::kVbios, "sp_firmware", "image:sp-firmware.bin");
    Add(m, 2, RimPart::kVbios, "microcode", "image:microcode.bin");
    Add(m, 3, RimPart::kVbios, "board_identity", "config:board");
    Add(m, kIndexCcMode, RimPart::kVbios, "cc_mode", "config:cc_mode");
    Add(m, kIndexDevtools, RimPart::kVbios, "devtools", "config:devtools");
    Add(m, 6, RimPart::kVbios, "security_policy", "config:security_policy");
    Add(m, 8, RimPart::kVbios, "sec2_firmware", "image:sec2-firmware.bin");
    Add(m, 9, RimPart::kVbios, "pmu_firmware", "image:pmu-firmware.bin");
    Add(m, 10, RimPart::kVbios, "nvlink_firmware", "image:nvlink-firmware.bin");
    Add(m, 11, RimPart::kVbios, "inforom", "image:inforom.bin");
    Add(m, 12, RimPart::kVbios, "memory_config", "config:protected_memory_bytes");
    // Driver RIM: 7, 21-40.
    Add(m, kIndexDriverVersion, RimPart::kDriver, "driver_version", "config:driver_version");
    Add(m, 21, RimPart::kDriver, "gsp_firmware", "image:gsp-firmware.bin");
    Add(m, 22, RimPart::kDriver, "gsp_booter", "image:gsp-booter.bin");
    Add(m, 23, RimPart::kDriver, "ce_firmware", "image:ce-firmware.bin");
    Add(m, 24, RimPart::kDriver, "compute_microcode", "image:compute-microcode.bin");
    std::size_t section = 0;
    for (uint8_t i = 25; i <= 40; ++i) {
      if (i == kIndexNvdec) continue;
      Add(m, i, RimPart::kDriver, "driver_rm_" + std::to_string(section),
          "image:driver-rm.bin#" + std::to_string(section));
      ++section;
    }
    Add(m, kIndexNvdec, RimPart::kDriver, "nvdec_firmware", "image:nvdec-firmware.bin|nvdec");
    return m;
  }();
  return kMap;
}

Result<MeasurementSet> MeasureDevice(const std::filesystem::path& firmware_dir, const DeviceConfig& config) {
  MeasurementSet set;
  std::map<std::string, Bytes> images;
  for (const FirmwareImage& img : FirmwareImages()) {
    auto data = ReadFileBytes(firmware_dir / img.file);
    if (!data) {
      if (data.error().code == Errc::kNotFound) return Fail(Errc::kNotFound, "boot: a firmware image is missing");
      return Fail(Errc::kIo, "boot: a firmware image cannot be read");
    }
    images[img.file] = std::move(*data);
  }
  const Bytes& rm = images["driver-rm.bin"];
  const std::size_t section_size = (rm.size() + kDriverRmSections - 1) / kDriverRmSections;

  for (const MeasurementSlot& slot : MeasurementMap()) {
    if (slot.part == RimPart::kNone) continue;
    const std::string& src = slot.source;
    Digest384 d{};
    if (src.rfind("image:driver-rm.bin#", 0) == 0) {
      std::size_t k = std::stoul(src.substr(20));
      std::size_t begin = std::min(rm.size(), k * section_size);
      std::size_t end = std::min(rm.size(), begin + section_size);
      CCGPU_ASSIGN_OR_RETURN(d, Sha384(ByteSpan(rm).subspan(begin, end - begin)));
    } else if (src == "image:nvdec-firmware.bin|nvdec") {
      if (config.nvdec_enabled) {
        CCGPU_ASSIGN_OR_RETURN(d, Sha384(images["nvdec-firmware.bin"]));
      }  // disabled: zero, and NVDEC0_STATUS says so (verifiers skip 35)
    } else if (src.rfind("image:", 0) == 0) {
      CCGPU_ASSIGN_OR_RETURN(d, Sha384(images[src.substr(6)]));
    } else {
      std::string text;
      if (src == "config:board") {
        text = "board|project=" + config.project + "|project_sku=" + config.project_sku +
               "|chip_sku=" + config.chip_sku + "|vbios=" + config.vbios_version + "|emulated=ccgpu";
      } else if (src == "config:cc_mode") {
        text = std::string("cc_mode=") + std::string(CcModeName(config.cc_mode));
      } else if (src == "config:devtools") {
        text = std::string("devtools=") + (config.cc_mode == CcMode::kDevtools ? "enabled" : "disabled");
      } else if (src == "config:security_policy") {
        text = "secure_boot=enforced|debug_fuses=blown|emulated=ccgpu";
      } else if (src == "config:protected_memory_bytes") {
        text = "protected_memory_bytes=" + std::to_string(config.protected_memory_bytes);
      } else if (src == "config:driver_version") {
        text = "driver_version=" + config.driver_version;
      } else {
        return Fail(Errc::kDeviceError, "boot: unknown measurement source");
      }
      CCGPU_ASSIGN_OR_RETURN(d, Sha384(AsBytes(text)));
    }
    set.value[slot.rim_index] = d;
    set.count[slot.rim_index] = 1;
  }
  CCGPU_ASSIGN_OR_RETURN(set.fwid, Sha384(images["sp-firmware.bin"]));
  return set;
}

}  // namespace ccgpu::gpu
