// Fuzzes gpud's management-request handler (the bytes a host client sends
// to gpud.sock) against a provisioned two-device state. Every reply must be
// a JSON object with a boolean "ok".
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "gpu/device.h"
#include "gpu/gpud.h"
#include "gpu/provision.h"

namespace {

std::filesystem::path g_dir;

void RemoveState() { std::filesystem::remove_all(g_dir); }

ccgpu::gpu::DeviceSet& Devices() {
  static std::unique_ptr<ccgpu::gpu::DeviceSet> set = [] {
    g_dir = std::filesystem::temp_directory_path() / ("ccgpu_fuzz_gpud_" + std::to_string(::getpid()));
    std::filesystem::remove_all(g_dir);
    ccgpu::gpu::ProvisionOptions o;
    o.gpus = 2;
    o.base.protected_memory_bytes = 1u << 20;
    o.now = ccgpu::SystemClock::Get().Now();
    CCGPU_CHECK(ccgpu::gpu::Provision(g_dir, o).has_value());
    std::atexit(RemoveState);
    auto s = ccgpu::gpu::DeviceSet::Open(g_dir);
    CCGPU_CHECK(s.has_value());
    return std::make_unique<ccgpu::gpu::DeviceSet>(std::move(*s));
  }();
  return *set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
  const std::string reply = ccgpu::gpu::HandleManagementRequest(Devices(), text);
  auto j = nlohmann::json::parse(reply, nullptr, false);
  CCGPU_CHECK(!j.is_discarded() && j.is_object() && j["ok"].is_boolean());
  return 0;
}
