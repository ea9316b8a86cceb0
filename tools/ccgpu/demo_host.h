// The demo's untrusted host: what a hostile hypervisor can do to attached
// GPUs — read every shared-memory region, tamper with bounce-buffer chunks,
// replay sealed commands, change a locked GPU's PCI configuration — and what
// catches it. Every attack is recorded in the report with the error that
// detected it and whether the workload recovered.
#ifndef CCGPU_TOOLS_CCGPU_DEMO_HOST_H_
#define CCGPU_TOOLS_CCGPU_DEMO_HOST_H_

#include <filesystem>
#include <functional>
#include <span>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "channel/host_relay.h"
#include "channel/shm.h"
#include "demo_report.h"
#include "runtime/context.h"

namespace ccgpu::cli {

// The host's control of device DMA (an IOMMU remap): when a device maps the
// guest's ring regions, it gets a host-owned copy of each, and a relay thread
// carries slots between the two — forwarding faithfully until an attack is
// scripted. One interposer per device.
class DmaInterposer {
 public:
  // The hook a DeviceSpec takes: maps region `name` for the device.
  Result<channel::SharedRegion> MapForDevice(const std::string& name);
  // The relay of a ring by role ("cmd", "cpl", "h2d", "d2h"), or null.
  channel::HostRelay* relay(const std::string& role);
  // Calls fn with each device-side region the host holds now.
  void ForEachRegion(const std::function<void(const std::string&, std::span<const uint8_t>)>& fn);
  ~DmaInterposer();

 private:
  struct Ring {
    std::optional<channel::SharedRegion> guest, device;  // the host's own mappings
    std::unique_ptr<channel::HostRelay> relay;
  };
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Ring>> rings_;  // by role (latest channel)
  std::vector<std::unique_ptr<Ring>> retired_;
};

class Host {
 public:
  explicit Host(demo::Report& report) : report_(report) {}

  // Maps every ccgpu shared-memory region in /dev/shm (as the host can) and
  // looks for 32-byte windows of `secret`; records the result.
  void ScanForPlaintext(ByteSpan secret, const std::string& label);

  // The DeviceSpec of in-process GPU `index` of `state` with the host's DMA
  // interposer in place (the host owns the device's view of shared memory).
  DeviceSpec Spec(const std::filesystem::path& state, unsigned index);

  // The hostile-host episode against attached GPUs `gpus` of `ctx` (made with
  // Spec()); re-attaches what it broke and updates `gpus`.
  void RunEpisode(Context& ctx, const std::filesystem::path& state, std::vector<DeviceId>& gpus);

  // Attaches in-process GPU `index` again (a fresh session, channel and
  // TDISP lock) into `id` and checks a sealed round trip through it.
  bool ReattachAndProbe(Context& ctx, const std::filesystem::path& state, unsigned index, DeviceId& id);

  // Adds the shared-memory scan summary to the report.
  void Finish();

 private:
  demo::Report& report_;
  std::map<unsigned, std::shared_ptr<DmaInterposer>> dma_;  // by device index
  uint64_t regions_scanned_ = 0;
  uint64_t bytes_scanned_ = 0;
  uint64_t plaintext_hits_ = 0;
};

}  // namespace ccgpu::cli

#endif  // CCGPU_TOOLS_CCGPU_DEMO_HOST_H_
