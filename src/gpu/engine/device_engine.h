// One device's command-channel engine: its protected-memory allocator and
// the executors of the channels guests opened on it (OPEN_CHANNEL), plus the
// ccgpu control protocol (channel/control.h) as an SPDM VENDOR_DEFINED
// handler.
//
// A device reset kills every channel (keys dropped; the executors stop
// reading records) and forgets every allocation (reset scrubbed memory);
// dead channels are reaped on the next control request.
#ifndef CCGPU_GPU_ENGINE_DEVICE_ENGINE_H_
#define CCGPU_GPU_ENGINE_DEVICE_ENGINE_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "base/result.h"
#include "base/secret.h"
#include "channel/control.h"
#include "gpu/device.h"
#include "gpu/engine/allocator.h"
#include "gpu/engine/executor.h"
#include "gpu/engine/peer_link.h"
#include "spdm/responder/vendor_handler.h"

namespace ccgpu::gpu::engine {

struct EngineOptions {
  std::size_t threads = 2;                          // device threads per channel
  std::chrono::milliseconds transfer_timeout{30000};
  std::size_t max_channels = 16;
  // How OPEN_CHANNEL maps the guest's named regions; empty: by name
  // (channel::SharedRegion::OpenNamed). The host decides what memory a
  // device's DMA reaches (an IOMMU remap), so the demo's hostile host and
  // tests put their own mapping here.
  std::function<Result<channel::SharedRegion>(const std::string& name)> map_region;
};

class DeviceEngine {
 public:
  // `links` may be null (no peer copies); it must outlive the engine.
  DeviceEngine(Device& device, PeerLinkHub* links, EngineOptions options = {});
  ~DeviceEngine();
  DeviceEngine(const DeviceEngine&) = delete;
  DeviceEngine& operator=(const DeviceEngine&) = delete;

  // OPEN_CHANNEL: maps the four named regions, attaches the rings with the
  // request's geometry, and only then takes the session's EMS from `ems`
  // (so a refused request leaves it for a corrected one), derives the keys
  // and starts the executor. kBusy if the channel id is in use,
  // kResourceExhausted past max_channels, kNotFound if a region does not
  // exist, kInvalidArgument if a region is smaller than the geometry,
  // kMalformed if it is not a ring of that geometry; `ems`'s error.
  Result<channel::OpenChannelResponse> OpenChannel(const channel::OpenChannelRequest& request,
                                                   const std::function<Result<SecretBytes>()>& ems);
  // Starts an executor on regions the caller already mapped (in-process use).
  Status OpenChannelOnRegions(const ExecutorConfig& config, ByteSpan ems, ChannelRegions regions);
  // CLOSE_CHANNEL: stops the executor, frees and scrubs its allocations.
  // kNotFound for an unknown channel.
  Status CloseChannel(uint32_t channel_id);
  // SET_READY.
  void SetReady() { device_.SetReady(true); }

  Device& device() { return device_; }
  DeviceAllocator& allocator() { return allocator_; }
  // Live channels (dead ones are reaped first).
  std::size_t channel_count();

 private:
  void ReapLocked();
  Device& device_;
  PeerLinkHub* links_;
  EngineOptions options_;
  DeviceAllocator allocator_;
  std::mutex mu_;
  std::map<uint32_t, std::unique_ptr<ChannelExecutor>> channels_;
  int reset_listener_ = 0;
};

// How the handler gets the export master secret of the SPDM session a
// request arrived in. Default (empty): VendorRequest::export_master_secret,
// which gpu::DeviceService hands out once per session — so one channel per
// SPDM session (a second OPEN_CHANNEL in it gets kStateError).
using EmsSource = std::function<Result<SecretBytes>(const spdm::responder::VendorRequest&)>;

// The ccgpu control protocol (channel/control.h) for one device. Requests
// outside an SPDM session are answered with status kAccessDenied; another
// StandardID/VendorID is kUnsupported (ERROR UnsupportedRequest); a payload
// without version and code is kMalformed (ERROR InvalidRequest); everything
// else gets a control response carrying the precise Errc.
class ControlHandler : public spdm::responder::VendorDefinedHandler {
 public:
  ControlHandler(DeviceEngine& engine, EmsSource ems = {}) : engine_(&engine), ems_(std::move(ems)) {}
  // A handler that owns its engine (for registering with a DeviceService).
  ControlHandler(std::unique_ptr<DeviceEngine> engine, EmsSource ems = {})
      : owned_(std::move(engine)), engine_(owned_.get()), ems_(std::move(ems)) {}
  Result<Bytes> Handle(const spdm::responder::VendorRequest& request) override;
  DeviceEngine& engine() { return *engine_; }

 private:
  std::unique_ptr<DeviceEngine> owned_;
  DeviceEngine* engine_;
  EmsSource ems_;
};

}  // namespace ccgpu::gpu::engine

#endif  // CCGPU_GPU_ENGINE_DEVICE_ENGINE_H_
