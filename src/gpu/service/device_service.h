// gpu::DeviceService: the SPDM face of one emulated GPU (its security
// processor's responder), in process and over TCP.
//
//  - Responder: slot-0 chain = Device::CertificateChain (AK leaf → … → root),
//    signer = the device's per-boot attestation key, measurements = the 64
//    SHA-384 measurement blocks (DMTF type 0x01, digests), and MEASUREMENTS
//    OpaqueData = NVIDIA's opaque TLVs exactly as Device::Evidence builds
//    them. Algorithms: ECDSA P-384 (the AK's curve), SHA-384 only (the
//    blocks are SHA-384 digests), secp384r1/secp256r1, AES-256-GCM /
//    ChaCha20-Poly1305. So a requester that negotiates SPDM 1.1 and sends one
//    signed GET_MEASUREMENTS(all, nonce) gets request || response = an NVIDIA
//    evidence blob that attest::ParseEvidence and the verifier accept like
//    Device::Evidence's output.
//  - Reset: the responder belongs to one device generation
//    (Device::session_generation). After Device::Reset it is dropped (its
//    session keys wiped) and a fresh one is built on the next message, with
//    the new AK leaf; records of old sessions are refused (ERROR), and a
//    signature the old responder would make after the reset is refused.
//  - Vendor protocols: VENDOR_DEFINED requests are dispatched by (StandardID,
//    VendorID) to registered handlers; unknown → ERROR(UnsupportedRequest).
//    Create registers the device's TDISP responder (Device::Tdi) for
//    StandardID 3 (PCI-SIG), VendorID 0x0001.
//    In a session, VendorRequest::export_master_secret gives the handler
//    that session's export master secret (once per session).
//  - One SPDM connection state per device (as a real device has): every
//    message, from Connect() exchanges and from TCP, is handled under one
//    mutex. One requester at a time; a second requester's GET_VERSION resets
//    the first one's connection (DSP0274).
//
// EMULATED, NOT FOR PRODUCTION (the chain says so).
#ifndef CCGPU_GPU_SERVICE_DEVICE_SERVICE_H_
#define CCGPU_GPU_SERVICE_DEVICE_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "gpu/device.h"
#include "gpu/gpud.h"
#include "spdm/requester/exchange.h"
#include "spdm/responder/vendor_handler.h"
#include "spdm/session/secured_message.h"
#include "spdm/transport/spdm_transport.h"

namespace ccgpu::gpu {

struct DeviceServiceOptions {
  // Record binding of in-process Connect() exchanges (Serve uses its
  // transport type's binding instead). PCI DOE also accepts DWORD padding.
  spdm::transport::TransportType in_process_transport = spdm::transport::TransportType::kMctp;
  // Open sessions at once (ERROR SessionLimitExceeded beyond).
  std::size_t max_sessions = 4;
  // One line per notable event (reset seen, connection ended); may be empty.
  std::function<void(const std::string&)> log;
};

class DeviceService {
 public:
  // A service for `device`, which must outlive the service and every
  // exchange Connect() returned. Builds the first responder now: errors of
  // spdm::responder::Responder::Create (kInvalidArgument) and of the device.
  static Result<std::unique_ptr<DeviceService>> Create(Device& device, DeviceServiceOptions options = {});
  ~DeviceService();
  DeviceService(const DeviceService&) = delete;
  DeviceService& operator=(const DeviceService&) = delete;

  Device& device() { return *device_; }

  // Routes VENDOR_DEFINED_REQUESTs with this StandardID (DSP0274 Table
  // "Registry or standards body ID", e.g. 3 = PCI-SIG) and VendorID to
  // `handler` (shared; called under the service mutex, one call at a time;
  // it must not call back into this service). kInvalidArgument for a null
  // handler or a VendorID over 255 bytes; kBusy if another handler has the
  // pair (registering the same handler again is OK).
  Status RegisterVendorProtocol(uint16_t standard_id, Bytes vendor_id,
                                std::shared_ptr<spdm::responder::VendorDefinedHandler> handler);

  // An in-process transport to the responder (thread-safe: messages are
  // serialised with TCP ones). Its records use the in-process binding. The
  // exchange keeps the service's state alive but not the Device.
  std::unique_ptr<spdm::requester::MessageExchange> Connect();

  // Serves SPDM on `endpoint` (spdm-emu platform port, transport `type`)
  // until `stop` becomes true (checked every 200 ms). One connection at a
  // time; a connection that drops, times out, sends garbage or ends with
  // SHUTDOWN/CONTINUE just ends (the device and the listener stay). Switches
  // the responder's record binding to `type`'s (which resets the SPDM
  // connection state if it differs). kIo if the port cannot be bound,
  // kInvalidArgument for a bad bind address. `on_listening` (optional) gets
  // the bound port (useful with port 0).
  Status Serve(const SpdmEndpoint& endpoint, const std::atomic<bool>& stop,
               spdm::transport::TransportType type = spdm::transport::TransportType::kMctp,
               const std::function<void(uint16_t port)>& on_listening = nullptr);

  // The device generation the current responder serves, and how many
  // responders were built so far (tests, status).
  uint64_t responder_generation() const;
  uint64_t responders_built() const;

  struct Core;  // shared with exchanges (implementation detail)

 private:
  DeviceService() = default;
  Device* device_ = nullptr;
  std::shared_ptr<Core> core_;
  int listener_id_ = 0;
};

// gpud's SPDM seam: per device, a DeviceService serving `type` on the
// device's endpoint until stop (nothing for port 0: not configured). `on_created` (optional) runs once per device
// before serving, e.g. to register vendor protocols.
SpdmServiceFactory MakeSpdmServiceFactory(
    spdm::transport::TransportType type = spdm::transport::TransportType::kMctp,
    std::function<void(DeviceService&)> on_created = nullptr,
    std::function<void(const std::string&)> log = nullptr);

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_SERVICE_DEVICE_SERVICE_H_
