#include "attest/rim/rim_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cctype>
#include <optional>

#include "attest/rim/rim.h"

namespace ccgpu::attest {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t kMaxFile = 16u << 20;

bool ValidPart(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
  });
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string NoDots(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '.') out.push_back(c);
  }
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// File name without .xml / .swidtag (case-insensitive), or nullopt if the
// file has neither extension.
std::optional<std::string> RimStem(const fs::path& p) {
  const std::string name = p.filename().string();
  const std::string upper = Upper(name);
  for (std::string_view ext : {".XML", ".SWIDTAG"}) {
    if (EndsWith(upper, ext) && upper.size() > ext.size()) {
      return name.substr(0, name.size() - ext.size());
    }
  }
  return std::nullopt;
}

Result<std::string> FourPartId(std::string_view prefix, std::string_view project,
                               std::string_view project_sku, std::string_view chip_sku,
                               std::string_view version) {
  const std::string v = NoDots(version);
  if (!ValidPart(project) || !ValidPart(project_sku) || !ValidPart(chip_sku) || !ValidPart(v)) {
    return Fail(Errc::kInvalidArgument, "rim id: empty part or characters outside [0-9A-Za-z.-]");
  }
  return std::string(prefix) + Upper(project) + "_" + Upper(project_sku) + "_" + Upper(chip_sku) +
         "_" + Upper(v);
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos
                                                                   : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

}  // namespace

Result<std::string> DriverRimId(std::string_view chip, std::string_view driver_version) {
  if (!ValidPart(chip) || !ValidPart(driver_version)) {
    return Fail(Errc::kInvalidArgument, "rim id: empty part or characters outside [0-9A-Za-z.-]");
  }
  return "NV_GPU_DRIVER_" + Upper(chip) + "_" + std::string(driver_version);
}

Result<std::string> BlackwellDriverRimId(std::string_view chip_info,
                                         std::string_view driver_version) {
  const std::string_view chip = chip_info.empty() ? std::string_view("GB100") : chip_info;
  if (!ValidPart(chip) || !ValidPart(driver_version)) {
    return Fail(Errc::kInvalidArgument, "rim id: empty part or characters outside [0-9A-Za-z.-]");
  }
  return "NV_GPU_CC_DRIVER_" + Upper(chip) + "_" + std::string(driver_version);
}

Result<std::string> VbiosRimId(std::string_view project, std::string_view project_sku,
                               std::string_view chip_sku, std::string_view vbios_version) {
  return FourPartId("NV_GPU_VBIOS_", project, project_sku, chip_sku, vbios_version);
}

Result<std::string> SwitchBiosRimId(std::string_view project, std::string_view project_sku,
                                    std::string_view chip_sku, std::string_view bios_version) {
  return FourPartId("NV_SWITCH_BIOS_", project, project_sku, chip_sku, bios_version);
}

Result<RimId> ParseRimId(std::string_view id) {
  struct Form {
    std::string_view prefix;
    RimKind kind;
    bool four_part;
  };
  // Longest prefixes first (NV_GPU_CC_DRIVER_ before NV_GPU_DRIVER_ is not
  // ambiguous, but keep the order explicit).
  const Form forms[] = {{"NV_GPU_CC_DRIVER_", RimKind::kBlackwellDriver, false},
                        {"NV_GPU_DRIVER_", RimKind::kDriver, false},
                        {"NV_GPU_VBIOS_", RimKind::kVbios, true},
                        {"NV_SWITCH_BIOS_", RimKind::kSwitchBios, true}};
  for (const Form& f : forms) {
    if (id.substr(0, f.prefix.size()) != f.prefix) continue;
    auto parts = Split(id.substr(f.prefix.size()), '_');
    RimId out;
    out.kind = f.kind;
    out.text = std::string(id);
    if (!f.four_part) {
      if (parts.size() != 2 || !ValidPart(parts[0]) || !ValidPart(parts[1])) {
        return Fail(Errc::kInvalidArgument, "rim id: driver id is not <prefix><CHIP>_<version>");
      }
      out.chip = parts[0];
      out.version = parts[1];
      return out;
    }
    if (parts.size() != 4 ||
        !std::all_of(parts.begin(), parts.end(), [](const std::string& p) { return ValidPart(p); }) ||
        parts[3].find('.') != std::string::npos) {
      return Fail(Errc::kInvalidArgument,
                  "rim id: VBIOS/BIOS id is not <prefix><PROJECT>_<SKU>_<CHIP_SKU>_<VERSION>");
    }
    out.project = parts[0];
    out.project_sku = parts[1];
    out.chip_sku = parts[2];
    out.version = parts[3];
    return out;
  }
  return Fail(Errc::kInvalidArgument,
              "rim id: not NV_GPU_DRIVER_, NV_GPU_CC_DRIVER_, NV_GPU_VBIOS_ or NV_SWITCH_BIOS_");
}

std::string NvtrustFileStem(const RimId& id) {
  if (id.kind != RimKind::kVbios && id.kind != RimKind::kSwitchBios) return {};
  return id.project + "_" + id.project_sku + "_" + id.chip_sku + "_" + id.version;
}

Result<Bytes> ReadRimFile(const fs::path& path) {
  // One open, one fstat, then read() straight into the result (no iostream,
  // no separate existence/size lookups by name, so no race between them).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENOENT || errno == ENOTDIR ? Fail(Errc::kNotFound, "rim store: no such file")
                                               : Fail(Errc::kIo, "rim store: cannot open file");
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Fail(Errc::kIo, "rim store: cannot stat file");
  if (!S_ISREG(st.st_mode)) return Fail(Errc::kNotFound, "rim store: no such file");
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) > kMaxFile) {
    return Fail(Errc::kOutOfRange, "rim store: file larger than 16 MiB");
  }
  Bytes out(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail(Errc::kIo, "rim store: cannot read file");
    done += static_cast<std::size_t>(n);
  }
  // The file must not have grown since fstat: one more byte means it did.
  uint8_t extra = 0;
  ssize_t more = 0;
  do {
    more = ::read(fd, &extra, 1);
  } while (more < 0 && errno == EINTR);
  if (more != 0) return Fail(Errc::kIo, "rim store: file changed while being read");
  return out;
}

Result<RimStore> RimStore::Open(fs::path dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Fail(Errc::kNotFound, "rim store: not a directory");
  return RimStore(std::move(dir));
}

std::vector<fs::path> RimStore::Files() const {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (!it->is_regular_file(ec2) || !RimStem(it->path())) continue;
    out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<RimFile> RimStore::Find(std::string_view rim_id) const {
  CCGPU_ASSIGN_OR_RETURN(RimId id, ParseRimId(rim_id));
  const std::vector<fs::path> files = Files();
  const std::string id_upper = Upper(id.text);
  const std::string nv_stem = Upper(NvtrustFileStem(id));
  // 1. exact names, then 2. name conventions.
  for (int pass = 0; pass < 2; ++pass) {
    for (const fs::path& p : files) {
      const std::string stem = Upper(*RimStem(p));
      const bool match = pass == 0 ? stem == id_upper
                                   : (EndsWith(stem, id_upper) ||
                                      (!nv_stem.empty() && stem == nv_stem + "_PROD"));
      if (!match) continue;
      CCGPU_ASSIGN_OR_RETURN(Bytes bytes, ReadRimFile(p));
      return RimFile{p, std::move(bytes)};
    }
  }
  // 3. content scan.
  std::optional<RimFile> found;
  for (const fs::path& p : files) {
    auto bytes = ReadRimFile(p);
    if (!bytes) continue;
    auto rim = ParseRim(*bytes);
    if (!rim) continue;
    bool match = false;
    if (id.kind == RimKind::kDriver || id.kind == RimKind::kBlackwellDriver) {
      match = (Upper(rim->product) == Upper(id.chip) || Upper(rim->name) == Upper(id.chip)) &&
              rim->colloquial_version == id.version;
    } else {
      match = Upper(NoDots(rim->colloquial_version)) == Upper(id.version) &&
              (id.kind == RimKind::kSwitchBios) == (Upper(rim->edition) == "SWITCH");
    }
    if (!match) continue;
    if (found) {
      return Fail(Errc::kNotFound,
                  "rim store: several documents match the id by content; name the file");
    }
    found = RimFile{p, std::move(*bytes)};
  }
  if (!found) return Fail(Errc::kNotFound, "rim store: no RIM for this id in the directory");
  return std::move(*found);
}

Result<RimFile> RimStore::FindByTagId(std::string_view tag_id) const {
  std::optional<RimFile> found;
  for (const fs::path& p : Files()) {
    auto bytes = ReadRimFile(p);
    if (!bytes) continue;
    auto rim = ParseRim(*bytes);
    if (!rim || rim->tag_id != tag_id) continue;
    if (found) return Fail(Errc::kNotFound, "rim store: several documents share this tagId");
    found = RimFile{p, std::move(*bytes)};
  }
  if (!found) return Fail(Errc::kNotFound, "rim store: no RIM with this tagId in the directory");
  return std::move(*found);
}

}  // namespace ccgpu::attest
