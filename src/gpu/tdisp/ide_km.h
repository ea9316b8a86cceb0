// The emulated GPU's IDE key management responder (the DSM side of PCIe
// IDE_KM, PCIe Base 6.0 §6.33.3) and the PCI-SIG protocol multiplexer that
// puts it beside the TDISP responder on SPDM VENDOR_DEFINED (StandardID 3,
// VendorID 0x0001; ProtocolID 0x00 IDE_KM, 0x01 TDISP).
//
// The device has one port (PortIndex 0, MaxPortIndex 0) with one selective
// IDE stream register block; QUERY_RESP reports the IDE extended capability
// (selective streams, IDE_KM, TEE-limited streams; AES-GCM-256, no link IDE,
// no address-association blocks). For any StreamID the TSM programs keys per
// key set (K0/K1), direction (RX/TX) and sub-stream (PR/NPR/CPL):
//  * KEY_PROG stores the key (SecretBytes) and answers KP_ACK: another port
//    is UNSUPPORTED_PORT_INDEX, a sub-stream other than PR/NPR/CPL or the key
//    set now in use for that stream/direction/sub-stream UNSUPPORTED_VALUE.
//  * K_SET_GO makes a programmed key set the one in use (ERROR InvalidRequest
//    for a key set never programmed); K_SET_STOP takes it out of use and
//    wipes its key. Both answer K_GOSTOP_ACK.
//  * The stream is "secure" once all six (direction, sub-stream) pairs have
//    a key set in use; QUERY_RESP's Selective IDE Stream Status says so.
// Keys travel only in a secure session: any IDE_KM request outside one is
// ERROR(InvalidRequest) and changes nothing. A device reset or re-assignment
// to another guest wipes every key (host events).
// Thread-safe (one mutex). Owned by its Device and must not outlive it.
#ifndef CCGPU_GPU_TDISP_IDE_KM_H_
#define CCGPU_GPU_TDISP_IDE_KM_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>

#include "base/secret.h"
#include "gpu/device.h"
#include "spdm/responder/vendor_handler.h"
#include "spdm/tdisp/ide_km.h"

namespace ccgpu::gpu::tdisp {

struct IdeKmStatus {
  std::size_t programmed_keys = 0;  // key sets holding a key
  std::size_t keys_in_use = 0;      // (stream, direction, sub-stream) with a key set in use
  std::optional<uint8_t> secure_stream;  // a stream with all six in use
  uint64_t key_progs = 0, gos = 0, stops = 0, wipes = 0;
};

class IdeKmResponder final : public spdm::responder::VendorDefinedHandler {
 public:
  explicit IdeKmResponder(Device& device);
  ~IdeKmResponder() override;
  IdeKmResponder(const IdeKmResponder&) = delete;
  IdeKmResponder& operator=(const IdeKmResponder&) = delete;

  // One IDE_KM request (VENDOR_DEFINED payload: ProtocolID 0x00 + object) →
  // the response payload. kInvalidArgument outside a session or for a
  // request this DSM refuses without an ACK (→ ERROR InvalidRequest),
  // kMalformed / kTruncated / kTrailingData for a bad object, kUnsupported for
  // an object that is not a request (→ ERROR UnsupportedRequest).
  Result<Bytes> Handle(const spdm::responder::VendorRequest& request) override;

  IdeKmStatus Status() const;
  // The IDE extended capability QUERY_RESP carries (8 DWORDs, LE).
  Bytes Capability() const;

 private:
  // (stream, direction|sub-stream) and the key set.
  using Lane = std::pair<uint8_t, uint8_t>;
  struct KeySlot {
    SecretBytes key;
    std::array<uint8_t, spdm::idekm::kIfvSize> ifv{};
  };
  Result<Bytes> Serve(spdm::idekm::Message& m);
  void WipeAll();
  // Requires mu_.
  std::optional<uint8_t> SecureStreamLocked() const;
  Bytes CapabilityLocked() const;

  Device& device_;
  int host_listener_ = 0;
  mutable std::mutex mu_;
  std::map<std::pair<Lane, uint8_t>, KeySlot> keys_;  // (lane, key set) → key
  std::map<Lane, uint8_t> in_use_;                     // lane → key set in use
  uint64_t key_progs_ = 0, gos_ = 0, stops_ = 0, wipes_ = 0;
};

// Routes PCI-SIG VENDOR_DEFINED payloads by ProtocolID: 0x00 to `ide_km`,
// 0x01 to `tdisp`; another protocol is kUnsupported (→ UnsupportedRequest),
// an empty payload kMalformed (→ InvalidRequest).
class PciSigProtocols final : public spdm::responder::VendorDefinedHandler {
 public:
  PciSigProtocols(std::shared_ptr<spdm::responder::VendorDefinedHandler> ide_km,
                  std::shared_ptr<spdm::responder::VendorDefinedHandler> tdisp)
      : ide_km_(std::move(ide_km)), tdisp_(std::move(tdisp)) {}
  Result<Bytes> Handle(const spdm::responder::VendorRequest& request) override;

 private:
  std::shared_ptr<spdm::responder::VendorDefinedHandler> ide_km_, tdisp_;
};

}  // namespace ccgpu::gpu::tdisp

#endif  // CCGPU_GPU_TDISP_IDE_KM_H_
