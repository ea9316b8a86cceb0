#include "gpu/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "crypto/hash.h"

namespace ccgpu::gpu {

std::string_view CcModeName(CcMode mode) {
  switch (mode) {
    case CcMode::kOff: return "off";
    case CcMode::kOn: return "on";
    case CcMode::kDevtools: return "devtools";
  }
  return "?";
}

Result<CcMode> ParseCcMode(std::string_view text) {
  if (text == "off") return CcMode::kOff;
  if (text == "on") return CcMode::kOn;
  if (text == "devtools") return CcMode::kDevtools;
  return Fail(Errc::kInvalidArgument, "cc mode must be off, on or devtools");
}

std::string DeviceConfig::ToJson() const {
  nlohmann::ordered_json j;
  j["cc_mode"] = CcModeName(cc_mode);
  j["pending_cc_mode"] = pending_cc_mode ? nlohmann::ordered_json(CcModeName(*pending_cc_mode))
                                         : nlohmann::ordered_json(nullptr);
  j["nvdec_enabled"] = nvdec_enabled;
  j["driver_version"] = driver_version;
  j["vbios_version"] = vbios_version;
  j["project"] = project;
  j["project_sku"] = project_sku;
  j["chip_sku"] = chip_sku;
  j["protected_memory_bytes"] = protected_memory_bytes;
  j["boot_count"] = boot_count;
  j["spdm_port"] = spdm_port;
  return j.dump(2) + "\n";
}

Result<DeviceConfig> DeviceConfig::FromJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Fail(Errc::kInvalidJson, "device config is not a JSON object");
  DeviceConfig c;
  auto str = [&](const char* key, std::string& out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return Fail(Errc::kInvalidJson, "device config: a text member is missing");
    out = it->get<std::string>();
    return OkStatus();
  };
  std::string mode;
  CCGPU_TRY(str("cc_mode", mode));
  CCGPU_ASSIGN_OR_RETURN(c.cc_mode, ParseCcMode(mode));
  if (auto it = j.find("pending_cc_mode"); it != j.end() && it->is_string()) {
    CCGPU_ASSIGN_OR_RETURN(CcMode p, ParseCcMode(it->get<std::string>()));
    c.pending_cc_mode = p;
  }
  auto it = j.find("nvdec_enabled");
  if (it == j.end() || !it->is_boolean()) return Fail(Errc::kInvalidJson, "device config: nvdec_enabled missing");
  c.nvdec_enabled = it->get<bool>();
  CCGPU_TRY(str("driver_version", c.driver_version));
  CCGPU_TRY(str("vbios_version", c.vbios_version));
  CCGPU_TRY(str("project", c.project));
  CCGPU_TRY(str("project_sku", c.project_sku));
  CCGPU_TRY(str("chip_sku", c.chip_sku));
  CCGPU_TRY(EncodeVbiosVersion(c.vbios_version));
  auto num = [&](const char* key, std::uint64_t& out) -> Status {
    auto n = j.find(key);
    if (n == j.end() || !n->is_number_unsigned()) return Fail(Errc::kInvalidJson, "device config: a number member is missing");
    out = n->get<std::uint64_t>();
    return OkStatus();
  };
  CCGPU_TRY(num("protected_memory_bytes", c.protected_memory_bytes));
  CCGPU_TRY(num("boot_count", c.boot_count));
  std::uint64_t port = 0;
  CCGPU_TRY(num("spdm_port", port));
  if (port > 65535) return Fail(Errc::kInvalidArgument, "device config: spdm_port out of range");
  c.spdm_port = static_cast<std::uint16_t>(port);
  if (c.protected_memory_bytes == 0 || c.protected_memory_bytes > (1ull << 40)) {
    return Fail(Errc::kInvalidArgument, "device config: protected_memory_bytes out of range");
  }
  return c;
}

Result<Bytes> EncodeVbiosVersion(std::string_view text) {
  // Five dot-separated two-digit hex octets.
  if (text.size() != 14) return Fail(Errc::kInvalidArgument, "VBIOS version must look like 96.00.9F.00.01");
  uint8_t oct[5];
  for (std::size_t i = 0; i < 5; ++i) {
    if (i < 4 && text[i * 3 + 2] != '.') return Fail(Errc::kInvalidArgument, "VBIOS version must look like 96.00.9F.00.01");
    auto b = HexDecode(text.substr(i * 3, 2));
    if (!b) return Fail(Errc::kInvalidArgument, "VBIOS version must look like 96.00.9F.00.01");
    oct[i] = (*b)[0];
  }
  return Bytes{oct[3], oct[2], oct[1], oct[0], oct[4], 0, 0, 0};
}

const std::vector<FirmwareImage>& FirmwareImages() {
  static const std::vector<FirmwareImage> kImages = {
      {"vbios.bin", false, 64 * 1024},
      {"sp-firmware.bin", false, 48 * 1024},
      {"microcode.bin", false, 32 * 1024},
      {"sec2-firmware.bin", false, 32 * 1024},
      {"pmu-firmware.bin", false, 32 * 1024},
      {"nvlink-firmware.bin", false, 16 * 1024},
      {"inforom.bin", false, 8 * 1024},
      {"gsp-firmware.bin", true, 96 * 1024},
      {"gsp-booter.bin", true, 16 * 1024},
      {"ce-firmware.bin", true, 16 * 1024},
      {"compute-microcode.bin", true, 16 * 1024},
      {"driver-rm.bin", true, 15 * 8 * 1024},
      {"nvdec-firmware.bin", true, 16 * 1024},
  };
  return kImages;
}

Bytes GenerateFirmwareImage(const FirmwareImage& image, const DeviceConfig& config) {
  // SHA-384 in counter mode over "ccgpu-emulated-firmware|<file>|<version>|<i>".
  const std::string& version = image.driver ? config.driver_version : config.vbios_version;
  Bytes out;
  out.reserve(image.size + 48);
  for (std::uint64_t i = 0; out.size() < image.size; ++i) {
    std::string seed = std::string("ccgpu-emulated-firmware|") + image.file + "|" + version + "|" +
                       std::to_string(i);
    auto h = crypto::Hash(crypto::HashAlg::kSha384, AsBytes(seed));
    CCGPU_CHECK(h.has_value());
    out.insert(out.end(), h->begin(), h->end());
  }
  out.resize(image.size);
  return out;
}

Status WriteFileAtomic(const std::filesystem::path& path, ByteSpan data, unsigned mode, bool sync) {
  std::filesystem::path tmp = path;
  static std::atomic<unsigned> counter{0};  // unique per write, also across threads
  tmp += ".tmp" + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return Fail(Errc::kIo, "state: cannot create a file");
  bool ok = ::fchmod(fd, static_cast<mode_t>(mode)) == 0;
  std::size_t done = 0;
  while (ok && done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ok = ok && (!sync || ::fsync(fd) == 0);
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Fail(Errc::kIo, "state: cannot write a file");
  }
  return OkStatus();
}

Status WriteTextAtomic(const std::filesystem::path& path, std::string_view text, unsigned mode, bool sync) {
  return WriteFileAtomic(path, AsBytes(text), mode, sync);
}

Result<Bytes> ReadFileBytes(const std::filesystem::path& path, std::size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Fail(Errc::kNotFound, "state: file does not exist");
    return Fail(Errc::kIo, "state: cannot open a file");
  }
  Bytes out;
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      ::close(fd);
      return Fail(Errc::kIo, "state: cannot read a file");
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_size) {
      ::close(fd);
      return Fail(Errc::kOutOfRange, "state: file too large");
    }
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

Result<std::string> ReadFileText(const std::filesystem::path& path, std::size_t max_size) {
  CCGPU_ASSIGN_OR_RETURN(Bytes b, ReadFileBytes(path, max_size));
  return std::string(b.begin(), b.end());
}

}  // namespace ccgpu::gpu
