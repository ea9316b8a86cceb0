#include "gpu/rim_maker.h"

#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/x509.h"
#include "crypto/xmlsign/xmlsign.h"
#include "gpu/provision.h"

namespace ccgpu::gpu {
namespace fs = std::filesystem;

namespace {
std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}
}  // namespace

std::string DriverRimId(const DeviceConfig& c) { return "NV_GPU_DRIVER_GH100_" + c.driver_version; }

std::string VbiosRimId(const DeviceConfig& c) {
  std::string v;
  for (char ch : c.vbios_version) {
    if (ch == '.') continue;
    v += (ch >= 'a' && ch <= 'f') ? static_cast<char>(ch - 'a' + 'A') : ch;
  }
  return "NV_GPU_VBIOS_" + c.project + "_" + c.project_sku + "_" + c.chip_sku + "_" + v;
}

std::string BuildRimXml(RimPart part, const MeasurementSet& set, const DeviceConfig& c) {
  const bool driver = part == RimPart::kDriver;
  const std::string version = driver ? c.driver_version : c.vbios_version;
  const std::string id = driver ? DriverRimId(c) : VbiosRimId(c);
  auto tag = crypto::Hash(crypto::HashAlg::kSha384, AsBytes("ccgpu-emulated-rim|" + id));
  CCGPU_CHECK(tag.has_value());
  std::string x;
  x += "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" "
       "xmlns:ns0=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" "
       "xmlns:ns2=\"http://www.w3.org/2001/04/xmlenc#sha384\" corpus=\"false\" name=\"GH100\" "
       "patch=\"false\" supplemental=\"false\" tagId=\"" + HexEncode(*tag) +
       "\" version=\"1.0\" tagVersion=\"0\">\n";
  x += "    <ns0:Entity name=\"" + std::string(kEmulatedOrg) + "\" role=\"softwareCreator tagCreator\"/>\n";
  x += "    <ns0:Meta xmlns:ns1=\"https://trustedcomputinggroup.org/resource/"
       "tcg-reference-integrity-manifest-rim-information-model/\" colloquialVersion=\"" + XmlEscape(version) +
       "\" edition=\"" + (driver ? "GPU" : "GPU") + "\" product=\"GH100\" revision=\"r1\" PayloadType=\"direct\" "
       "ns1:BindingSpec=\"RIMIM\" ns1:BindingSpecVersion=\"1.01\" ns1:PlatformManufacturerId=\"0\" "
       "ns1:PlatformManufacturerStr=\"" + std::string(kEmulatedOrg) + "\" ns1:PlatformModel=\"GH100 (emulated)\" "
       "ns1:FirmwareManufacturer=\"" + std::string(kEmulatedOrg) + "\" ns1:FirmwareManufacturerId=\"0\"/>\n";
  x += "    <ns0:Payload xmlns:SHA384=\"http://www.w3.org/2001/04/xmlenc#sha384\">\n";
  for (const MeasurementSlot& slot : MeasurementMap()) {
    const bool active = slot.part == part;
    const std::string hash = active ? HexEncode(set.value[slot.rim_index]) : std::string(96, '0');
    x += "        <ns0:Resource type=\"Measurement\" index=\"" + std::to_string(slot.rim_index) + "\" active=\"" +
         (active ? "True" : "False") + "\" alternatives=\"1\" ns2:Hash0=\"" + hash + "\" name=\"" +
         (active ? slot.name : "Measurement_" + std::to_string(slot.rim_index)) + "\" size=\"48\"/>\n";
  }
  x += "    </ns0:Payload>\n</SoftwareIdentity>\n";
  return x;
}

Result<RimFiles> MakeRims(const fs::path& state, unsigned index, const fs::path& out_dir) {
  const fs::path dev = DeviceDir(state, index);
  auto cfg_text = ReadFileText(dev / "config.json", 1 << 20);
  if (!cfg_text) return Fail(Errc::kNotFound, "rim make: no such device in the state directory");
  CCGPU_ASSIGN_OR_RETURN(DeviceConfig cfg, DeviceConfig::FromJson(*cfg_text));
  CCGPU_ASSIGN_OR_RETURN(MeasurementSet set, MeasureDevice(dev / "firmware", cfg));

  const fs::path mfg = ManufacturerDir(state);
  auto key_pem = ReadFileText(mfg / "private/rim_signer.key", 1 << 16);
  if (!key_pem) return Fail(Errc::kNotFound, "rim make: no RIM signer key in the state directory");
  auto key = crypto::EcPrivateKey::FromPem(*key_pem);
  std::fill(key_pem->begin(), key_pem->end(), '\0');
  if (!key) return Fail(Errc::kBadKey, "rim make: RIM signer key does not load");
  std::vector<crypto::Certificate> chain;
  for (const char* f : {"rim_signer.pem", "rim_ca.pem", "rim_root.pem"}) {
    CCGPU_ASSIGN_OR_RETURN(std::string pem, ReadFileText(mfg / f, 1 << 16));
    CCGPU_ASSIGN_OR_RETURN(crypto::Certificate c, crypto::Certificate::FromPem(pem));
    chain.push_back(c);
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Fail(Errc::kIo, "rim make: cannot create the output folder");
  RimFiles files;
  files.driver_id = DriverRimId(cfg);
  files.vbios_id = VbiosRimId(cfg);
  files.driver = out_dir / (files.driver_id + ".xml");
  files.vbios = out_dir / (files.vbios_id + ".xml");
  CCGPU_ASSIGN_OR_RETURN(std::string drv, crypto::SignEnvelopedXml(BuildRimXml(RimPart::kDriver, set, cfg), *key, chain));
  CCGPU_ASSIGN_OR_RETURN(std::string vb, crypto::SignEnvelopedXml(BuildRimXml(RimPart::kVbios, set, cfg), *key, chain));
  CCGPU_TRY(WriteTextAtomic(files.driver, drv));
  CCGPU_TRY(WriteTextAtomic(files.vbios, vb));
  return files;
}

}  // namespace ccgpu::gpu
