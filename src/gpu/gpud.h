// `ccgpu gpud`: serves the devices of a state directory.
//
//  - Management socket <state>/gpud.sock (Unix domain, mode 0600): the
//    host-only actions. One JSON request line per connection, one JSON reply
//    line: {"op": "status"|"set-cc-mode"|"reset"|"read-mem"|"write-mem"|
//    "evidence"|"list", "device": N, ...} -> {"ok": true, ...} or
//    {"ok": false, "code": "kResetRequired", "error": "..."}.
//    Secure-attach host verbs (gpud_attach.h): "assign" (guest), "config-read"
//    / "config-write" (offset, value), "bar-move" (bar, address), "flr";
//    status replies carry an "attach" object (owner, TDI state, PCI config).
//  - SPDM per device (seam): if a SpdmServiceFactory is given, gpud runs it
//    on its own thread per device with the device's endpoint (bind address,
//    default 127.0.0.1, and port from config); it must return once `stop`
//    is set. Without one, gpud says the SPDM responder is not built in.
//  - Stops when `stop` becomes true (SIGTERM in the CLI): joins the SPDM
//    threads, saves every device's state and removes the socket.
#ifndef CCGPU_GPU_GPUD_H_
#define CCGPU_GPU_GPUD_H_

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "base/result.h"
#include "gpu/device.h"

namespace ccgpu::gpu {

struct SpdmEndpoint {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;
};
// Serves SPDM for `device` on `endpoint` until `stop`; the status it
// returns is logged.
using SpdmServiceFactory =
    std::function<ccgpu::Status(Device& device, const SpdmEndpoint& endpoint, const std::atomic<bool>& stop)>;

struct GpudOptions {
  std::filesystem::path state;
  std::function<void(const std::string&)> log;  // one line per event; may be empty
  SpdmServiceFactory spdm;                      // may be empty
  std::function<void()> on_ready;               // called once the socket listens
};

// Opens the devices and serves until `stop`. kNotFound / kIo / kBusy (socket
// in use by a running gpud), device errors.
ccgpu::Status RunGpud(const GpudOptions& options, const std::atomic<bool>& stop);

// Handles one management request (JSON text) against `devices`; the reply
// as JSON text. Exposed for tests.
std::string HandleManagementRequest(DeviceSet& devices, std::string_view request);

// Client side: sends `request` (JSON text) to <state>/gpud.sock and returns
// the reply text. kNotFound if no gpud listens there, kIo, kTimeout (5 s).
Result<std::string> ManagementCall(const std::filesystem::path& state, const std::string& request);

}  // namespace ccgpu::gpu

#endif  // CCGPU_GPU_GPUD_H_
