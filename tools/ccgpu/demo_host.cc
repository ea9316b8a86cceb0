#include "demo_host.h"

#include <algorithm>
#include <cstring>
#include <system_error>

#include "channel/shm.h"

namespace ccgpu::cli {
namespace fs = std::filesystem;

void Host::ScanForPlaintext(ByteSpan secret, const std::string& label) {
  constexpr std::size_t kWindow = 32;
  if (secret.size() < kWindow) return;
  std::vector<ByteSpan> windows;
  for (std::size_t i = 0; i < 8; ++i) {
    windows.push_back(secret.subspan((secret.size() - kWindow) * i / 7, kWindow));
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/dev/shm", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("ccgpu-", 0) != 0) continue;
    auto region = channel::SharedRegion::OpenNamed("/" + name);
    if (!region) continue;  // gone meanwhile
    const auto bytes = region->bytes();
    ++regions_scanned_;
    bytes_scanned_ += bytes.size();
    for (ByteSpan w : windows) {
      if (std::search(bytes.begin(), bytes.end(), w.begin(), w.end()) != bytes.end()) {
        ++plaintext_hits_;
        report_.Note("PLAINTEXT of " + label + " found in host-visible region " + name);
      }
    }
  }
}

void Host::Finish() {
  report_.SetResult("shared_memory_scan", nlohmann::ordered_json{{"regions", regions_scanned_},
                                                                 {"bytes", bytes_scanned_},
                                                                 {"plaintext_hits", plaintext_hits_}});
  report_.Step("host scan: no plaintext in shared memory", [&](std::string& detail) -> Status {
    detail = std::to_string(regions_scanned_) + " regions, " + std::to_string(bytes_scanned_) + " bytes scanned";
    if (regions_scanned_ == 0) return Fail(Errc::kStateError, "demo: the host found no shared regions to scan");
    if (plaintext_hits_ != 0) return Fail(Errc::kAccessDenied, "demo: plaintext found in host-visible memory");
    return OkStatus();
  });
}

}  // namespace ccgpu::cli
