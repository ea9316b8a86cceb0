// Manufacturing of emulated GPUs: the manufacturer PKI (mirroring NVIDIA's
// five-level device chain), the RIM-signing PKI, and per-device identity,
// firmware and configuration in a state directory.
//
// State directory layout (README.md has the full table):
//   gpud.json                         {"devices": N, "spdm_bind": ..., "spdm_base_port": ...}
//   manufacturer/device_root.pem      pinned by verifiers (--device-root)
//   manufacturer/identity_ca.pem, provisioner_ica.pem
//   manufacturer/rim_root.pem         pinned by verifiers (--rim-root)
//   manufacturer/rim_ca.pem, rim_signer.pem
//   manufacturer/private/*.key        factory keys, 0600 in a 0700 folder
//   deviceN/config.json               DeviceConfig
//   deviceN/identity.pem              the device identity (BROM) certificate
//   deviceN/ca_chain.pem              provisioner ICA, identity CA, root
//   deviceN/firmware/*.bin            firmware images (FirmwareImages())
//   deviceN/private/identity.key      the fused identity key, 0600 in 0700
#ifndef CCGPU_GPU_PROVISION_H_
#define CCGPU_GPU_PROVISION_H_

#include <filesystem>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/ec.h"
#include "crypto/x509.h"
#include "gpu/config.h"

namespace ccgpu::gpu {

inline constexpr const char* kDeviceRootCn = "ccgpu Emulated Device Identity CA \xE2\x80\x94 NOT FOR PRODUCTION";
inline constexpr const char* kRimRootCn = "ccgpu Emulated RIM Signing Root CA \xE2\x80\x94 NOT FOR PRODUCTION";
inline constexpr const char* kEmulatedOrg = "ccgpu emulated GPU (NOT FOR PRODUCTION)";
inline constexpr const char* kLeafCn = "ccgpu EMULATED GH100 A01 GSP FMC LF";
inline constexpr const char* kBromCn = "ccgpu EMULATED GH100 A01 GSP BROM";
// SAN otherName type NVIDIA's leaf uses ("NVIDIA:GH100:<id>"); ours says
// "CCGPU-EMULATED:GH100:<id>".
inline constexpr const char* kNvidiaSanOtherNameOid = "1.3.6.1.4.1.412.274.1";

struct ProvisionOptions {
  unsigned gpus = 1;
  DeviceConfig base;                 // template for every device's config
  std::string spdm_bind = "127.0.0.1";
  uint16_t spdm_base_port = 0;       // 0: no SPDM listener; else device i uses base+i
  TimePoint now;                     // issuance time (certificates start one day earlier)
};

// Creates a fresh state directory (`dir` must not exist or be empty).
// kInvalidArgument if it holds files or gpus is 0 or > 64; kIo on write
// failures; crypto errors as returned by the PKI builder.
Status Provision(const std::filesystem::path& dir, const ProvisionOptions& options);

// Paths inside a state directory.
std::filesystem::path DeviceDir(const std::filesystem::path& state, unsigned index);
std::filesystem::path ManufacturerDir(const std::filesystem::path& state);
std::filesystem::path SocketPath(const std::filesystem::path& state);

// gpud.json.
struct GpudConfig {
  unsigned devices = 0;
  std::string spdm_bind = "127.0.0.1";
  uint16_t spdm_base_port = 0;
};
Result<GpudConfig> LoadGpudConfig(const std::filesystem::path& state);

// Issues the per-boot attestation-key leaf ("GSP FMC LF") for `ak_public`,
// carrying `fwid` in the DICE extension 2.23.133.5.4.1, signed by the
// device identity key. `device_serial_hex` goes into the SAN otherName.
Result<crypto::Certificate> IssueAttestationLeaf(const crypto::EcPublicKey& ak_public, ByteSpan fwid,
                                                 const crypto::Certificate& identity_cert,
                                                 const crypto::EcPrivateKey& identity_key,
                                                 TimePoint now);

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_PROVISION_H_
