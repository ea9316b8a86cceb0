#include "runtime/endpoint.h"

#include <mutex>
#include <utility>
#include <vector>

#include "gpu/device.h"
#include "gpu/engine/service.h"
#include "gpu/service/device_service.h"
#include "spdm/requester/transport_exchange.h"
#include "spdm/transport/socket.h"
#include "spdm/transport/spdm_transport.h"
#include "spdm/wire/measurements.h"

namespace ccgpu::runtime {
namespace {

// ---- In-process device: the device model, its SPDM service (DeviceService)
// and its command-channel engine with the control protocol registered, as
// gpud serves each device.
class LocalHost final : public InProcessHost {
 public:
  static Result<std::unique_ptr<LocalHost>> Open(const std::filesystem::path& state, unsigned index,
                                                 std::shared_ptr<gpu::engine::PeerLinkHub> links,
                                                 gpu::engine::EngineOptions engine_options) {
    std::unique_ptr<LocalHost> h(new LocalHost());
    h->links_ = std::move(links);
    CCGPU_ASSIGN_OR_RETURN(h->device_, gpu::Device::Open(state, index));
    // The service registers the device's TDISP responder itself.
    CCGPU_ASSIGN_OR_RETURN(h->service_, gpu::DeviceService::Create(*h->device_));
    CCGPU_TRY(gpu::engine::RegisterControlProtocol(*h->service_, h->links_.get(), std::move(engine_options)));
    return h;
  }
  gpu::Device* device() override { return device_.get(); }
  Result<std::unique_ptr<spdm::requester::MessageExchange>> Connect() override { return service_->Connect(); }

 private:
  LocalHost() = default;
  // Destroyed bottom up: the service (and the engine its handler owns)
  // before the device, the link hub last.
  std::shared_ptr<gpu::engine::PeerLinkHub> links_;
  std::unique_ptr<gpu::Device> device_;
  std::unique_ptr<gpu::DeviceService> service_;
};

// ---- gpud over TCP: owns the transport the exchange uses.
class TcpExchange final : public spdm::requester::MessageExchange {
 public:
  explicit TcpExchange(spdm::transport::TcpConnection conn)
      : transport_(std::move(conn), spdm::transport::TransportType::kMctp, spdm::transport::Role::kRequester),
        exchange_(&transport_) {}
  Status Hello() { return transport_.Hello(); }
  Result<spdm::requester::ExchangeMessage> Exchange(bool secured, ByteSpan request) override {
    return exchange_.Exchange(secured, request);
  }

 private:
  spdm::transport::PlatformPortTransport transport_;
  spdm::requester::TransportExchange exchange_;
};

}  // namespace

Result<std::unique_ptr<InProcessHost>> OpenInProcessHost(const std::filesystem::path& state, unsigned index,
                                                         std::shared_ptr<gpu::engine::PeerLinkHub> links,
                                                         gpu::engine::EngineOptions engine_options) {
  CCGPU_ASSIGN_OR_RETURN(auto h, LocalHost::Open(state, index, std::move(links), std::move(engine_options)));
  return std::unique_ptr<InProcessHost>(std::move(h));
}

Result<Endpoint> OpenEndpoint(const DeviceSpec& spec, std::shared_ptr<gpu::engine::PeerLinkHub> links) {
  Endpoint ep;
  if (spec.kind == DeviceSpec::Kind::kInProcess) {
    gpu::engine::EngineOptions engine_options;
    engine_options.map_region = spec.map_region;
    CCGPU_ASSIGN_OR_RETURN(ep.host, OpenInProcessHost(spec.state, spec.index, std::move(links),
                                                      std::move(engine_options)));
    CCGPU_ASSIGN_OR_RETURN(ep.exchange, ep.host->Connect());
    ep.link.binding = spdm::session::TransportBinding::Mctp();
  } else {
    if (spec.port == 0) return Fail(Errc::kInvalidArgument, "gpud endpoint: port 0");
    CCGPU_ASSIGN_OR_RETURN(auto conn, spdm::transport::TcpConnection::Connect(spec.host, spec.port));
    auto tcp = std::make_unique<TcpExchange>(std::move(conn));
    CCGPU_TRY(tcp->Hello());
    ep.exchange = std::move(tcp);
    CCGPU_ASSIGN_OR_RETURN(ep.link.binding,
                           spdm::requester::RecordBindingFor(spdm::transport::TransportType::kMctp));
  }
  if (spec.relay) {
    ep.exchange = spec.relay(std::move(ep.exchange));
    if (!ep.exchange) return Fail(Errc::kInvalidArgument, "host relay returned no connection");
  }
  return ep;
}

}  // namespace ccgpu::runtime
