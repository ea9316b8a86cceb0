#include "bench_device.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "base/clock.h"
#include "bench_measure.h"
#include "channel/control.h"
#include "crypto/rng.h"
#include "gpu/device.h"
#include "gpu/engine/device_engine.h"
#include "gpu/provision.h"
#include "runtime/device_channel.h"

namespace ccgpu::cli {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// Removes the temporary state directory however the bench ends.
struct TempDir {
  fs::path path;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};


}  // namespace

Result<std::vector<DeviceBenchRow>> BenchThroughDevice(const std::vector<std::size_t>& sizes,
                                                       const std::vector<std::size_t>& threads,
                                                       uint32_t chunk, uint32_t ring_slots, double min_seconds,
                                                       const std::function<void(const std::string&)>& step) {
  const std::size_t largest = sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
  TempDir dir{fs::temp_directory_path() / ("ccgpu-bench-device-" + std::to_string(getpid()))};
  gpu::ProvisionOptions po;
  po.gpus = 1;
  po.now = SystemClock::Get().Now();
  po.base.protected_memory_bytes = std::max<uint64_t>(64u << 20, (largest + (1u << 20)) / 4096 * 4096 + 4096);
  CCGPU_TRY(gpu::Provision(dir.path, po));
  CCGPU_ASSIGN_OR_RETURN(auto device, gpu::Device::Open(dir.path, 0));
  CCGPU_ASSIGN_OR_RETURN(Bytes ems_bytes, crypto::RandomBytes(48));
  std::vector<DeviceBenchRow> rows;
  uint32_t channel_id = 1;
  for (std::size_t t : threads) {
    gpu::engine::EngineOptions eo;
    eo.threads = t;
    gpu::engine::DeviceEngine engine(*device, nullptr, eo);
    gpu::engine::ControlHandler handler(engine);
    // The SPDM session stands in as a direct call with the session's EMS.
    runtime::VendorCall call = [&](uint16_t sid, ByteSpan vid, ByteSpan payload) {
      spdm::responder::VendorRequest r{sid, vid, payload, 1u,
                                       [&] { return Result<SecretBytes>(SecretBytes::CopyOf(ems_bytes)); }};
      return handler.Handle(r);
    };
    runtime::DeviceChannelOptions o;
    o.channel_id = channel_id++;
    o.threads = t;
    o.chunk_size = chunk;
    o.geometry.h2d = {ring_slots, chunk + static_cast<uint32_t>(channel::kChunkOverhead)};
    o.geometry.d2h = o.geometry.h2d;
    o.timeout = std::chrono::milliseconds(60000);
    o.rotation.epoch_window = std::max<uint32_t>(o.rotation.epoch_window, 4);
    CCGPU_ASSIGN_OR_RETURN(auto ch, runtime::DeviceChannel::Create(ems_bytes, o));
    CCGPU_TRY(ch->Open(call));
    CCGPU_TRY(runtime::DeviceChannel::SetReady(call));
    CCGPU_ASSIGN_OR_RETURN(uint64_t handle, ch->Alloc(std::max<std::size_t>(largest, 1)));
    for (std::size_t size : sizes) {
      Bytes src(size, 0x5a), dst(size);
      const runtime::DeviceRange range{handle, 0, size};
      step("h2d-device " + std::to_string(size) + " T=" + std::to_string(t));
      CCGPU_ASSIGN_OR_RETURN(double h2d, Measure(min_seconds, size, [&]() -> Status {
                               return runtime::ToStatus(ch->CopyToDevice(range, src));
                             }));
      rows.push_back({"h2d-device", size, t, h2d});
      step("d2h-device " + std::to_string(size) + " T=" + std::to_string(t));
      CCGPU_ASSIGN_OR_RETURN(double d2h, Measure(min_seconds, size, [&]() -> Status {
                               return runtime::ToStatus(ch->CopyFromDevice(range, dst));
                             }));
      if (dst != src) return Fail(Errc::kDeviceError, "bench: data read back differs from what was written");
      rows.push_back({"d2h-device", size, t, d2h});
    }
    CCGPU_TRY(ch->Close(call));
  }
  return rows;
}

}  // namespace ccgpu::cli
