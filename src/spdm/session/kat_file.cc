#include "spdm/session/kat_file.h"

#include <fstream>
#include <sstream>

#include "base/encoding.h"

namespace ccgpu::spdm::session::testing {

Result<KatFile> KatFile::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(Errc::kIo, "kat: cannot open vector file");
  KatFile kat;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, value;
    if (!(fields >> name)) continue;
    if (!(fields >> value))
      return Fail(Errc::kMalformed, "kat: name without value");
    if (!kat.fields_.emplace(name, value).second) {
      return Fail(Errc::kMalformed, "kat: name given twice");
    }
  }
  return kat;
}

std::string KatFile::Text(const std::string& name) const {
  auto it = fields_.find(name);
  return it == fields_.end() ? std::string() : it->second;
}

Result<Bytes> KatFile::Hex(const std::string& name) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) return Fail(Errc::kNotFound, "kat: no such field");
  return HexDecode(it->second);
}

std::string KatPath(const std::string& file) {
  return std::string(CCGPU_TESTDATA_DIR) + "/third_party/spdm/" + file;
}

}  // namespace ccgpu::spdm::session::testing
