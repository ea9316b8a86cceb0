// The emulated confidential GPU: one device's security processor (identity,
// measured boot, per-boot attestation key, evidence), CC modes with staged
// changes applied by reset, the ready gate, protected memory with the host
// access policy, and shared regions.
//
// Threading: every method may be called from any thread. Engine memory
// access (EngineRead/EngineWrite/WithEngineRange) takes a shared lock, so
// many engines work in parallel; Reset takes it exclusively, so no engine
// sees memory mid-scrub.
#ifndef CCGPU_GPU_DEVICE_H_
#define CCGPU_GPU_DEVICE_H_

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "channel/shm.h"
#include "crypto/ec.h"
#include "crypto/x509.h"
#include "gpu/config.h"
#include "gpu/measurements.h"
#include "gpu/memory.h"
#include "gpu/pci_config.h"

namespace ccgpu::gpu {

namespace tdisp {
class TdiResponder;
class IdeKmResponder;
class PciSigProtocols;
}  // namespace tdisp

// What the host-access policy did with a host read or write of protected
// memory.
enum class HostAccess {
  kAllowed,   // CC off: the access happened
  kPoisoned,  // CC on/devtools read: the buffer was filled with kPoisonByte
  kDropped,   // CC on/devtools write: nothing was written
};
std::string_view HostAccessName(HostAccess a);  // "allowed", "poisoned", "dropped"
inline constexpr uint8_t kPoisonByte = 0xFF;    // what a refused PCIe read returns

// A snapshot of the device state for status displays.
struct DeviceStatus {
  unsigned index = 0;
  CcMode cc_mode = CcMode::kOn;
  std::optional<CcMode> pending_cc_mode;
  bool ready = false;
  bool nvdec_enabled = true;
  uint64_t boot_count = 0;
  uint64_t session_generation = 0;
  uint64_t protected_memory_bytes = 0;
  std::string identity_serial;  // hex of the identity certificate's serial
  std::string identity_subject;
  std::string driver_version, vbios_version;
  Bytes fwid;
  uint16_t spdm_port = 0;
  uint64_t host_accesses_denied = 0;
  // Secure attach (TDISP): the guest the host assigned the device to ("" =
  // none), the TDI state ("CONFIG_UNLOCKED", …), why it last went to ERROR,
  // and the host-visible PCI configuration.
  std::string assigned_guest;
  std::string tdi_state;
  std::string tdi_error_reason;
  uint64_t scrub_generation = 0;
  PciConfig pci;
};

// A security-relevant change the host (hypervisor) made to a device. The
// TDISP responder moves a locked or running interface to ERROR on each.
enum class HostEventKind {
  kConfigWrite,   // a config write that changed a register
  kBarMove,       // a BAR reprogrammed
  kFlr,           // Function Level Reset
  kCcModeChange,  // a different CC mode staged
  kReset,         // device reset
  kAssign,        // the device was assigned to another guest
};
std::string_view HostEventKindName(HostEventKind k);  // "config-write", …
struct HostEvent {
  HostEventKind kind = HostEventKind::kConfigWrite;
  ConfigChange change = ConfigChange::kNone;  // for kConfigWrite / kBarMove
  std::string detail;                         // for logs: what changed
};

class Device {
 public:
  // Loads device `index` of the state directory `state` and boots it:
  // measures firmware and configuration, creates a fresh attestation key
  // and its leaf certificate (FWID in the DICE extension), bumps boot_count
  // and saves the config. kNotFound (missing state), kIo, kInvalidJson,
  // crypto errors.
  static Result<std::unique_ptr<Device>> Open(const std::filesystem::path& state, unsigned index,
                                              const Clock& clock = SystemClock::Get());
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  unsigned index() const { return index_; }
  DeviceStatus Status() const;
  DeviceConfig Config() const;

  // ---- identity and evidence (what the SPDM responder serves) ----
  // The device chain, leaf first: AK leaf, identity (BROM), provisioner
  // ICA, identity CA, root — NVIDIA's five certificates.
  std::vector<crypto::Certificate> CertificateChain() const;
  std::string CertificateChainPem() const;
  MeasurementSet Measurements() const;
  // NVIDIA evidence blob for a 32-byte nonce (evidence_builder.h).
  // kInvalidArgument for another nonce size.
  Result<Bytes> Evidence(ByteSpan nonce) const;
  // One entry of NVIDIA's JSON evidence list {"arch": "HOPPER", "nonce",
  // "evidence" (base64), "certificate" (base64 of the PEM chain),
  // "driver_version", "vbios_version"} as a JSON object text.
  Result<std::string> EvidenceJson(ByteSpan nonce) const;
  // ECDSA-P384 raw r||s by the per-boot attestation key (the SPDM
  // responder signs its transcripts with it): over a message (SHA-384
  // inside) or a precomputed digest.
  Result<Bytes> SignWithAttestationKey(ByteSpan message) const;
  Result<Bytes> SignDigestWithAttestationKey(ByteSpan digest) const;

  // ---- CC mode, reset, ready ----
  // Stages `mode`. Returns OK when it is already the mode in effect (and
  // clears a pending change); otherwise stages it, saves, and returns
  // kResetRequired: it takes effect only through Reset().
  ccgpu::Status RequestCcMode(CcMode mode);
  // Device reset: applies a staged mode, scrubs protected memory, destroys
  // all session keys (bumps session_generation and calls reset listeners),
  // clears ready, re-boots (new measurements, new AK and leaf) and saves.
  ccgpu::Status Reset();
  // The guest's ready switch (after it has verified the device). Cleared
  // by Reset.
  void SetReady(bool ready);
  bool ready() const { return ready_.load(); }
  // Bumped by every reset; SPDM sessions record it at creation and are
  // dead once it changes.
  uint64_t session_generation() const { return session_generation_.load(); }
  // Called (with the new generation) after every reset, under no device
  // lock. Returns an id for RemoveResetListener.
  int AddResetListener(std::function<void(uint64_t generation)> fn);
  void RemoveResetListener(int id);

  // ---- memory ----
  // Engine (device-internal) access to protected memory: the data path and
  // kernels. kNotReady before the guest set ready ("device not ready: the
  // guest has not verified it and set it ready"); kOutOfRange.
  ccgpu::Status EngineWrite(uint64_t offset, ByteSpan data);
  ccgpu::Status EngineRead(uint64_t offset, std::span<uint8_t> out);
  // Runs fn on a span of protected memory under the engine (shared) lock
  // (no reset can scrub it meanwhile) and returns fn's status. kNotReady,
  // kOutOfRange before fn runs. fn must not call Reset.
  ccgpu::Status WithEngineRange(uint64_t offset, uint64_t length,
                                const std::function<ccgpu::Status(std::span<uint8_t>)>& fn);
  // Host (untrusted) access: allowed only in CC off; otherwise reads are
  // poisoned and writes dropped; every denied access is logged. kOutOfRange.
  Result<HostAccess> HostRead(uint64_t offset, std::span<uint8_t> out);
  Result<HostAccess> HostWrite(uint64_t offset, ByteSpan data);
  // Recent access-policy log lines (newest last, at most 256).
  std::vector<std::string> AccessLog() const;
  // Log sink (e.g. gpud's stderr); called for every log line.
  void SetLogSink(std::function<void(const std::string&)> sink);
  // A fresh host-mappable region (anonymous memfd, zero-filled; the fd can
  // be passed to the host). kInvalidArgument for size 0, kIo.
  Result<channel::SharedRegion> CreateSharedRegion(std::size_t size);

  // Saves config.json (mode, pending mode, boot count).
  ccgpu::Status Save() const;

  // ---- secure attach: PCI config, host events, guest ownership, scrub ----
  // (device_host.cc). Host-event listeners are called after the change,
  // under no device lock.
  PciConfig Pci() const;
  // A host config-space dword read / write (pci_config.h). A write that
  // changes a register raises kConfigWrite. kInvalidArgument (offset).
  Result<uint32_t> HostConfigRead(uint16_t offset) const;
  Result<ConfigChange> HostConfigWrite(uint16_t offset, uint32_t value);
  // The hypervisor moves a BAR; raises kBarMove when the address changed.
  // kNotFound (no such BAR), kInvalidArgument (alignment, range).
  Result<ConfigChange> HostBarMove(uint8_t bar, uint64_t address);
  // Function Level Reset: PCI command/MSI-X cleared, guest state scrubbed
  // (ScrubGuestState), raises kFlr.
  ccgpu::Status HostFlr();
  // Ownership: the host assigns the device to guest `guest` ("" releases
  // it). Raises kAssign when the owner changes.
  void AssignGuest(const std::string& guest);
  std::string assigned_guest() const;
  int AddHostEventListener(std::function<void(const HostEvent&)> fn);
  void RemoveHostEventListener(int id);
  // Scrubs everything a guest left in the device without re-booting it:
  // clears ready, zeroes protected memory, bumps scrub_generation and calls
  // the scrub listeners (the data path must drop its channel keys and
  // close its channels). SPDM sessions survive (they are the link's, not the
  // interface's: PCIe 6.1 §11.2), so the guest can still read the TDI state.
  ccgpu::Status ScrubGuestState(const std::string& reason);
  uint64_t scrub_generation() const { return scrub_generation_.load(); }
  int AddScrubListener(std::function<void(uint64_t scrub_generation)> fn);
  void RemoveScrubListener(int id);
  // The device's TDISP responder (one TDI, function 0): register it as the
  // SPDM VENDOR_DEFINED handler for StandardID 3 (PCI-SIG), VendorID 0x0001.
  std::shared_ptr<tdisp::TdiResponder> Tdi() const { return tdi_; }
  // The device's IDE key management responder (tdisp/ide_km.h).
  std::shared_ptr<tdisp::IdeKmResponder> IdeKm() const { return ide_km_; }
  // Both PCI-SIG protocols behind one handler, by ProtocolID (0x00 IDE_KM,
  // 0x01 TDISP): what to register for StandardID 3, VendorID 0x0001.
  std::shared_ptr<tdisp::PciSigProtocols> PciSig() const { return pci_sig_; }

 private:
  Device() = default;
  ccgpu::Status Boot();
  void Log(const std::string& line);

  std::filesystem::path dir_;
  unsigned index_ = 0;
  const Clock* clock_ = nullptr;

  mutable std::mutex mu_;  // config, identity, boot state, log
  DeviceConfig config_;
  std::optional<crypto::EcPrivateKey> identity_key_;
  std::optional<crypto::Certificate> identity_cert_;
  std::vector<crypto::Certificate> ca_chain_;  // ICA, identity CA, root
  std::optional<crypto::EcPrivateKey> ak_;
  std::optional<crypto::Certificate> ak_leaf_;
  MeasurementSet measurements_;
  std::vector<std::string> log_;
  std::function<void(const std::string&)> log_sink_;
  uint64_t denied_ = 0;

  std::shared_mutex mem_mu_;
  std::optional<ProtectedMemory> memory_;

  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> session_generation_{0};

  std::mutex listeners_mu_;
  int next_listener_ = 1;
  std::vector<std::pair<int, std::function<void(uint64_t)>>> listeners_;

  // Secure attach (device_host.cc). pci_ and assigned_guest_ under mu_.
  void RaiseHostEvent(const HostEvent& e);
  PciConfig pci_;
  std::string assigned_guest_;
  std::atomic<uint64_t> scrub_generation_{0};
  std::vector<std::pair<int, std::function<void(const HostEvent&)>>> host_listeners_;  // listeners_mu_
  std::vector<std::pair<int, std::function<void(uint64_t)>>> scrub_listeners_;        // listeners_mu_
  // Last members: destroyed first, while the listener lists still exist.
  std::shared_ptr<tdisp::TdiResponder> tdi_;
  std::shared_ptr<tdisp::IdeKmResponder> ide_km_;
  std::shared_ptr<tdisp::PciSigProtocols> pci_sig_;
};

// All devices of a state directory (gpud.json), opened and booted.
class DeviceSet {
 public:
  static Result<DeviceSet> Open(const std::filesystem::path& state, const Clock& clock = SystemClock::Get());
  std::size_t size() const { return devices_.size(); }
  // kNotFound for an index out of range.
  Result<Device*> Get(unsigned index);
  ccgpu::Status SaveAll() const;

 private:
  std::vector<std::unique_ptr<Device>> devices_;
};

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_DEVICE_H_
