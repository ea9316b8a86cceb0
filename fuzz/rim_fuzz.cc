// Fuzzes the RIM reader (parse only, no signature) with a round-trip oracle:
// whatever ParseRim accepts is written back as a minimal RIM and must parse
// to the same values.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "attest/rim/rim.h"
#include "base/encoding.h"

namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '"': out += "&quot;"; break;
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string Write(const ccgpu::attest::Rim& rim) {
  using namespace ccgpu::attest;
  std::string x = std::string("<SoftwareIdentity xmlns=\"") + kSwidNamespace +
                  "\" xmlns:h=\"" + kSha384Namespace + "\" xmlns:h2=\"" + kSha256Namespace +
                  "\" xmlns:h5=\"" + kSha512Namespace + "\" xmlns:t=\"" + kTcgRimNamespace +
                  "\" name=\"" + Escape(rim.name) + "\" tagId=\"" + Escape(rim.tag_id) +
                  "\"><Meta colloquialVersion=\"" + Escape(rim.colloquial_version) +
                  "\" t:FirmwareManufacturerId=\"" + Escape(rim.firmware_manufacturer_id) +
                  "\"/><Payload>";
  for (const RimMeasurement& m : rim.measurements) {
    const char* prefix = m.size == 48 ? "h" : m.size == 32 ? "h2" : "h5";
    x += "<Resource type=\"Measurement\" index=\"" + std::to_string(m.index) + "\" active=\"" +
         (m.active ? "True" : "False") + "\" alternatives=\"" +
         std::to_string(m.alternatives.size()) + "\" size=\"" + std::to_string(m.size) +
         "\" name=\"" + Escape(m.name) + "\"";
    for (std::size_t k = 0; k < m.alternatives.size(); ++k) {
      x += std::string(" ") + prefix + ":Hash" + std::to_string(k) + "=\"" +
           ccgpu::HexEncode(m.alternatives[k]) + "\"";
    }
    x += "/>";
  }
  return x + "</Payload></SoftwareIdentity>";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> input(data, data + size);  // exact-size copy
  auto rim = ccgpu::attest::ParseRim(input);
  if (!rim) return 0;
  std::set<uint32_t> seen;
  for (const auto& m : rim->measurements) {
    CCGPU_CHECK(m.index <= ccgpu::attest::kMaxRimIndex);
    CCGPU_CHECK(seen.insert(m.index).second);
    CCGPU_CHECK(!m.alternatives.empty());
    for (const auto& a : m.alternatives) CCGPU_CHECK(a.size() == m.size);
  }
  const std::string again_text = Write(*rim);
  auto again = ccgpu::attest::ParseRim(ccgpu::AsBytes(again_text));
  CCGPU_CHECK(again.has_value());
  CCGPU_CHECK(again->name == rim->name && again->tag_id == rim->tag_id);
  CCGPU_CHECK(again->colloquial_version == rim->colloquial_version);
  CCGPU_CHECK(again->firmware_manufacturer_id == rim->firmware_manufacturer_id);
  CCGPU_CHECK(again->measurements.size() == rim->measurements.size());
  for (std::size_t i = 0; i < rim->measurements.size(); ++i) {
    const auto& a = rim->measurements[i];
    const auto& b = again->measurements[i];
    CCGPU_CHECK(a.index == b.index && a.active == b.active && a.size == b.size);
    CCGPU_CHECK(a.name == b.name && a.alternatives == b.alternatives);
  }
  return 0;
}
