// Registering the ccgpu control protocol with a device's SPDM service, so
// OPEN_CHANNEL / SET_READY / CLOSE_CHANNEL are served inside its sessions.
#ifndef CCGPU_GPU_ENGINE_SERVICE_H_
#define CCGPU_GPU_ENGINE_SERVICE_H_

#include "base/result.h"
#include "gpu/engine/device_engine.h"
#include "gpu/service/device_service.h"

namespace ccgpu::gpu::engine {

// Registers a ControlHandler (owning a fresh DeviceEngine for
// service.device()) under channel::kControlStandardId/kControlVendorId.
// `links` may be null (no peer copies) and must outlive the service; the
// handler lives as long as the service. kBusy if already registered.
// Use it as MakeSpdmServiceFactory's `on_created` hook in gpud.
Status RegisterControlProtocol(DeviceService& service, PeerLinkHub* links, EngineOptions options = {});

}  // namespace ccgpu::gpu::engine

#endif  // CCGPU_GPU_ENGINE_SERVICE_H_
