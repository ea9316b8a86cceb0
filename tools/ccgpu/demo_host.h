// The demo's untrusted host: what a hostile hypervisor can do to attached
// GPUs — read every shared-memory region, tamper with bounce-buffer chunks,
// replay sealed commands, change a locked GPU's PCI configuration — and what
// catches it. Every attack is recorded in the report with the error that
// detected it and whether the workload recovered.
#ifndef CCGPU_TOOLS_CCGPU_DEMO_HOST_H_
#define CCGPU_TOOLS_CCGPU_DEMO_HOST_H_

#include <filesystem>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "demo_report.h"
#include "runtime/context.h"

namespace ccgpu::cli {

class Host {
 public:
  explicit Host(demo::Report& report) : report_(report) {}

  // Maps every ccgpu shared-memory region in /dev/shm (as the host can) and
  // looks for 32-byte windows of `secret`; records the result.
  void ScanForPlaintext(ByteSpan secret, const std::string& label);

  // The hostile-host episode against attached GPUs `gpus` of `ctx`.
  void RunEpisode(Context& ctx, const std::filesystem::path& state, const std::vector<DeviceId>& gpus);

  // Adds the shared-memory scan summary to the report.
  void Finish();

 private:
  demo::Report& report_;
  uint64_t regions_scanned_ = 0;
  uint64_t bytes_scanned_ = 0;
  uint64_t plaintext_hits_ = 0;
};

}  // namespace ccgpu::cli

#endif  // CCGPU_TOOLS_CCGPU_DEMO_HOST_H_
