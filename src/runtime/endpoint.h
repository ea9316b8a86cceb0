// How the Context reaches one device's SPDM responder (internal to
// src/runtime): an in-process device it opens and serves itself, or a gpud
// endpoint over TCP (spdm-emu platform-port framing, MCTP).
#ifndef CCGPU_RUNTIME_ENDPOINT_H_
#define CCGPU_RUNTIME_ENDPOINT_H_

#include <memory>
#include <optional>

#include "base/bytes.h"
#include "gpu/engine/device_engine.h"
#include "gpu/engine/peer_link.h"
#include "base/result.h"
#include "runtime/attach.h"
#include "runtime/context.h"
#include "spdm/requester/exchange.h"

namespace ccgpu::runtime {

// What an in-process device is served with (the device model, its SPDM
// responder service and, once built in, its engine). Owns them.
class InProcessHost {
 public:
  virtual ~InProcessHost() = default;
  virtual gpu::Device* device() = 0;
  // A fresh SPDM connection to the device's responder.
  virtual Result<std::unique_ptr<spdm::requester::MessageExchange>> Connect() = 0;
};

struct Endpoint {
  std::unique_ptr<InProcessHost> host;  // in-process only; declared first: destroyed last
  std::unique_ptr<spdm::requester::MessageExchange> exchange;  // the (possibly relayed) connection
  LinkOptions link;
};

// Opens the endpoint of `spec` (boots an in-process device; connects to
// gpud and exchanges the platform TEST hello). kNotFound / kIo / kInvalidArgument.
// In-process devices of one Context share `links` (the GPU↔GPU link hub).
Result<Endpoint> OpenEndpoint(const DeviceSpec& spec, std::shared_ptr<gpu::engine::PeerLinkHub> links);

// The in-process host for device `index` of `state`.
Result<std::unique_ptr<InProcessHost>> OpenInProcessHost(const std::filesystem::path& state, unsigned index,
                                                         std::shared_ptr<gpu::engine::PeerLinkHub> links,
                                                         gpu::engine::EngineOptions engine_options = {});

}  // namespace ccgpu::runtime

#endif  // CCGPU_RUNTIME_ENDPOINT_H_
