// The emulated GPU's TDISP responder (the DSM side of PCIe 6.1 §11): one TEE
// Device Interface (function 0) with the TDI state machine
//
//   CONFIG_UNLOCKED --LOCK_INTERFACE (fresh 32-byte start nonce)--> CONFIG_LOCKED
//   CONFIG_LOCKED   --START_INTERFACE (nonce == the issued one)--> RUN
//   CONFIG_LOCKED | RUN | ERROR --STOP_INTERFACE--> CONFIG_UNLOCKED (scrubbed)
//   CONFIG_LOCKED | RUN --security-relevant host change--> ERROR (scrubbed)
//
// as an SPDM VENDOR_DEFINED handler (StandardID 3 PCI-SIG, VendorID 0x0001,
// ProtocolID 0x01). Rules:
//  * Requests are served only inside an SPDM secure session; outside one
//    every request gets TDISP_ERROR INVALID_REQUEST and changes nothing.
//  * While CONFIG_LOCKED or RUN the interface is bound to the session that
//    locked it: GET_DEVICE_INTERFACE_REPORT, START and STOP from another
//    session get INVALID_REQUEST. In ERROR any session may STOP it.
//  * LOCK only from CONFIG_UNLOCKED; it needs CC mode on with no mode change
//    pending and every BAR assigned (INVALID_DEVICE_CONFIGURATION), flags
//    within those supported and an MMIO reporting offset that does not wrap
//    (INVALID_REQUEST), and a working RNG (INSUFFICIENT_ENTROPY, state
//    unchanged). The interface report is frozen at LOCK.
//  * GET_DEVICE_INTERFACE_REPORT only in CONFIG_LOCKED or RUN, in portions of
//    at most max_report_portion bytes.
//  * START compares the nonce in constant time (INVALID_NONCE, state kept);
//    the nonce is wiped once used, and START outside CONFIG_LOCKED (a
//    replayed START after RUN) is INVALID_INTERFACE_STATE.
//  * Host events (Device::AddHostEventListener): a config write that changed
//    a register, a BAR move, FLR, a staged CC-mode change, a device reset, or
//    re-assignment to another guest moves a CONFIG_LOCKED or RUN interface to
//    ERROR and scrubs the guest state (Device::ScrubGuestState).
//  * A wrong version is VERSION_MISMATCH, another function_id
//    INVALID_INTERFACE, an unimplemented request UNSUPPORTED_REQUEST.
// Thread-safe (one mutex); Handle runs on the SPDM thread, host events on
// gpud's management thread. Owned by its Device and must not outlive it.
#ifndef CCGPU_GPU_TDISP_TDI_H_
#define CCGPU_GPU_TDISP_TDI_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "base/secret.h"
#include "gpu/device.h"
#include "spdm/responder/vendor_handler.h"
#include "spdm/tdisp/report.h"
#include "spdm/tdisp/tdisp.h"

namespace ccgpu::gpu::tdisp {

using spdm::tdisp::TdiState;

// Fills its argument with random bytes; an error means no entropy.
using RandomSource = std::function<ccgpu::Status(std::span<uint8_t>)>;

// Lock flags this DSM honours (GET_TDISP_CAPABILITIES
// lock_interface_flags_supported): NO_FW_UPDATE, SYSTEM_CACHE_LINE_SIZE,
// LOCK_MSIX. BIND_P2P and ALL_REQUEST_REDIRECT are not modelled.
inline constexpr uint16_t kSupportedLockFlags = spdm::tdisp::lock_flags::kNoFwUpdate |
                                                spdm::tdisp::lock_flags::kSystemCacheLineSize |
                                                spdm::tdisp::lock_flags::kLockMsix;

struct TdiStatus {
  TdiState state = TdiState::kConfigUnlocked;
  uint32_t function_id = 0;
  std::optional<uint32_t> bound_session;  // the session that locked it
  std::string error_reason;               // why it last went to ERROR
  uint64_t locks = 0, starts = 0, errors = 0;
  // TDISP_ERROR answers sent, and the last one's code.
  uint64_t refusals = 0;
  uint32_t last_refusal = 0;
};

class TdiResponder final : public spdm::responder::VendorDefinedHandler {
 public:
  // Registers a host-event listener on `device` (removed again by the
  // destructor).
  explicit TdiResponder(Device& device);
  ~TdiResponder() override;
  TdiResponder(const TdiResponder&) = delete;
  TdiResponder& operator=(const TdiResponder&) = delete;

  // One TDISP request (VENDOR_DEFINED payload) → the response payload
  // (ProtocolID + TDISP message; refusals are TDISP_ERROR messages). SPDM-
  // level errors: kUnsupported for another StandardID/VendorID or a PCI-SIG
  // protocol other than TDISP (→ ERROR UnsupportedRequest), kMalformed for an
  // empty payload (→ ERROR InvalidRequest).
  Result<Bytes> Handle(const spdm::responder::VendorRequest& request) override;

  TdiStatus Status() const;
  TdiState state() const;
  // The CSPRNG by default; tests inject a failing source.
  void SetRandomSource(RandomSource random);
  // Largest report portion per DEVICE_INTERFACE_REPORT (default 256, ≥ 1).
  void SetMaxReportPortion(uint16_t bytes);

  // The report the interface would serve if locked now with
  // `mmio_reporting_offset` and `flags` (what the host maps; tests).
  static spdm::tdisp::InterfaceReport BuildReport(const PciConfig& pci, uint64_t mmio_reporting_offset,
                                                  uint16_t flags);

 private:
  void OnHostEvent(const HostEvent& e);
  // Requires op_mu_ (not mu_). Moves a locked/running TDI to ERROR and
  // scrubs when `scrub`.
  void EnterError(const std::string& reason, bool scrub);
  // Requires mu_.
  Bytes ErrorReply(const spdm::tdisp::Header& h, spdm::tdisp::ErrorCode code, uint32_t data = 0);
  Result<Bytes> Serve(const spdm::tdisp::Request& req, uint32_t session_id);

  Device& device_;
  int host_listener_ = 0;
  // op_mu_ serialises requests and host events (held across scrubs); mu_
  // guards the state below (never held while the device scrubs, so scrub
  // listeners may call Status()). Order: op_mu_, mu_, then Device locks.
  std::mutex op_mu_;
  mutable std::mutex mu_;
  RandomSource random_;
  uint16_t max_portion_ = 256;
  TdiState state_ = TdiState::kConfigUnlocked;
  std::optional<uint32_t> bound_session_;
  std::optional<SecretArray<spdm::tdisp::kStartNonceSize>> nonce_;
  Bytes report_;  // frozen at LOCK
  std::string error_reason_;
  uint64_t locks_ = 0, starts_ = 0, errors_ = 0, refusals_ = 0;
  uint32_t last_refusal_ = 0;
};

}  // namespace ccgpu::gpu::tdisp

#endif  // CCGPU_GPU_TDISP_TDI_H_
