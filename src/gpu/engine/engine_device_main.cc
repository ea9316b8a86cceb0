// ccgpu_engine_device: a test helper that plays gpud's device side for the
// cross-process channel tests until `ccgpu gpud` registers the control
// protocol itself: it boots every device of a state directory, serves SPDM
// for each on an ephemeral loopback TCP port (gpu::DeviceService, MCTP
// binding) with the ccgpu control protocol registered, and shares one peer
// link hub between them.
//
//   ccgpu_engine_device STATE_DIR
// prints "device <i> port <p>" per device, then "ready", and serves until
// stdin reaches EOF (the parent test exits) or SIGTERM.
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "gpu/device.h"
#include "gpu/engine/service.h"
#include "gpu/service/device_service.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  using namespace ccgpu;
  if (argc != 2) {
    std::fprintf(stderr, "usage: ccgpu_engine_device STATE_DIR\n");
    return 2;
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  auto devices = gpu::DeviceSet::Open(argv[1]);
  if (!devices) {
    std::fprintf(stderr, "engine_device: %s\n", devices.error().ToString().c_str());
    return 1;
  }
  gpu::engine::PeerLinkHub hub;
  std::vector<std::unique_ptr<gpu::DeviceService>> services;
  std::vector<std::thread> servers;
  for (unsigned i = 0; i < devices->size(); ++i) {
    gpu::Device* d = *devices->Get(i);
    auto svc = gpu::DeviceService::Create(*d);
    if (!svc) {
      std::fprintf(stderr, "engine_device: %s\n", svc.error().ToString().c_str());
      return 1;
    }
    if (auto st = gpu::engine::RegisterControlProtocol(**svc, &hub); !st) {
      std::fprintf(stderr, "engine_device: %s\n", st.error().ToString().c_str());
      return 1;
    }
    services.push_back(std::move(*svc));
  }
  std::atomic<unsigned> listening{0};
  for (unsigned i = 0; i < services.size(); ++i) {
    servers.emplace_back([&, i] {
      auto st = services[i]->Serve({"127.0.0.1", 0}, g_stop, spdm::transport::TransportType::kMctp,
                                   [&, i](uint16_t port) {
                                     std::printf("device %u port %u\n", i, port);
                                     std::fflush(stdout);
                                     listening.fetch_add(1);
                                   });
      if (!st) std::fprintf(stderr, "engine_device: serve %u: %s\n", i, st.error().ToString().c_str());
    });
  }
  while (listening.load() < services.size() && !g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::printf("ready\n");
  std::fflush(stdout);
  // Until the parent closes our stdin (or SIGTERM).
  std::thread watch([] {
    char c;
    while (::read(0, &c, 1) > 0) {
    }
    g_stop.store(true);
  });
  watch.detach();
  for (auto& t : servers) t.join();
  services.clear();
  return 0;
}
