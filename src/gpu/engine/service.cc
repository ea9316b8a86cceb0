#include "gpu/engine/service.h"

#include "channel/control.h"

namespace ccgpu::gpu::engine {

Status RegisterControlProtocol(DeviceService& service, PeerLinkHub* links, EngineOptions options) {
  auto handler = std::make_shared<ControlHandler>(
      std::make_unique<DeviceEngine>(service.device(), links, options));
  return service.RegisterVendorProtocol(
      channel::kControlStandardId, Bytes(channel::kControlVendorId.begin(), channel::kControlVendorId.end()),
      std::move(handler));
}

}  // namespace ccgpu::gpu::engine
