#include "gpu/provision.h"

#include <sys/stat.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "crypto/pki/pki.h"
#include "crypto/rng.h"

namespace ccgpu::gpu {
namespace fs = std::filesystem;
namespace {

using crypto::Certificate;
using crypto::CertificateSpec;
using crypto::EcPrivateKey;

std::string HexEncodeUpper(ByteSpan b) {
  std::string s = HexEncode(b);
  for (char& c : s) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

TimePoint Forever() { return std::chrono::sys_days{std::chrono::year{9999} / 12 / 31} + std::chrono::hours(23) + std::chrono::minutes(59) + std::chrono::seconds(59); }

struct Issued {
  EcPrivateKey key;
  Certificate cert;
};

Result<Issued> IssueCa(std::vector<std::pair<std::string, std::string>> subject, const Issued* parent,
                       TimePoint from, TimePoint to, bool ca = true) {
  CCGPU_ASSIGN_OR_RETURN(EcPrivateKey key, EcPrivateKey::Generate(crypto::Curve::kP384));
  CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey pub, key.PublicKey());
  CertificateSpec spec;
  spec.subject = std::move(subject);
  spec.not_before = from;
  spec.not_after = to;
  spec.is_ca = ca;
  spec.key_usage = ca ? (crypto::kKuKeyCertSign | crypto::kKuCrlSign) : crypto::kKuDigitalSignature;
  CCGPU_ASSIGN_OR_RETURN(Certificate cert,
                         crypto::IssueCertificate(spec, pub, parent ? &parent->cert : nullptr,
                                                  parent ? parent->key : key));
  return Issued{key, cert};
}

Result<std::string> Pem(const Certificate& c) {
  std::string b64 = Base64Encode(c.Der());
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  out += "-----END CERTIFICATE-----\n";
  return out;
}

Status WriteCert(const fs::path& p, const Certificate& c) {
  CCGPU_ASSIGN_OR_RETURN(std::string pem, Pem(c));
  return WriteTextAtomic(p, pem, 0644);
}

Status WriteKey(const fs::path& p, const EcPrivateKey& k) {
  CCGPU_ASSIGN_OR_RETURN(std::string pem, k.ToPem());
  Status s = WriteTextAtomic(p, pem, 0600);
  std::fill(pem.begin(), pem.end(), '\0');
  return s;
}

Status MakePrivateDir(const fs::path& p) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec || ::chmod(p.c_str(), 0700) != 0) return Fail(Errc::kIo, "provision: cannot create a private folder");
  return OkStatus();
}

}  // namespace

fs::path DeviceDir(const fs::path& state, unsigned index) { return state / ("device" + std::to_string(index)); }
fs::path ManufacturerDir(const fs::path& state) { return state / "manufacturer"; }
fs::path SocketPath(const fs::path& state) { return state / "gpud.sock"; }

Result<GpudConfig> LoadGpudConfig(const fs::path& state) {
  auto text = ReadFileText(state / "gpud.json", 1 << 20);
  if (!text) {
    if (text.error().code == Errc::kNotFound) return Fail(Errc::kNotFound, "state: no gpud.json (run ccgpu gpud provision)");
    return tl::unexpected(text.error());
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("devices") || !j["devices"].is_number_unsigned()) {
    return Fail(Errc::kInvalidJson, "state: gpud.json lacks devices");
  }
  GpudConfig c;
  c.devices = j["devices"].get<unsigned>();
  if (c.devices == 0 || c.devices > 64) return Fail(Errc::kInvalidArgument, "state: gpud.json devices out of range");
  if (j.contains("spdm_bind") && j["spdm_bind"].is_string()) c.spdm_bind = j["spdm_bind"].get<std::string>();
  if (j.contains("spdm_base_port") && j["spdm_base_port"].is_number_unsigned()) {
    auto p = j["spdm_base_port"].get<uint64_t>();
    if (p + c.devices > 65536) return Fail(Errc::kInvalidArgument, "state: spdm_base_port out of range");
    c.spdm_base_port = static_cast<uint16_t>(p);
  }
  return c;
}

Result<Certificate> IssueAttestationLeaf(const crypto::EcPublicKey& ak_public, ByteSpan fwid,
                                         const Certificate& identity_cert, const EcPrivateKey& identity_key,
                                         TimePoint now) {
  CCGPU_ASSIGN_OR_RETURN(Bytes serial, crypto::RandomBytes(20));
  serial[0] = static_cast<uint8_t>((serial[0] & 0x7F) | 0x10);
  CertificateSpec spec;
  spec.subject = {{"serialNumber", HexEncodeUpper(serial)}, {"C", "US"}, {"O", kEmulatedOrg}, {"CN", kLeafCn}};
  spec.serial = serial;
  spec.not_before = std::chrono::floor<std::chrono::days>(now) - std::chrono::days(1);
  spec.not_after = Forever();
  spec.is_ca = false;
  spec.key_usage = crypto::kKuDigitalSignature;
  // The identity certificate's serialNumber attribute names the device.
  std::string device_id = HexEncodeUpper(identity_cert.SerialNumber());
  CCGPU_ASSIGN_OR_RETURN(Bytes san, crypto::EncodeOtherNameSan(kNvidiaSanOtherNameOid,
                                                              "CCGPU-EMULATED:GH100:" + device_id));
  spec.extensions.push_back({crypto::kSubjectAltNameOid, false, std::move(san)});
  CCGPU_ASSIGN_OR_RETURN(Bytes fwid_ext, crypto::EncodeDiceFwidExtension(ak_public, fwid));
  spec.extensions.push_back({crypto::kDiceFwidOid, false, std::move(fwid_ext)});
  return crypto::IssueCertificate(spec, ak_public, &identity_cert, identity_key);
}

Status Provision(const fs::path& dir, const ProvisionOptions& options) {
  if (options.gpus == 0 || options.gpus > 64) return Fail(Errc::kInvalidArgument, "provision: --gpus must be 1..64");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Fail(Errc::kInvalidArgument, "provision: state directory exists and is not empty");
  }
  fs::create_directories(dir, ec);
  if (ec) return Fail(Errc::kIo, "provision: cannot create the state directory");
  const TimePoint from = std::chrono::floor<std::chrono::days>(options.now) - std::chrono::days(1);
  const TimePoint to = Forever();
  const fs::path mfg = ManufacturerDir(dir);
  CCGPU_TRY(MakePrivateDir(mfg / "private"));

  // Device PKI: root -> identity CA -> provisioner ICA -> per-device BROM.
  CCGPU_ASSIGN_OR_RETURN(Issued root, IssueCa({{"CN", kDeviceRootCn}, {"O", kEmulatedOrg}}, nullptr, from, to));
  CCGPU_ASSIGN_OR_RETURN(Issued identity_ca,
                         IssueCa({{"CN", "ccgpu EMULATED GH100 Identity"}, {"O", kEmulatedOrg}}, &root, from, to));
  CCGPU_ASSIGN_OR_RETURN(Issued ica, IssueCa({{"CN", "ccgpu EMULATED GH100 Provisioner ICA 1"},
                                              {"O", kEmulatedOrg}, {"C", "US"}},
                                             &identity_ca, from, to));
  // RIM PKI: root -> CA -> signer (2 years, like NVIDIA's L4 signer).
  const TimePoint rim_to = from + std::chrono::days(2 * 365);
  CCGPU_ASSIGN_OR_RETURN(Issued rim_root, IssueCa({{"CN", kRimRootCn}, {"O", kEmulatedOrg}}, nullptr, from, to));
  CCGPU_ASSIGN_OR_RETURN(Issued rim_ca, IssueCa({{"CN", "ccgpu Emulated Reference Value CA"}, {"O", kEmulatedOrg}},
                                                &rim_root, from, from + std::chrono::days(10 * 365)));
  CCGPU_ASSIGN_OR_RETURN(Issued rim_signer,
                         IssueCa({{"CN", "ccgpu Emulated RIM Signer"}, {"O", kEmulatedOrg}, {"C", "US"}}, &rim_ca,
                                 from, rim_to, /*ca=*/false));

  CCGPU_TRY(WriteCert(mfg / "device_root.pem", root.cert));
  CCGPU_TRY(WriteCert(mfg / "identity_ca.pem", identity_ca.cert));
  CCGPU_TRY(WriteCert(mfg / "provisioner_ica.pem", ica.cert));
  CCGPU_TRY(WriteCert(mfg / "rim_root.pem", rim_root.cert));
  CCGPU_TRY(WriteCert(mfg / "rim_ca.pem", rim_ca.cert));
  CCGPU_TRY(WriteCert(mfg / "rim_signer.pem", rim_signer.cert));
  CCGPU_TRY(WriteKey(mfg / "private/device_root.key", root.key));
  CCGPU_TRY(WriteKey(mfg / "private/identity_ca.key", identity_ca.key));
  CCGPU_TRY(WriteKey(mfg / "private/provisioner_ica.key", ica.key));
  CCGPU_TRY(WriteKey(mfg / "private/rim_root.key", rim_root.key));
  CCGPU_TRY(WriteKey(mfg / "private/rim_ca.key", rim_ca.key));
  CCGPU_TRY(WriteKey(mfg / "private/rim_signer.key", rim_signer.key));

  CCGPU_ASSIGN_OR_RETURN(std::string ica_pem, Pem(ica.cert));
  CCGPU_ASSIGN_OR_RETURN(std::string idca_pem, Pem(identity_ca.cert));
  CCGPU_ASSIGN_OR_RETURN(std::string root_pem, Pem(root.cert));

  for (unsigned i = 0; i < options.gpus; ++i) {
    const fs::path d = DeviceDir(dir, i);
    CCGPU_TRY(MakePrivateDir(d / "private"));
    fs::create_directories(d / "firmware", ec);
    if (ec) return Fail(Errc::kIo, "provision: cannot create a firmware folder");
    // The fused identity key and its certificate (NVIDIA: "GSP BROM").
    CCGPU_ASSIGN_OR_RETURN(Bytes dev_serial, crypto::RandomBytes(9));
    dev_serial[0] = static_cast<uint8_t>((dev_serial[0] & 0x7F) | 0x10);
    CCGPU_ASSIGN_OR_RETURN(EcPrivateKey id_key, EcPrivateKey::Generate(crypto::Curve::kP384));
    CCGPU_ASSIGN_OR_RETURN(crypto::EcPublicKey id_pub, id_key.PublicKey());
    CertificateSpec spec;
    spec.subject = {{"serialNumber", HexEncodeUpper(dev_serial)}, {"C", "US"}, {"O", kEmulatedOrg}, {"CN", kBromCn}};
    spec.serial = dev_serial;
    spec.not_before = from;
    spec.not_after = to;
    spec.is_ca = true;
    spec.key_usage = crypto::kKuKeyCertSign;
    CCGPU_ASSIGN_OR_RETURN(Certificate id_cert, crypto::IssueCertificate(spec, id_pub, &ica.cert, ica.key));
    CCGPU_TRY(WriteKey(d / "private/identity.key", id_key));
    CCGPU_TRY(WriteCert(d / "identity.pem", id_cert));
    CCGPU_TRY(WriteTextAtomic(d / "ca_chain.pem", ica_pem + idca_pem + root_pem));

    DeviceConfig cfg = options.base;
    cfg.boot_count = 0;
    cfg.pending_cc_mode.reset();
    cfg.spdm_port = options.spdm_base_port == 0 ? 0 : static_cast<uint16_t>(options.spdm_base_port + i);
    for (const FirmwareImage& img : FirmwareImages()) {
      CCGPU_TRY(WriteFileAtomic(d / "firmware" / img.file, GenerateFirmwareImage(img, cfg)));
    }
    CCGPU_TRY(WriteTextAtomic(d / "config.json", cfg.ToJson()));
  }

  nlohmann::ordered_json g;
  g["devices"] = options.gpus;
  g["spdm_bind"] = options.spdm_bind;
  g["spdm_base_port"] = options.spdm_base_port;
  g["emulated"] = true;
  CCGPU_TRY(WriteTextAtomic(dir / "gpud.json", g.dump(2) + "\n"));
  return OkStatus();
}

}  // namespace ccgpu::gpu
