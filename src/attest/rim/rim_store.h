// NVIDIA RIM identifiers and a local RIM store (a directory of RIM files).
//
// Identifier mapping (NVIDIA RIM service ids, GET {base}/v1/rim/{id}; see
// reference nvidia-attestation.md §1(c)):
//   Hopper driver     NV_GPU_DRIVER_<CHIP>_<driver version>
//                     e.g. NV_GPU_DRIVER_GH100_550.144.03
//   Blackwell driver  NV_GPU_CC_DRIVER_<CHIP_INFO>_<driver version>; when the
//                     evidence has no CHIP_INFO the chip falls back to GB100
//   VBIOS             NV_GPU_VBIOS_<PROJECT>_<PROJECT_SKU>_<CHIP_SKU>_<VBIOS
//                     version without dots, upper-case>
//                     e.g. NV_GPU_VBIOS_1010_0200_882_96005E0001
//   NVSwitch BIOS     NV_SWITCH_BIOS_<PROJECT>_<PROJECT_SKU>_<CHIP_SKU>_<BIOS
//                     version without dots>, e.g.
//                     NV_SWITCH_BIOS_5612_0002_890_9610550001
// nvtrust ships VBIOS RIMs under the file-name convention
//   <project>_<project_sku>_<chip_sku>_<version without dots>_PROD.swidtag
//   e.g. 1010_0200_882_96005E0001_PROD.swidtag (project may be lower-case:
//   g520_0200_885_9600740001_PROD.swidtag).
#ifndef CCGPU_ATTEST_RIM_RIM_STORE_H_
#define CCGPU_ATTEST_RIM_RIM_STORE_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace ccgpu::attest {

enum class RimKind { kDriver, kBlackwellDriver, kVbios, kSwitchBios };

// A parsed RIM identifier.
struct RimId {
  RimKind kind = RimKind::kDriver;
  std::string text;  // the canonical identifier
  // Driver ids: chip ("GH100", CHIP_INFO) and version ("550.144.03").
  // VBIOS / switch ids: project, project_sku, chip_sku and version without
  // dots ("96005E0001"); `chip` is empty.
  std::string chip;
  std::string project;
  std::string project_sku;
  std::string chip_sku;
  std::string version;
};

// Builders. kInvalidArgument if a part is empty or holds characters other
// than [0-9A-Za-z.-] (so ids can never name paths).
Result<std::string> DriverRimId(std::string_view chip, std::string_view driver_version);
// `chip_info` empty → "GB100" (NVIDIA's fallback).
Result<std::string> BlackwellDriverRimId(std::string_view chip_info,
                                         std::string_view driver_version);
// `vbios_version` as printed ("96.00.5E.00.01") or without dots.
Result<std::string> VbiosRimId(std::string_view project, std::string_view project_sku,
                               std::string_view chip_sku, std::string_view vbios_version);
Result<std::string> SwitchBiosRimId(std::string_view project, std::string_view project_sku,
                                    std::string_view chip_sku, std::string_view bios_version);
// Parses any of the four forms. kInvalidArgument when it is none of them.
Result<RimId> ParseRimId(std::string_view id);
// "<project>_<project_sku>_<chip_sku>_<version>" (VBIOS / switch ids only,
// else empty): the stem of nvtrust's file names.
std::string NvtrustFileStem(const RimId& id);

// A RIM document found in the store.
struct RimFile {
  std::filesystem::path path;
  Bytes bytes;
};

// A directory of RIM files (*.xml, *.swidtag; not recursive). Reads the
// directory on every lookup (files may be added while running). Files larger
// than 16 MiB are ignored.
class RimStore {
 public:
  // kNotFound if `dir` is not a directory.
  static Result<RimStore> Open(std::filesystem::path dir);

  // Finds the RIM for `rim_id`, trying in order:
  //   1. <id>.xml, <id>.swidtag;
  //   2. a file whose name (without .xml/.swidtag) ends with the id, e.g.
  //      switchVBIOSRim_NV_SWITCH_BIOS_…xml; for VBIOS/switch ids, a file
  //      named <nvtrust stem>_PROD (case-insensitive);
  //   3. a scan of the contents: driver ids match Meta product (or
  //      SoftwareIdentity name) = chip and colloquialVersion = version;
  //      VBIOS/switch ids match colloquialVersion without dots = version.
  //      Exactly one document must match.
  // Steps 1–2 do not look inside the file; the caller verifies it anyway.
  // kInvalidArgument (not a RIM id), kNotFound (no match, or the scan
  // found several: the context says which), kIo (unreadable file).
  Result<RimFile> Find(std::string_view rim_id) const;
  // Finds the document whose SoftwareIdentity tagId equals `tag_id`.
  // kNotFound (none or several).
  Result<RimFile> FindByTagId(std::string_view tag_id) const;
  // The candidate files, sorted by name.
  std::vector<std::filesystem::path> Files() const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit RimStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

// Reads a whole file (≤ 16 MiB) with one open, one fstat and read() into the
// result. kNotFound if absent or not a regular file; kOutOfRange if larger
// than 16 MiB; kIo if it cannot be opened/read or grew while being read.
Result<Bytes> ReadRimFile(const std::filesystem::path& path);

}  // namespace ccgpu::attest

#endif  // CCGPU_ATTEST_RIM_RIM_STORE_H_
