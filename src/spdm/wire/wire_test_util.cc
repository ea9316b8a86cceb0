#include "spdm/wire/wire_test_util.h"

#include <fstream>
#include <sstream>

#include "base/encoding.h"

namespace ccgpu::spdm::wire::testing {

Bytes Hex(std::string_view hex) {
  std::string compact;
  for (char c : hex) {
    if (c != ' ') compact.push_back(c);
  }
  auto b = HexDecode(compact);
  CCGPU_CHECK(b.has_value());
  return *b;
}

static std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  CCGPU_CHECK(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, Bytes> LoadKat(const std::string& file) {
  std::istringstream in(
      ReadFile(std::string(CCGPU_TESTDATA_DIR) + "/third_party/spdm/" + file));
  std::map<std::string, Bytes> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name, value;
    ls >> name >> value;
    auto b = HexDecode(value);
    if (b && !value.empty()) out[name] = *b;
  }
  return out;
}

Bytes LoadHexFile(const std::string& relative) {
  std::string text = ReadFile(std::string(CCGPU_TESTDATA_DIR) + "/" + relative);
  return Hex(TrimAsciiWhitespace(text));
}

CapturedVca SplitCapturedVca(const Bytes& vca, uint8_t spdm_version) {
  CapturedVca out;
  std::size_t at = 0;
  auto take = [&](std::size_t n) {
    CCGPU_CHECK(at + n <= vca.size());
    Bytes b(vca.begin() + static_cast<std::ptrdiff_t>(at), vca.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return b;
  };
  auto u16_at = [&](std::size_t offset) {
    CCGPU_CHECK(at + offset + 1 < vca.size());
    return static_cast<std::size_t>(vca[at + offset] | (vca[at + offset + 1] << 8));
  };
  out.get_version = take(4);
  CCGPU_CHECK(at + 5 < vca.size());
  out.version = take(6 + 2 * static_cast<std::size_t>(vca[at + 5]));  // VersionNumberEntryCount
  const std::size_t caps = spdm_version >= kVersion12 ? 20 : 12;
  out.get_capabilities = take(caps);
  out.capabilities = take(caps);
  out.negotiate_algorithms = take(u16_at(4));  // Length
  out.algorithms = take(u16_at(4));
  out.rest = take(vca.size() - at);
  return out;
}

std::vector<Bytes> Split(const Bytes& all,
                         const std::vector<std::size_t>& sizes) {
  std::vector<Bytes> out;
  std::size_t off = 0;
  for (std::size_t s : sizes) {
    CCGPU_CHECK(off + s <= all.size());
    out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(off),
                     all.begin() + static_cast<std::ptrdiff_t>(off + s));
    off += s;
  }
  CCGPU_CHECK(off == all.size());
  return out;
}

Bytes Patched(Bytes msg, std::size_t offset, std::size_t width,
              uint64_t value) {
  CCGPU_CHECK(offset + width <= msg.size());
  for (std::size_t i = 0; i < width; ++i)
    msg[offset + i] = static_cast<uint8_t>(value >> (8 * i));
  return msg;
}

ParseParams P384(uint8_t version) {
  ParseParams p;
  p.negotiated.version = version;
  p.negotiated.hash_size = 48;
  p.negotiated.signature_size = 96;
  p.negotiated.req_signature_size = 96;
  p.negotiated.dhe_size = 96;
  return p;
}

}  // namespace ccgpu::spdm::wire::testing
